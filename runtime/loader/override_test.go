package loader_test

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/tagd-dev/tagd/config"
	"github.com/tagd-dev/tagd/runtime/loader"
)

// A file templates/<name>.tpl beside the config replaces the built-in of that name.
func TestBuiltinOverride(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "templates"), 0o755); err != nil {
		t.Fatal(err)
	}
	tpl := "___INFO___\n\n{\"type\": \"TAG\", \"id\": \"cvt_temp_public_id\", \"version\": 1, \"displayName\": \"My logger\", \"containerContexts\": [\"SERVER\"]}\n\n___SANDBOXED_JS_FOR_SERVER___\n\ndata.gtmOnSuccess();\n"
	over := filepath.Join(dir, "templates", "logger.tpl")
	if err := os.WriteFile(over, []byte(tpl), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse(filepath.Join(dir, "tagd.toml"), dir, []byte("[[client]]\nname = \"GA4\"\ntype = \"ga4\"\n[[tag]]\nname = \"L\"\ntemplate = \"logger\"\ntriggers = [\"All Events\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := loader.Build(cfg, loader.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	watched := false
	for _, f := range res.Files {
		if f == over {
			watched = true
		}
	}
	if !watched {
		t.Errorf("override not watched: %v", res.Files)
	}
	tags := res.Container.Tags
	if len(tags) != 1 {
		t.Fatalf("tags: %d", len(tags))
	}
	// The override declares no include_keys field: a parameter the built-in knows is refused.
	cfg2, _ := config.Parse(filepath.Join(dir, "tagd.toml"), dir, []byte("[[client]]\nname = \"GA4\"\ntype = \"ga4\"\n[[tag]]\nname = \"L\"\ntemplate = \"logger\"\ntriggers = [\"All Events\"]\n[tag.parameters]\ninclude_keys = \"a\"\n"))
	if _, err := loader.Build(cfg2, loader.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}); err == nil {
		t.Error("the override was not used: include_keys accepted")
	}
}
