package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/runtime/loader"
	"github.com/tagd-dev/tagd/runtime/server"
)

// recorder is a fake vendor that every outbound request lands on (outbound redirect).
type recorder struct {
	mu   sync.Mutex
	reqs []recorded
	srv  *httptest.Server
}

type recorded struct {
	Method, Path, Original string
	Body                   []byte
}

func newRecorder(t *testing.T) *recorder {
	r := &recorder{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.reqs = append(r.reqs, recorded{req.Method, req.URL.Path, req.Header.Get("X-Tagd-Original-Url"), b})
		r.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *recorder) all() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recorded(nil), r.reqs...)
}

// serveDir builds the container in dir/tagd.toml and serves it on a test server.
func serveDir(t *testing.T, dir, redirect string) *httptest.Server {
	t.Helper()
	res, err := loader.LoadFile(filepath.Join(dir, "tagd.toml"), loader.Options{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), OutboundRedirect: redirect,
	})
	if err != nil {
		t.Fatalf("load %s: %v", dir, err)
	}
	engine := runtime.NewEngine(res.Container, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ts := httptest.NewServer(server.Ingress(engine))
	t.Cleanup(ts.Close)
	return ts
}

// TestImportServeEndToEnd imports an export holding a custom client and a custom tag
// template, serves the result, sends a hit, and sees the tag send its request.
func TestImportServeEndToEnd(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "shop")
	var stdout, stderr bytes.Buffer
	code := runImport([]string{"../../runtime/importer/testdata/minimal.json", "-o", dir}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("tagd import exited %d\nstdout: %s\nstderr: %s", code, &stdout, &stderr)
	}
	if !strings.Contains(stdout.String(), "tagd check passes") {
		t.Errorf("import did not report the check: %s", &stdout)
	}
	for _, f := range []string{"tagd.toml", "IMPORT-NOTES.md", "templates/ping-tag.tpl", "templates/json-collector.tpl"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	// The embedded templates' own tests run.
	stdout.Reset()
	if code := runTest([]string{filepath.Join(dir, "templates")}, &stdout, &stderr); code != 0 {
		t.Fatalf("tagd test on the imported templates exited %d: %s %s", code, &stdout, &stderr)
	}

	vendor := newRecorder(t)
	ts := serveDir(t, dir, vendor.srv.URL)
	resp, err := http.Post(ts.URL+"/collect", "application/json", strings.NewReader(`{"event_name":"purchase","value":42}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != `{"ok":true}` {
		t.Fatalf("response %d %s", resp.StatusCode, body)
	}
	got := vendor.all()
	if len(got) != 1 {
		t.Fatalf("vendor got %d requests, want 1: %+v", len(got), got)
	}
	r := got[0]
	if r.Method != "POST" || r.Original != "https://ping.example.org/42" {
		t.Errorf("request %s %s", r.Method, r.Original)
	}
	var sent map[string]any
	if err := json.Unmarshal(r.Body, &sent); err != nil || sent["event"] != "purchase" || sent["value"] != float64(42) {
		t.Errorf("body %s (%v)", r.Body, err)
	}

	// An event the trigger does not match sends nothing.
	resp, err = http.Post(ts.URL+"/collect", "application/json", strings.NewReader(`{"event_name":"page_view"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if n := len(vendor.all()); n != 1 {
		t.Errorf("a page_view fired the purchase tag (%d requests)", n)
	}
}

// TestImportFullExportLoads imports the export that exercises every mapped kind against this
// build's real built-ins: the result must pass tagd check and its templates' tests.
func TestImportFullExportLoads(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "full")
	var stdout, stderr bytes.Buffer
	if code := runImport([]string{"-q", "-o", dir, "../../runtime/importer/testdata/full.json"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, &stdout, &stderr)
	}
	if stderr.Len() != 0 {
		t.Errorf("-q printed notes: %s", &stderr)
	}
	notes, _ := os.ReadFile(filepath.Join(dir, "IMPORT-NOTES.md"))
	if !strings.Contains(string(notes), `tag "Conversion linker"`) {
		t.Errorf("notes: %s", notes)
	}
	stdout.Reset()
	if code := runTest([]string{filepath.Join(dir, "templates")}, &stdout, &stderr); code != 0 {
		t.Errorf("tagd test: %d %s %s", code, &stdout, &stderr)
	}
}

func TestImportErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte("{\n  \"exportFormatVersion\": 2,\n  \"containerVersion\": [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{bad, "-o", filepath.Join(dir, "out")}, 2, "bad.json:4:1: invalid JSON"},
		{[]string{filepath.Join(dir, "missing.json")}, 2, "no such file"},
		{[]string{}, 2, "usage: tagd import"},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		if code := runImport(c.args, &stdout, &stderr); code != c.code {
			t.Errorf("%v: exit %d, want %d (%s)", c.args, code, c.code, &stderr)
		}
		if !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: stderr %q does not contain %q", c.args, stderr.String(), c.want)
		}
	}
	// An existing config is not overwritten without -force.
	out := filepath.Join(dir, "again")
	var stdout, stderr bytes.Buffer
	if code := runImport([]string{"../../runtime/importer/testdata/minimal.json", "-o", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("first import: %d %s", code, &stderr)
	}
	stderr.Reset()
	if code := runImport([]string{"../../runtime/importer/testdata/minimal.json", "-o", out}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "-force") {
		t.Errorf("second import: exit %d, %s", code, &stderr)
	}
	if code := runImport([]string{"-force", "../../runtime/importer/testdata/minimal.json", "-o", out}, &stdout, &stderr); code != 0 {
		t.Errorf("import -force: exit %d", code)
	}
}
