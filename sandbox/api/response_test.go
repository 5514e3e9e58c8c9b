package api

import (
	"bytes"
	"image/gif"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tagd-dev/tagd/runtime"
)

var fxResponseAny = fxPerm{"access_response", map[string]any{"writeResponseAccess": "any", "writeHeaderAccess": "specific"}}

func fxResponse(t *testing.T, code string, perms ...fxPerm) (*runtime.Exchange, error) {
	t.Helper()
	x := runtime.NewExchange(fxRequest("GET", "/p", ""), &runtime.Container{})
	return x, fxEval(t, x, code, perms...).Err
}

func TestResponseWrites(t *testing.T) {
	x, err := fxResponse(t, `
require('setResponseStatus')(204);
require('setResponseHeader')('X-One', 'a');
require('setResponseHeader')('x-two', 2);
require('setResponseHeader')('x-two', 'b');
require('setResponseHeader')('X-Gone', 'c');
require('setResponseHeader')('x-gone', null);
require('setResponseHeader')('x-also-gone', 'd');
require('setResponseHeader')('x-also-gone', undefined);
require('setResponseBody')('hello');
require('returnResponse')();
require('setResponseStatus')(500);
require('setResponseBody')('late');
require('setResponseHeader')('x-late', 'z');
`, fxResponseAny, fxPerm{"return_response", nil})
	if err != nil {
		t.Fatal(err)
	}
	status, h, body := x.Response().Snapshot()
	if status != 204 || string(body) != "hello" {
		t.Errorf("status %d body %q, want 204 hello", status, body)
	}
	want := http.Header{"X-One": {"a"}, "X-Two": {"b"}}
	if diff := cmp.Diff(want, h); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
	if !x.Response().Returned() {
		t.Error("response not returned")
	}
}

func TestResponseErrors(t *testing.T) {
	tests := []struct {
		name  string
		code  string
		perms []fxPerm
		frags []string
	}{
		{"status not a number", "require('setResponseStatus')('abc');", []fxPerm{fxResponseAny}, []string{"not a valid HTTP status code"}},
		{"status out of range", "require('setResponseStatus')(42);", []fxPerm{fxResponseAny}, []string{"42 is not a valid"}},
		{"header name", "require('setResponseHeader')('bad name', 'x');", []fxPerm{fxResponseAny}, []string{"not a valid header name"}},
		{"header injection", "require('setResponseHeader')('x-a', 'v\\r\\nSet-Cookie: a=b');", []fxPerm{fxResponseAny}, []string{"line break"}},
		{"unknown encoding", "require('setResponseBody')('x', 'utf32');", []fxPerm{fxResponseAny}, []string{`unknown encoding "utf32"`}},
		{"return undeclared", "require('returnResponse')();", []fxPerm{fxResponseAny}, []string{"Permission denied", `"return_response"`}},
		{"status undeclared", "require('setResponseStatus')(200);", nil, []string{"Permission denied", `"access_response"`}},
		{"status not granted", "require('setResponseStatus')(200);",
			[]fxPerm{{"access_response", map[string]any{"writeResponseAccess": "specific", "writeBodyAllowed": true}}}, []string{"writing the response status is not allowed"}},
		{"header not whitelisted", "require('setResponseHeader')('x-b', '1');",
			[]fxPerm{{"access_response", map[string]any{"writeResponseAccess": "specific", "writeHeadersAllowed": true, "writeHeaderAccess": "specific",
				"writeHeaderWhitelist": []any{map[string]any{"headerName": "X-A"}}}}}, []string{`header "x-b" is not among`}},
		{"pixel needs headers", "require('setPixelResponse')();",
			[]fxPerm{{"access_response", map[string]any{"writeResponseAccess": "specific", "writeBodyAllowed": true, "writeStatusAllowed": true}}}, []string{"header is not allowed"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := fxResponse(t, tc.code, tc.perms...)
			fxWantErr(t, err, tc.frags...)
		})
	}
}

func TestSetPixelResponse(t *testing.T) {
	x, err := fxResponse(t, `require('setResponseStatus')(500); require('setPixelResponse')();`,
		fxPerm{"access_response", map[string]any{"writeResponseAccess": "specific", "writeBodyAllowed": true, "writeStatusAllowed": true,
			"writeHeadersAllowed": true}})
	if err != nil {
		t.Fatal(err)
	}
	status, h, body := x.Response().Snapshot()
	if status != 200 || h.Get("Content-Type") != "image/gif" || h.Get("Cache-Control") == "" {
		t.Errorf("status %d headers %v", status, h)
	}
	img, err := gif.Decode(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("pixel is not a GIF: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 1 || b.Dy() != 1 {
		t.Errorf("pixel is %v, want 1x1", b)
	}
}

func TestEncodeBody(t *testing.T) {
	tests := []struct {
		in, enc string
		want    []byte
	}{
		{"héllo", "utf8", []byte("héllo")},
		{"héllo", "", []byte("héllo")},
		{"héllo", "latin1", []byte{'h', 0xe9, 'l', 'l', 'o'}},
		{"héllo", "binary", []byte{'h', 0xe9, 'l', 'l', 'o'}},
		{"hé", "ascii", []byte{'h', 0xe9}},
		{"hé😀", "utf16le", []byte{'h', 0, 0xe9, 0, 0x3d, 0xd8, 0x00, 0xde}},
		{"hé", "ucs2", []byte{'h', 0, 0xe9, 0}},
		{"aGVsbG8=", "base64", []byte("hello")},
		{"aGVsbG8", "base64", []byte("hello")},
		{"aGV sbG8=", "base64", []byte("hello")},
		{"-_8", "base64", []byte{0xfb, 0xff}},
		{"aGVs!bG8=", "base64", []byte("hel")},
		{"48656c6c6f", "hex", []byte("Hello")},
		{"48656C6c6", "hex", []byte("Hell")},
		{"4865zz6c", "hex", []byte("He")},
		{"", "hex", []byte{}},
	}
	for _, tc := range tests {
		got, err := encodeBody(tc.in, tc.enc)
		if err != nil {
			t.Errorf("encodeBody(%q, %q): %v", tc.in, tc.enc, err)
			continue
		}
		if !bytes.Equal(got, tc.want) {
			t.Errorf("encodeBody(%q, %q) = %x, want %x", tc.in, tc.enc, got, tc.want)
		}
	}
	if _, err := encodeBody("x", "utf-7"); err == nil {
		t.Error("want an error for an unknown encoding")
	}
}

func TestAccessResponseChecker(t *testing.T) {
	tests := []struct {
		name   string
		params map[string]any
		args   []any
		ok     bool
	}{
		{"any ignores stale header setting", map[string]any{"writeResponseAccess": "any", "writeHeaderAccess": "specific"}, []any{"write", "header", "x-a"}, true},
		{"specific status", map[string]any{"writeResponseAccess": "specific", "writeStatusAllowed": true}, []any{"write", "status"}, true},
		{"specific status missing", map[string]any{"writeResponseAccess": "specific", "writeBodyAllowed": true}, []any{"write", "status"}, false},
		{"specific body", map[string]any{"writeResponseAccess": "specific", "writeBodyAllowed": true}, []any{"write", "body"}, true},
		{"headers any", map[string]any{"writeResponseAccess": "specific", "writeHeadersAllowed": true, "writeHeaderAccess": "any"}, []any{"write", "header", "x-a"}, true},
		{"headers not allowed", map[string]any{"writeResponseAccess": "specific", "writeHeaderAccess": "any"}, []any{"write", "header", "x-a"}, false},
		{"whitelist case-insensitive", map[string]any{"writeResponseAccess": "specific", "writeHeadersAllowed": true, "writeHeaderAccess": "specific",
			"writeHeaderWhitelist": []any{map[string]any{"headerName": "Content-Type"}}}, []any{"write", "header", "content-type"}, true},
		{"whitelist miss", map[string]any{"writeResponseAccess": "specific", "writeHeadersAllowed": true, "writeHeaderAccess": "specific",
			"writeHeaderWhitelist": []any{map[string]any{"headerName": "Content-Type"}}}, []any{"write", "header", "x-a"}, false},
		{"without the write verb", map[string]any{"writeResponseAccess": "specific", "writeBodyAllowed": true}, []any{"body"}, true},
		{"no component", map[string]any{"writeResponseAccess": "specific", "writeBodyAllowed": true}, nil, false},
		{"unknown component", map[string]any{"writeResponseAccess": "specific", "writeBodyAllowed": true}, []any{"write", "cookie"}, false},
		{"nothing declared", map[string]any{}, []any{"write", "body"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := newAccessResponse(tc.params)
			if err != nil {
				t.Fatal(err)
			}
			if got := c(tc.args...) == nil; got != tc.ok {
				t.Errorf("allowed = %v, want %v (%v)", got, tc.ok, c(tc.args...))
			}
		})
	}
}

func TestResponseWithoutRequestIsANoop(t *testing.T) {
	res := fxEval(t, nil, `require('setResponseStatus')(201); require('setResponseBody')('x'); require('setPixelResponse')(); require('returnResponse')(); return 'ok';`,
		fxResponseAny, fxPerm{"return_response", nil})
	if res.Err != nil || res.Value != "ok" {
		t.Fatalf("got %v, %v", res.Value, res.Err)
	}
}
