package api

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestQueryPermission(t *testing.T) {
	perms := []fxPerm{
		{"read_request", map[string]any{"requestAccess": "specific", "headersAllowed": true, "headerAccess": "specific",
			"headerWhitelist": []any{map[string]any{"headerName": "User-Agent"}}}},
		{"send_http", map[string]any{"allowedUrls": "specific", "urls": []any{"https://api.example.com/v1/*"}}},
		{"set_cookies", map[string]any{"allowedCookies": []any{map[string]any{"name": "_ga", "domain": "*", "path": "*", "secure": "secure", "session": "any"}}}},
		{"access_response", map[string]any{"writeResponseAccess": "specific", "writeStatusAllowed": true}},
		{"use_message", map[string]any{"allowedActions": "specific", "messageTypes": []any{map[string]any{"type": "m", "action": "send"}}}},
		{"read_event_data", map[string]any{"eventDataAccess": "specific", "keyPatterns": []any{"user_data"}}},
		{"return_response", nil},
		{"use_custom_private_keys", map[string]any{"keyIds": []any{"k1"}}},
	}
	res := fxEval(t, nil, `const q = require('queryPermission');
return [
  q('read_request', 'header', 'user-agent'),
  q('read_request', 'header', 'cookie'),
  q('read_request', 'body'),
  q('send_http', 'https://api.example.com/v1/events?x=1'),
  q('send_http', 'https://evil.example.com/'),
  q('set_cookies', '_ga'),
  q('set_cookies', '_ga', {secure: true, domain: 'auto'}),
  q('set_cookies', '_ga', {secure: false}),
  q('access_response', 'write', 'status'),
  q('access_response', 'write', 'body'),
  q('use_message', 'send', 'm'),
  q('use_message', 'listen', 'm'),
  q('read_event_data', 'user_data.email'),
  q('read_event_data'),
  q('return_response'),
  q('use_custom_private_keys', 'k1'),
  q('use_custom_private_keys', 'k2'),
  q('get_cookies', 'x'),
  q('not_a_permission'),
  q(),
];`, perms...)
	want := []any{true, false, false, true, false, true, true, false, true, false, true, false, true, false, true, true, false, false, false, false}
	if diff := cmp.Diff(want, res.Value); res.Err != nil || diff != "" {
		t.Fatalf("err %v (-want +got):\n%s", res.Err, diff)
	}
}

func TestQueryPermissionNeverThrows(t *testing.T) {
	res := fxEval(t, nil, `const q = require('queryPermission');
return [q('set_cookies', {}, 5), q('access_response', 1, 2, 3), q('send_http', null), q('read_request', [], {})];`,
		fxPerm{"set_cookies", map[string]any{"allowedCookies": []any{}}},
		fxPerm{"access_response", map[string]any{"writeResponseAccess": "specific"}},
		fxPerm{"send_http", map[string]any{"allowedUrls": "specific"}},
		fxPerm{"read_request", map[string]any{"requestAccess": "specific"}})
	if diff := cmp.Diff([]any{false, false, false, false}, res.Value); res.Err != nil || diff != "" {
		t.Fatalf("err %v (-want +got):\n%s", res.Err, diff)
	}
}
