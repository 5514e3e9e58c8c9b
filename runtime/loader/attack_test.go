package loader_test

import (
	"fmt"
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

	"github.com/tagd-dev/tagd/config"
	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/runtime/loader"
	"github.com/tagd-dev/tagd/runtime/server"
)

const anyHTTP = `[{"instance": {"key": {"publicId": "send_http", "versionId": "1"}, "param": [{"key": "allowedUrls", "value": {"type": 1, "string": "any"}}]}}]`

// TestAttackSuite fires hostile templates next to a well-behaved one while other requests
// keep flowing: each attack is contained to its own tag, and nothing leaks into later runs.
func TestAttackSuite(t *testing.T) {
	var internalHits atomic.Int64
	internal := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { internalHits.Add(1) }))
	defer internal.Close()

	attacks := []struct {
		name, code, perms string
		want              runtime.Outcome
		alsoOK            runtime.Outcome // a second acceptable outcome, when timing decides
	}{
		{"endless-loop", "while (true) {}", "", runtime.Timeout, ""},
		{"deep-recursion", "const f = function (n) { return f(n + 1) + 1; }; f(0); data.gtmOnSuccess();", "", runtime.Exception, ""},
		{"string-doubling", "let s = 'x'; for (;;) { s = s + s; } ", "", runtime.Timeout, ""},
		{"huge-repeat", "const s = 'x'.repeat(1e9); data.gtmOnSuccess();", "", runtime.Exception, ""},
		{"catastrophic-regex", "const r = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!'.match('^(a|a?)+(?=b)'); if (r === null) { data.gtmOnSuccess(); } else { data.gtmOnFailure(); }", "", runtime.Success, runtime.Timeout},
		{"huge-json", "let a = []; for (let i = 0; i < 2e6; i++) { a.push({k: i}); } require('JSON').stringify(a); data.gtmOnSuccess();", "", runtime.Timeout, ""},
		{"alias-require", "const r = require; r('getAllEventData')(); data.gtmOnSuccess();", "", runtime.Exception, ""},
		{"prototype-pollution", "({}).__proto__.polluted = 1; data.gtmOnSuccess();", "", runtime.Exception, ""},
		{"smuggle-api", "[].__proto__.leak = require('getAllEventData'); data.gtmOnSuccess();", "", runtime.Exception, ""},
		{"function-constructor", "(function(){}).constructor('return this')(); data.gtmOnSuccess();", "", runtime.Exception, ""},
		{"ssrf-loopback", "require('sendHttpRequest')('" + internal.URL + "/').then(() => data.gtmOnSuccess(), () => data.gtmOnFailure());", anyHTTP, runtime.Failure, ""},
		{"ssrf-metadata", "require('sendHttpRequest')('http://169.254.169.254/computeMetadata/v1/', {timeout: 500}).then(() => data.gtmOnSuccess(), () => data.gtmOnFailure());", anyHTTP, runtime.Failure, ""},
		// Runs after the attacks on the same pooled runtimes: sees no pollution, no leaked API.
		{"victim", "const ok = ({}).polluted === undefined && [].leak === undefined && typeof require('getType') === 'function'; if (ok) { data.gtmOnSuccess(); } else { data.gtmOnFailure(); }", "", runtime.Success, ""},
	}
	dir := t.TempDir()
	var toml strings.Builder
	toml.WriteString("[server]\ntag_timeout = \"3s\"\n[sandbox]\ncpu_budget = \"200ms\"\nmax_call_stack = 128\n[[client]]\nname = \"GA4\"\ntype = \"ga4\"\n")
	for _, a := range attacks {
		tpl := fmt.Sprintf("___INFO___\n\n{\"type\": \"TAG\", \"id\": \"cvt_temp_public_id\", \"version\": 1, \"displayName\": %q, \"containerContexts\": [\"SERVER\"]}\n\n___SANDBOXED_JS_FOR_SERVER___\n\n%s\n", a.name, a.code)
		if a.perms != "" {
			tpl += "\n___SERVER_PERMISSIONS___\n\n" + a.perms + "\n"
		}
		if err := os.WriteFile(filepath.Join(dir, a.name+".tpl"), []byte(tpl), 0o644); err != nil {
			t.Fatal(err)
		}
		trigger := "attack"
		if a.name == "victim" {
			trigger = "victim"
		}
		fmt.Fprintf(&toml, "[[trigger]]\nname = %q\nevent = [%q]\n", a.name, trigger)
		fmt.Fprintf(&toml, "[[tag]]\nname = %q\ntemplate = %q\ntriggers = [%q]\n", a.name, a.name+".tpl", a.name)
	}
	cfg, err := config.Parse(filepath.Join(dir, "tagd.toml"), dir, []byte(toml.String()))
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	res, err := loader.Build(cfg, loader.Options{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	engine := runtime.NewEngine(res.Container, logger)
	results := make(chan *runtime.EventResult, 100)
	engine.Observe = func(x *runtime.Exchange, _ int, _ time.Duration) {
		for _, ev := range x.Events() {
			results <- ev
		}
	}
	ts := httptest.NewServer(server.Ingress(engine))
	defer ts.Close()
	hit := func(event string) int {
		resp, err := http.Get(ts.URL + "/g/collect?v=2&tid=G-1&cid=1.2&en=" + event)
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	// Normal traffic keeps being served while the attacks run.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var served, bad atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if hit("page_view") == 200 {
				served.Add(1)
			} else {
				bad.Add(1)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	if code := hit("attack"); code != 200 {
		t.Fatalf("attack request: status %d", code)
	}
	if code := hit("victim"); code != 200 {
		t.Fatalf("victim request: status %d", code)
	}
	close(stop)
	wg.Wait()

	got := map[string]runtime.TagResult{}
	deadline := time.After(10 * time.Second)
	for len(got) < len(attacks) {
		select {
		case ev := <-results:
			for _, tr := range ev.Tags {
				got[tr.Name] = tr
			}
		case <-deadline:
			t.Fatalf("only %d of %d tags reported", len(got), len(attacks))
		}
	}
	for _, a := range attacks {
		if r := got[a.name]; r.Status != a.want && (a.alsoOK == "" || r.Status != a.alsoOK) {
			t.Errorf("%s: status %s (%s), want %s", a.name, r.Status, r.Error, a.want)
		}
	}
	if internalHits.Load() != 0 {
		t.Errorf("the internal server was reached %d times", internalHits.Load())
	}
	if served.Load() == 0 || bad.Load() != 0 {
		t.Errorf("normal traffic during the attacks: %d served, %d failed", served.Load(), bad.Load())
	}
}
