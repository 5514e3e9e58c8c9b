package api

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tagd-dev/tagd/runtime"
)

func TestSendPixelFromBrowser(t *testing.T) {
	perm := fxPerm{"send_pixel_from_browser", map[string]any{"allowedUrls": "specific", "urls": []any{"https://px.example.com/"}}}
	rich := "/g/collect?v=2&tid=G-1&en=page_view&richsstsse"
	tests := []struct {
		name     string
		target   string
		returned bool
		url      string
		want     bool
		header   []string
	}{
		{"ga4 stream request", rich, false, "https://px.example.com/p?id=1", true, []string{"https://px.example.com/p?id=1"}},
		{"ga4 without richsstsse", "/g/collect?v=2&tid=G-1&en=page_view", false, "https://px.example.com/p", false, nil},
		{"not ga4", "/other", false, "https://px.example.com/p", false, nil},
		{"response already returned", rich, true, "https://px.example.com/p", false, nil},
		{"relative url", rich, false, "/p", false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := runtime.NewExchange(fxRequest("GET", tc.target, ""), &runtime.Container{})
			if tc.returned {
				x.Response().Return()
			}
			allow := perm
			if tc.url == "/p" {
				allow = fxPerm{"send_pixel_from_browser", map[string]any{"allowedUrls": "any"}}
			}
			res := fxEval(t, x, "return require('sendPixelFromBrowser')('"+tc.url+"');", allow)
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			if res.Value != tc.want {
				t.Errorf("returned %v, want %v", res.Value, tc.want)
			}
			_, h, _ := x.Response().Snapshot()
			if diff := cmp.Diff(tc.header, h.Values(PixelHeader)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", PixelHeader, diff)
			}
		})
	}
	x := runtime.NewExchange(fxRequest("GET", rich, ""), &runtime.Container{})
	fxWantErr(t, fxEval(t, x, "require('sendPixelFromBrowser')('https://evil.example/p');", perm).Err,
		"Permission denied", `"send_pixel_from_browser"`, "does not match")
}
