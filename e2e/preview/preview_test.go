// Package e2e holds the preview UI's browser test: a real tagd process, a fake vendor, and
// headless Chromium driven from Node with playwright-core (preview.mjs).
package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const chromium = "/usr/bin/chromium"

// requireTools finds node, Chromium and the installed npm packages. Missing tools fail the
// test under CI (where .ci/run installs them) and skip it elsewhere.
func requireTools(t *testing.T) string {
	t.Helper()
	var missing []string
	node, err := exec.LookPath("node")
	if err != nil {
		missing = append(missing, "node")
	}
	if _, err := os.Stat(chromium); err != nil {
		missing = append(missing, chromium+" (apt-get install chromium)")
	}
	if _, err := os.Stat(filepath.Join("node_modules", "playwright-core", "package.json")); err != nil {
		missing = append(missing, "e2e/preview/node_modules (npm ci in e2e/preview)")
	}
	if len(missing) > 0 {
		msg := "browser test needs: " + strings.Join(missing, ", ")
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return node
}

// logs collects tagd's JSON log lines and lets a test wait for one.
type logs struct {
	mu    sync.Mutex
	lines []map[string]any
	added chan struct{}
	done  chan struct{}
}

func collect(r io.Reader) *logs {
	l := &logs{added: make(chan struct{}, 1), done: make(chan struct{})}
	go func() {
		defer close(l.done)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var rec map[string]any
			if json.Unmarshal(sc.Bytes(), &rec) != nil {
				continue
			}
			l.mu.Lock()
			l.lines = append(l.lines, rec)
			l.mu.Unlock()
			select {
			case l.added <- struct{}{}:
			default:
			}
		}
	}()
	return l
}

func (l *logs) find(match func(map[string]any) bool) map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range l.lines {
		if match(r) {
			return r
		}
	}
	return nil
}

// wait blocks until a line matches or tagd exits; the test binary's -timeout bounds it.
func (l *logs) wait(t *testing.T, what string, match func(map[string]any) bool) map[string]any {
	t.Helper()
	for {
		if r := l.find(match); r != nil {
			return r
		}
		select {
		case <-l.added:
		case <-l.done:
			if r := l.find(match); r != nil {
				return r
			}
			t.Fatalf("tagd exited before logging %s", what)
		}
	}
}

func TestPreviewUIInChromium(t *testing.T) {
	node := requireTools(t)

	bin := filepath.Join(t.TempDir(), "tagd")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/tagd").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	vendor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"events_received":1,"messages":[],"fbtrace_id":"E2E"}`))
	}))
	defer vendor.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cfgPath, err := filepath.Abs(filepath.Join("testdata", "tagd.toml"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, bin, "serve", "-config", cfgPath,
		"-listen", "127.0.0.1:0", "-admin-listen", "127.0.0.1:0", "-outbound-redirect", vendor.URL)
	cmd.Dir = t.TempDir() // server.data_dir is relative to the working directory
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	lg := collect(stdout)
	ready := lg.wait(t, "tagd serving", func(r map[string]any) bool { return r["msg"] == "tagd serving" })
	ingress, _ := ready["listen"].(string)
	admin, _ := ready["admin"].(string)

	js := exec.CommandContext(ctx, node, "preview.mjs")
	js.Env = append(os.Environ(), "TAGD_ADMIN=http://"+admin, "TAGD_INGRESS=http://"+ingress, "CHROMIUM="+chromium)
	if shot := os.Getenv("TAGD_PREVIEW_SCREENSHOT"); shot != "" {
		js.Env = append(js.Env, "SCREENSHOT="+shot)
	}
	out, err := js.CombinedOutput()
	t.Logf("preview.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("browser test failed: %v", err)
	}

	// The access log line of each request carries the request ID the preview shows, and
	// the logger tag's console line carries the tag name and the same ID.
	resp, err := http.Get("http://" + admin + "/api/requests")
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Requests []struct{ ID, Path string } `json:"requests"`
	}
	err = json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	if err != nil || len(list.Requests) != 2 {
		t.Fatalf("admin list: %v %+v", err, list)
	}
	for _, r := range list.Requests {
		access := lg.wait(t, "the access log line of "+r.Path, func(l map[string]any) bool { return l["msg"] == "request" && l["path"] == r.Path })
		if access["request_id"] != r.ID {
			t.Errorf("%s: access log request_id %v, preview id %s", r.Path, access["request_id"], r.ID)
		}
		lg.wait(t, "the Logger console line of "+r.Path, func(l map[string]any) bool {
			return l["msg"] == "console" && l["source"] == "Logger" && l["request_id"] == r.ID
		})
	}
}
