package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/runtime/metrics"
	"github.com/tagd-dev/tagd/runtime/preview"
)

func adminWithExtras(token string) (*httptest.Server, *preview.Recorder, *metrics.Metrics) {
	rec := preview.New(preview.Options{})
	m := metrics.New(metrics.Options{})
	e := engine()
	e.Capture, e.Observe = rec.Capture, rec.Observe
	ts := httptest.NewServer(Admin(e, nil, token, time.Now(), AdminExtras{Preview: rec, Metrics: m}))
	return ts, rec, m
}

func call(t *testing.T, method, url, token, host string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if host != "" {
		req.Host = host
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestAdminSurfaceAuth: every admin endpoint that shows data wants the token (401 without
// it or with a wrong one); the UI page itself holds no data and loads without it.
func TestAdminSurfaceAuth(t *testing.T) {
	ts, _, _ := adminWithExtras("s3cret")
	defer ts.Close()
	protected := []struct{ method, path string }{
		{"GET", "/api/status"}, {"POST", "/api/reload"},
		{"GET", "/api/requests"}, {"GET", "/api/requests?limit=5"}, {"GET", "/api/requests/abc"},
		{"GET", "/api/requests/stream"}, {"DELETE", "/api/requests"},
		{"GET", "/api/preview"}, {"POST", "/api/preview"},
		{"GET", "/metrics"}, {"GET", "/debug/pprof/"}, {"GET", "/debug/pprof/cmdline"}, {"GET", "/debug/pprof/heap"},
	}
	for _, p := range protected {
		for _, tok := range []string{"", "wrong", "s3cret2"} {
			if status, body := call(t, p.method, ts.URL+p.path, tok, ""); status != 401 || !strings.Contains(body, "admin token") {
				t.Errorf("%s %s with token %q: %d %.80s, want 401", p.method, p.path, tok, status, body)
			}
		}
	}
	open := []struct {
		path   string
		status int
		part   string
	}{
		{"/healthz", 200, "ok"}, {"/", 200, "<title>tagd preview</title>"}, {"/ui/app.js", 200, "use strict"},
	}
	for _, o := range open {
		if status, body := call(t, "GET", ts.URL+o.path, "", ""); status != o.status || !strings.Contains(body, o.part) {
			t.Errorf("GET %s without token: %d, want %d with %q", o.path, status, o.status, o.part)
		}
	}
	withToken := []struct {
		path string
		part string
	}{
		{"/api/requests", `"requests":[]`},
		{"/api/preview", `"capture_all":false`},
		{"/metrics", "tagd_sandbox_interrupts_total"},
		{"/debug/pprof/", "goroutine"},
		{"/debug/pprof/cmdline", "server.test"},
	}
	for _, w := range withToken {
		if status, body := call(t, "GET", ts.URL+w.path, "s3cret", ""); status != 200 || !strings.Contains(body, w.part) {
			t.Errorf("GET %s with token: %d %.200s, want 200 with %q", w.path, status, body, w.part)
		}
	}
}

// TestAdminRebindingGuard: without a token, the listener only answers to loopback Host
// names, so a web page that rebinds its DNS name to 127.0.0.1 cannot read preview data.
func TestAdminRebindingGuard(t *testing.T) {
	ts, _, _ := adminWithExtras("")
	defer ts.Close()
	for host, want := range map[string]int{"": 200, "localhost:8081": 200, "127.0.0.1": 200, "[::1]:8081": 200, "LOCALHOST.": 200,
		"evil.example": 403, "evil.example:8081": 403, "10.0.0.1:8081": 403} {
		if status, _ := call(t, "GET", ts.URL+"/api/requests", "", host); status != want {
			t.Errorf("Host %q: status %d, want %d", host, status, want)
		}
	}
	ts2, _, _ := adminWithExtras("tok")
	defer ts2.Close()
	if status, _ := call(t, "GET", ts2.URL+"/api/requests", "tok", "tagd-admin.internal"); status != 200 {
		t.Errorf("with a token any Host is fine, got %d", status)
	}
}

// TestAdminStatusAndPreviewFlow: a captured ingress request shows up in /api/requests and
// /api/requests/{id}; /api/status lists templates, outbox depth and the preview buffer.
func TestAdminStatusAndPreviewFlow(t *testing.T) {
	rec := preview.New(preview.Options{})
	m := metrics.New(metrics.Options{})
	m.SetOutbox(stats{7, 2})
	e := engine()
	e.Capture, e.Observe = rec.Capture, rec.Observe
	tpls := func(*runtime.Container) []TemplateInfo { return []TemplateInfo{{Name: "t.tpl", Kind: "TAG"}} }
	adm := httptest.NewServer(Admin(e, nil, "", time.Now(), AdminExtras{Preview: rec, Metrics: m, Templates: tpls}))
	defer adm.Close()
	ing := httptest.NewServer(Ingress(e))
	defer ing.Close()

	ch, cancel := rec.Subscribe()
	defer cancel()
	req, _ := http.NewRequest("POST", ing.URL+"/echo", strings.NewReader("hi"))
	req.Header.Set("X-Gtm-Server-Preview", "abc")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	s := <-ch

	status, body := call(t, "GET", adm.URL+"/api/requests/"+s.ID, "", "")
	if status != 200 || !strings.Contains(body, `"path":"/echo"`) || !strings.Contains(body, `"client":"echo"`) || !strings.Contains(body, `"request_body":"hi"`) {
		t.Errorf("detail: %d %s", status, body)
	}
	_, body = call(t, "GET", adm.URL+"/api/status", "", "")
	var st struct {
		Depth     int            `json:"outbox_depth"`
		Dead      int            `json:"outbox_dead_letters"`
		Templates []TemplateInfo `json:"templates"`
		Preview   struct {
			Held int `json:"held"`
		} `json:"preview"`
	}
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	if st.Depth != 7 || st.Dead != 2 || len(st.Templates) != 1 || st.Templates[0].Name != "t.tpl" || st.Preview.Held != 1 {
		t.Errorf("status %s", body)
	}
}

type stats struct{ depth, dead int }

func (s stats) Stats() (int, int) { return s.depth, s.dead }

// TestRunEndsPreviewStreams: an open live stream must not hold up graceful shutdown.
func TestRunEndsPreviewStreams(t *testing.T) {
	rec := preview.New(preview.Options{})
	ctx, stop := context.WithCancel(context.Background())
	admin := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{Listen: "127.0.0.1:0", AdminListen: "127.0.0.1:0", Engine: engine(), Preview: rec,
			Ready: func(_, a string) { admin <- a }, ShutdownTimeout: time.Minute})
	}()
	resp, err := http.Get("http://" + <-admin + "/api/requests/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 64)
	if _, err := resp.Body.Read(buf); err != nil { // the hello frame: the stream is open
		t.Fatal(err)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if _, err := io.ReadAll(resp.Body); err != nil {
		t.Errorf("stream did not end cleanly: %v", err)
	}
}
