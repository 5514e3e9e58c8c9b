package preview

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func serve(t *testing.T, r *Recorder) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/api/", r.API())
	mux.Handle("/", UI())
	ts := httptest.NewServer(mux)
	t.Cleanup(func() { r.Close(); ts.Close() })
	return ts
}

func do(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestAPI(t *testing.T) {
	r := New(Options{Size: 5, Header: "X-Debug"})
	r.Add(rec("a1", "/g/collect", "GA4", []string{"purchase"}, map[string]int{"success": 1}, 0))
	r.Add(rec("b2", "/postback", "Postback", []string{"conversion"}, nil, 0))
	ts := serve(t, r)

	tests := []struct {
		name, method, path, body string
		status                   int
		contains                 []string
	}{
		{"list", "GET", "/api/requests", "", 200, []string{`"id":"b2"`, `"id":"a1"`, `"held":2`, `"capacity":5`, `"headers":["X-Gtm-Server-Preview","X-Tagd-Preview","X-Debug"]`}},
		{"list limit", "GET", "/api/requests?limit=1", "", 200, []string{`"requests":[{"id":"b2"`}},
		{"list filter", "GET", "/api/requests?event=purchase", "", 200, []string{`"requests":[{"id":"a1"`}},
		{"bad limit", "GET", "/api/requests?limit=0", "", 400, []string{`limit \"0\": want a whole number from 1 to 5`}},
		{"bad status", "GET", "/api/requests?status=meh", "", 400, []string{`filter status`}},
		{"detail", "GET", "/api/requests/a1", "", 200, []string{`"id":"a1"`, `"path":"/g/collect"`}},
		{"detail missing", "GET", "/api/requests/zz", "", 404, []string{`no captured request \"zz\"`}},
		{"detail wrong method", "POST", "/api/requests/a1", "", 405, []string{"method not allowed"}},
		{"policy", "GET", "/api/preview", "", 200, []string{`"enabled":true`, `"capture_all":false`}},
		{"policy bad body", "POST", "/api/preview", `{"capture":true}`, 400, []string{`unknown field`}},
		{"policy missing key", "POST", "/api/preview", `{}`, 400, []string{`capture_all is required`}},
		{"policy on", "POST", "/api/preview", `{"capture_all":true}`, 200, []string{`"capture_all":true`}},
		{"unknown", "GET", "/api/other", "", 404, []string{"not found"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := do(t, tt.method, ts.URL+tt.path, tt.body)
			if status != tt.status {
				t.Errorf("status %d, want %d: %s", status, tt.status, body)
			}
			for _, c := range tt.contains {
				if !strings.Contains(body, c) {
					t.Errorf("body lacks %s:\n%s", c, body)
				}
			}
		})
	}
	if !r.Policy().CaptureAll || !r.Capture(httptest.NewRequest("GET", "/", nil), false) {
		t.Error("POST /api/preview did not switch capture_all on")
	}
	if status, _ := do(t, "DELETE", ts.URL+"/api/requests", ""); status != 204 || r.Len() != 0 {
		t.Errorf("DELETE: status %d, %d records left", status, r.Len())
	}
}

func TestPolicyDisabled(t *testing.T) {
	ts := serve(t, New(Options{Disabled: true}))
	status, body := do(t, "POST", ts.URL+"/api/preview", `{"capture_all":true}`)
	if status != 409 || !strings.Contains(body, "disabled in the config") {
		t.Errorf("status %d: %s", status, body)
	}
}

// TestStream reads the SSE stream as a browser would: a "request" event with the summary
// of each record added after connecting, filtered by the query.
func TestStream(t *testing.T) {
	r := New(Options{})
	ts := serve(t, r)
	resp, err := http.Get(ts.URL + "/api/requests/stream?client=GA4")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	br := bufio.NewReader(resp.Body)
	readFrame := func() []string {
		var lines []string
		for {
			l, err := br.ReadString('\n')
			if err != nil {
				t.Fatalf("stream ended: %v", err)
			}
			l = strings.TrimRight(l, "\n")
			if l == "" {
				return lines
			}
			lines = append(lines, l)
		}
	}
	if got := readFrame(); !cmp.Equal(got, []string{"retry: 2000", ": connected"}) {
		t.Fatalf("hello frame %q", got)
	}
	// The subscription exists once the hello frame arrived; the filtered-out record comes first.
	r.Add(rec("pb", "/postback", "Postback", []string{"conversion"}, nil, 0))
	r.Add(rec("ga", "/g/collect", "GA4", []string{"purchase"}, map[string]int{"success": 1}, 0))
	frame := readFrame()
	if len(frame) != 3 || frame[0] != "id: ga" || frame[1] != "event: request" || !strings.HasPrefix(frame[2], "data: ") {
		t.Fatalf("frame %q", frame)
	}
	var s Summary
	if err := json.Unmarshal([]byte(strings.TrimPrefix(frame[2], "data: ")), &s); err != nil {
		t.Fatal(err)
	}
	if s.ID != "ga" || s.Client != "GA4" || !cmp.Equal(s.Events, []string{"purchase"}) || s.Tags["success"] != 1 {
		t.Errorf("summary %+v", s)
	}
	r.Close()
	if _, err := br.ReadString('\n'); err != io.EOF {
		t.Errorf("stream did not end on Close: %v", err)
	}
}

func TestUI(t *testing.T) {
	ts := serve(t, New(Options{}))
	tests := []struct {
		path, ctype string
		contains    string
	}{
		{"/", "text/html; charset=utf-8", `<script src="/ui/app.js" defer></script>`},
		{"/ui/app.js", "text/javascript; charset=utf-8", "/api/requests/stream"},
		{"/ui/app.css", "text/css; charset=utf-8", ".requests"},
	}
	for _, tt := range tests {
		resp, err := http.Get(ts.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != tt.ctype || !strings.Contains(string(b), tt.contains) {
			t.Errorf("%s: status %d, type %q, has %q: %v", tt.path, resp.StatusCode, resp.Header.Get("Content-Type"), tt.contains, strings.Contains(string(b), tt.contains))
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("%s: CSP %q", tt.path, csp)
		}
	}
	if resp, err := http.Get(ts.URL + "/nope"); err != nil || resp.StatusCode != 404 {
		t.Errorf("/nope: %v %v", resp.StatusCode, err)
	}
}

// TestUIWritesNoHTML keeps the page safe from the data it shows (event data and headers
// come from anyone): the script must never assign markup.
func TestUIWritesNoHTML(t *testing.T) {
	js, err := uiFiles.ReadFile("ui/app.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("} {
		if strings.Contains(string(js), bad) {
			t.Errorf("app.js uses %s", bad)
		}
	}
}
