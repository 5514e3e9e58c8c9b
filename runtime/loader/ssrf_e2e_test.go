package loader_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tagd-dev/tagd/config"
	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/runtime/loader"
	"github.com/tagd-dev/tagd/runtime/server"
)

// A template cannot reach loopback unless the operator allow-lists it.
func TestSSRFGuard(t *testing.T) {
	var hits atomic.Int64
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer internal.Close()
	dir := t.TempDir()
	tpl := `___INFO___

{"type": "TAG", "id": "cvt_temp_public_id", "version": 1, "displayName": "Probe", "containerContexts": ["SERVER"]}

___SANDBOXED_JS_FOR_SERVER___

require('sendHttpRequest')('` + internal.URL + `/admin').then(function(r) { data.gtmOnSuccess(); }, function(e) { data.gtmOnFailure(); });

___SERVER_PERMISSIONS___

[{"instance": {"key": {"publicId": "send_http", "versionId": "1"}, "param": [{"key": "allowedUrls", "value": {"type": 1, "string": "any"}}]}}]
`
	if err := os.WriteFile(filepath.Join(dir, "probe.tpl"), []byte(tpl), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		allow  string
		want   runtime.Outcome
		wantIn int64
	}{
		{"", runtime.Failure, 0},
		{`allow_private_networks = ["127.0.0.1/32"]`, runtime.Success, 1},
	} {
		hits.Store(0)
		toml := "[sandbox]\n" + tc.allow + "\n[[client]]\nname = \"GA4\"\ntype = \"ga4\"\n[[tag]]\nname = \"Probe\"\ntemplate = \"probe.tpl\"\ntriggers = [\"All Events\"]\n"
		cfg, err := config.Parse(filepath.Join(dir, "tagd.toml"), dir, []byte(toml))
		if err != nil {
			t.Fatal(err)
		}
		logger := slog.New(slog.NewTextHandler(io.Discard, nil))
		res, err := loader.Build(cfg, loader.Options{Logger: logger})
		if err != nil {
			t.Fatal(err)
		}
		engine := runtime.NewEngine(res.Container, logger)
		statusCh := make(chan runtime.Outcome, 1)
		engine.Observe = func(x *runtime.Exchange, _ int, _ time.Duration) {
			if evs := x.Events(); len(evs) == 1 && len(evs[0].Tags) == 1 {
				statusCh <- evs[0].Tags[0].Status
			}
		}
		ts := httptest.NewServer(server.Ingress(engine))
		resp, err := http.Get(ts.URL + "/g/collect?v=2&tid=G-1&cid=1.2&en=page_view")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		ts.Close()
		var status runtime.Outcome
		select {
		case status = <-statusCh:
		case <-time.After(10 * time.Second):
			t.Fatal("no event observed")
		}
		if status != tc.want {
			t.Errorf("allow %q: tag status %q, want %q", tc.allow, status, tc.want)
		}
		if got := hits.Load(); got != tc.wantIn {
			t.Errorf("allow %q: internal server got %d requests, want %d", tc.allow, got, tc.wantIn)
		}
	}
}
