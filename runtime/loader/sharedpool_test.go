package loader_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/tagd-dev/tagd/config"
	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/runtime/loader"
)

// Two generations of one config share their runtime pool (a reload keeps the warm
// runtimes); retiring the old generation must leave the new one fully working.
func TestReloadKeepsWorkingAfterOldGenerationCloses(t *testing.T) {
	src, err := os.ReadFile("../../bench/container.toml")
	if err != nil {
		t.Fatal(err)
	}
	build := func(d runtime.Dispatcher) *runtime.Container {
		cfg, err := config.Parse("container.toml", t.TempDir(), src)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Server.DataDir = t.TempDir()
		res, err := loader.Build(cfg, loader.Options{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)), HTTP: d})
		if err != nil {
			t.Fatal(err)
		}
		return res.Container
	}
	serve := func(c *runtime.Container, d *instant) {
		t.Helper()
		engine := runtime.NewEngine(c, slog.New(slog.NewJSONHandler(io.Discard, nil)))
		before := d.n.Load()
		w := httptest.NewRecorder()
		engine.ServeHTTP(w, benchHits()["purchase"].request())
		if w.Code != http.StatusOK {
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
		deadline := time.Now().Add(5 * time.Second)
		for d.n.Load()-before < 3 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if got := d.n.Load() - before; got != 3 {
			t.Fatalf("%d outbound requests, want 3", got)
		}
	}
	d1, d2 := &instant{}, &instant{}
	old := build(d1)
	serve(old, d1)
	next := build(d2)
	old.Close()
	serve(next, d2)
	serve(next, d2)
	next.Close()
}
