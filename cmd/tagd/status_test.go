package main

import (
	"io"
	"log/slog"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tagd-dev/tagd/config"
	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/runtime/loader"
	"github.com/tagd-dev/tagd/runtime/server"
	"github.com/tagd-dev/tagd/sandbox"
)

func TestTemplatesOf(t *testing.T) {
	src := `
[[client]]
name = "GA4"
type = "ga4"

[[tag]]
name = "Log"
template = "logger"
triggers = ["All Events"]

[[tag]]
name = "Log again"
template = "logger"
triggers = ["All Events"]

[[tag]]
name = "Postback"
template = "http-request"
triggers = ["All Events"]
[tag.parameters]
url = "https://network.example/pb"
`
	cfg, err := config.Parse("t.toml", "", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	res, err := loader.Build(cfg, loader.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Container.Close()
	want := []server.TemplateInfo{
		{Name: "builtin:http-request.tpl", DisplayName: "HTTP Request / Postback", Kind: "TAG"},
		{Name: "builtin:logger.tpl", DisplayName: "Logger", Kind: "TAG"},
	}
	if diff := cmp.Diff(want, templatesOf(res.Container)); diff != "" {
		t.Errorf("templates (-want +got):\n%s", diff)
	}
}

// TestObserveWiring: the -preview-all flag and [preview] reach the recorder, and the engine
// hooks feed both the recorder and the metrics.
func TestObserveWiring(t *testing.T) {
	f, err := parseServe([]string{"-preview-all"}, io.Discard)
	if err != nil || !f.previewAll {
		t.Fatalf("parseServe: %+v %v", f, err)
	}
	tests := []struct {
		src        string
		flag       bool
		enabled    bool
		captureAll bool
		capacity   int
	}{
		{"", false, true, false, 200},
		{"", true, true, true, 200},
		{"[preview]\ncapture_all = true\nbuffer_size = 7\n", false, true, true, 7},
		{"[preview]\nenabled = false\n", true, false, true, 200},
	}
	for _, tt := range tests {
		cfg, err := config.Parse("t.toml", "", []byte(tt.src))
		if err != nil {
			t.Fatal(err)
		}
		res, err := loader.Build(cfg, loader.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		engine := runtime.NewEngine(res.Container, slog.New(slog.NewTextHandler(io.Discard, nil)))
		mets, rec := observe(engine, cfg, tt.flag)
		p := rec.Policy()
		if p.Enabled != tt.enabled || p.CaptureAll != tt.captureAll || p.Capacity != tt.capacity {
			t.Errorf("%q flag=%v: policy %+v", tt.src, tt.flag, p)
		}
		if engine.Capture == nil || engine.Observe == nil || mets == nil {
			t.Error("engine hooks not set")
		}
		res.Container.Close()
	}
	runtimeHooksOff()
}

// runtimeHooksOff removes the process-wide hooks observe installed.
func runtimeHooksOff() {
	runtime.SetOutboundHook(nil)
	sandbox.SetInterruptHook(nil)
}
