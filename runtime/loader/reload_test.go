package loader_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/runtime/loader"
	"github.com/tagd-dev/tagd/runtime/server"
	"github.com/tagd-dev/tagd/runtime/testsink"
)

const reloadTOML = `
[server]
container_id = "%ID%"
[[client]]
name = "GA4"
type = "ga4"
[[tag]]
name = "Echo"
template = "echo.tpl"
triggers = ["All Events"]
`

const echoTPL = `___INFO___

{"type": "TAG", "id": "cvt_temp_public_id", "version": 1, "displayName": "Echo", "containerContexts": ["SERVER"]}

___SANDBOXED_JS_FOR_SERVER___

const sendHttpRequest = require('sendHttpRequest');
sendHttpRequest('https://echo.example/%MARK%', {method: 'GET'}).then(() => data.gtmOnSuccess(), () => data.gtmOnFailure());

___SERVER_PERMISSIONS___

[{"instance": {"key": {"publicId": "send_http", "versionId": "1"}, "param": [{"key": "allowedUrls", "value": {"type": 1, "string": "any"}}]}}]
`

// writeAtomic replaces a file the way editors do: write a temporary file, rename it over.
func writeAtomic(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".tmp~"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func TestHotReload(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "tagd.toml")
	tplPath := filepath.Join(dir, "echo.tpl")
	writeAtomic(t, cfgPath, strings.ReplaceAll(reloadTOML, "%ID%", "GTM-ONE"))
	writeAtomic(t, tplPath, strings.ReplaceAll(echoTPL, "%MARK%", "v1"))

	dest := testsink.New(t)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	opts := loader.Options{Logger: logger, OutboundRedirect: dest.URL}
	res, err := loader.LoadFile(cfgPath, opts)
	if err != nil {
		t.Fatal(err)
	}
	engine := runtime.NewEngine(res.Container, logger)
	var mu sync.Mutex
	var results []error
	rl := &loader.Reloader{Path: cfgPath, Options: opts, Engine: engine, Logger: logger, Debounce: 50 * time.Millisecond,
		OnResult: func(ok bool, err error, _ time.Duration) {
			mu.Lock()
			results = append(results, err)
			mu.Unlock()
		}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = rl.Watch(ctx, res.Files) }()
	ts := httptest.NewServer(server.Ingress(engine))
	defer ts.Close()

	// Keep traffic flowing during every swap: no request may fail.
	var failures, sent atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			resp, err := http.Get(ts.URL + "/g/collect?v=2&tid=G-1&cid=1.2&en=page_view")
			sent.Add(1)
			if err != nil || resp.StatusCode != 200 {
				failures.Add(1)
			}
			if resp != nil {
				resp.Body.Close()
			}
		}
	}()

	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	sawMark := func(mark string) func() bool {
		return func() bool {
			for _, r := range dest.ByPath("/") {
				if strings.HasSuffix(r.Original, "/"+mark) {
					return true
				}
			}
			return false
		}
	}
	waitFor("traffic on v1", sawMark("v1"))

	// A template edit is picked up.
	time.Sleep(100 * time.Millisecond) // let the watcher settle on its first file set
	writeAtomic(t, tplPath, strings.ReplaceAll(echoTPL, "%MARK%", "v2"))
	waitFor("template edit", sawMark("v2"))

	// A config edit is picked up.
	writeAtomic(t, cfgPath, strings.ReplaceAll(reloadTOML, "%ID%", "GTM-TWO"))
	waitFor("config edit", func() bool { return engine.Container().Env.ContainerID == "GTM-TWO" })

	// A broken edit is reported and the last good container keeps serving.
	mu.Lock()
	before := len(results)
	mu.Unlock()
	writeAtomic(t, tplPath, strings.ReplaceAll(echoTPL, "%MARK%", "v3')); syntax error (("))
	waitFor("failed reload", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(results) > before && results[len(results)-1] != nil
	})
	mu.Lock()
	lastErr := results[len(results)-1]
	mu.Unlock()
	if !strings.Contains(lastErr.Error(), "echo.tpl") {
		t.Errorf("reload error does not name the template: %v", lastErr)
	}
	if rl.LastError() == nil {
		t.Error("LastError is nil after a broken edit")
	}
	if engine.Container().Env.ContainerID != "GTM-TWO" {
		t.Error("broken edit replaced the container")
	}
	n := len(dest.ByPath("/"))
	waitFor("traffic after broken edit", func() bool { return len(dest.ByPath("/")) > n+3 })

	close(stop)
	wg.Wait()
	if f := failures.Load(); f != 0 {
		t.Errorf("%d of %d requests failed during reloads", f, sent.Load())
	}
}
