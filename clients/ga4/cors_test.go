package ga4

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCORSHeaders(t *testing.T) {
	const site = "https://shop.example"
	tests := []struct {
		name    string
		method  string
		header  map[string]string
		allowed []string
		want    http.Header
		wantOK  bool
	}{
		{
			name: "simple request, any origin", method: http.MethodPost,
			header: map[string]string{"Origin": site},
			want: http.Header{
				"Access-Control-Allow-Origin":      {site},
				"Access-Control-Allow-Credentials": {"true"},
				"Vary":                             {"Origin"},
			},
			wantOK: true,
		},
		{
			name: "preflight", method: http.MethodOptions,
			header: map[string]string{
				"Origin":                         site,
				"Access-Control-Request-Method":  "POST",
				"Access-Control-Request-Headers": "content-type, x-custom",
			},
			allowed: []string{"*"},
			want: http.Header{
				"Access-Control-Allow-Origin":      {site},
				"Access-Control-Allow-Credentials": {"true"},
				"Access-Control-Allow-Methods":     {"GET, POST, OPTIONS"},
				"Access-Control-Allow-Headers":     {"content-type, x-custom"},
				"Access-Control-Max-Age":           {"86400"},
				"Vary":                             {"Origin", "Access-Control-Request-Headers"},
			},
			wantOK: true,
		},
		{
			name: "preflight without requested headers", method: http.MethodOptions,
			header: map[string]string{"Origin": site, "Access-Control-Request-Method": "POST"},
			want: http.Header{
				"Access-Control-Allow-Origin":      {site},
				"Access-Control-Allow-Credentials": {"true"},
				"Access-Control-Allow-Methods":     {"GET, POST, OPTIONS"},
				"Access-Control-Max-Age":           {"86400"},
				"Vary":                             {"Origin", "Access-Control-Request-Headers"},
			},
			wantOK: true,
		},
		{
			name: "listed origin, case and trailing slash", method: http.MethodPost,
			header:  map[string]string{"Origin": "https://Shop.example"},
			allowed: []string{"https://other.example", "https://shop.example/"},
			want: http.Header{
				"Access-Control-Allow-Origin":      {"https://Shop.example"},
				"Access-Control-Allow-Credentials": {"true"},
				"Vary":                             {"Origin"},
			},
			wantOK: true,
		},
		{
			name: "origin not listed", method: http.MethodPost,
			header:  map[string]string{"Origin": "https://evil.example"},
			allowed: []string{site},
			want:    http.Header{"Vary": {"Origin"}},
		},
		{
			name: "preflight from an origin not listed", method: http.MethodOptions,
			header:  map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
			allowed: []string{site},
			want:    http.Header{"Vary": {"Origin"}},
		},
		{
			name: "empty list allows none", method: http.MethodPost,
			header:  map[string]string{"Origin": site},
			allowed: []string{},
			want:    http.Header{"Vary": {"Origin"}},
		},
		{
			name: "null origin refused by wildcard", method: http.MethodPost,
			header: map[string]string{"Origin": "null"},
			want:   http.Header{"Vary": {"Origin"}},
		},
		{
			name: "null origin listed explicitly", method: http.MethodPost,
			header:  map[string]string{"Origin": "null"},
			allowed: []string{"null"},
			want: http.Header{
				"Access-Control-Allow-Origin":      {"null"},
				"Access-Control-Allow-Credentials": {"true"},
				"Vary":                             {"Origin"},
			},
			wantOK: true,
		},
		{
			name: "no Origin: not CORS", method: http.MethodGet,
			allowed: []string{site},
			want:    http.Header{"Vary": {"Origin"}},
			wantOK:  true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, "https://tag.shop.example/g/collect?v=2&tid=G-1", nil)
			for k, v := range tc.header {
				r.Header.Set(k, v)
			}
			w := http.Header{}
			ok := CORSHeaders(w, r, tc.allowed)
			if ok != tc.wantOK {
				t.Errorf("allowed = %v, want %v", ok, tc.wantOK)
			}
			if d := cmp.Diff(tc.want, w); d != "" {
				t.Errorf("headers (-want +got):\n%s", d)
			}
		})
	}
}

// TestCORSHeadersVaryOnce checks that an existing Vary entry (in any case,
// possibly in a list) is not duplicated when the headers are written twice.
func TestCORSHeadersVaryOnce(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "/g/collect", nil)
	r.Header.Set("Origin", "https://shop.example")
	w := http.Header{"Vary": {"Accept-Encoding, origin"}}
	CORSHeaders(w, r, nil)
	CORSHeaders(w, r, nil)
	if d := cmp.Diff([]string{"Accept-Encoding, origin"}, w.Values("Vary")); d != "" {
		t.Errorf("Vary (-want +got):\n%s", d)
	}
}
