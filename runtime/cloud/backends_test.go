package cloud

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	keyPath := filepath.Join(dir, "key.json")
	must(t, os.WriteFile(keyPath, keyJSON(t, rsaKey(t), ""), 0o600))

	tests := []struct {
		name      string
		cfg       Config
		fs, bq    string // %T of the backends
		project   string
		withAuth  bool
		wantError string
	}{
		{name: "memory default", cfg: Config{Getenv: env(nil)}, fs: "*cloud.LocalFirestore", bq: "*cloud.MemoryBigQuery", project: LocalProject},
		{name: "data dir", cfg: Config{DataDir: filepath.Join(dir, "data"), Getenv: env(map[string]string{"GOOGLE_CLOUD_PROJECT": "envp"})}, fs: "*cloud.LocalFirestore", bq: "*cloud.JSONLBigQuery", project: "envp"},
		{name: "rest with key", cfg: Config{Firestore: KindREST, BigQuery: KindREST, Credentials: keyPath, Getenv: env(nil)}, fs: "*cloud.RESTFirestore", bq: "*cloud.RESTBigQuery", project: "key-project", withAuth: true},
		{name: "env key, explicit project", cfg: Config{Project: "cfgp", Firestore: KindREST, Getenv: env(map[string]string{"GOOGLE_APPLICATION_CREDENTIALS": keyPath})}, fs: "*cloud.RESTFirestore", bq: "*cloud.MemoryBigQuery", project: "cfgp", withAuth: true},
		{name: "rest without project", cfg: Config{Firestore: KindREST, Getenv: env(nil)}, fs: "*cloud.RESTFirestore", bq: "*cloud.MemoryBigQuery", project: ""},
		{name: "bad firestore kind", cfg: Config{Firestore: "mongo", Getenv: env(nil)}, wantError: `firestore backend "mongo"`},
		{name: "bad bigquery kind", cfg: Config{BigQuery: "csv", Getenv: env(nil)}, wantError: `bigquery backend "csv"`},
		{name: "embedded without dir", cfg: Config{Firestore: KindEmbedded, Getenv: env(nil)}, wantError: "needs a data directory"},
		{name: "jsonl without dir", cfg: Config{BigQuery: KindJSONL, Getenv: env(nil)}, wantError: "needs a data directory"},
		{name: "missing key file", cfg: Config{Credentials: filepath.Join(dir, "nope.json"), Getenv: env(nil)}, wantError: "nope.json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Open(tc.cfg)
			if tc.wantError != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantError) {
					t.Fatalf("err = %v, want %q", err, tc.wantError)
				}
				return
			}
			must(t, err)
			defer b.Close()
			if got := typeName(b.Firestore); got != tc.fs {
				t.Errorf("Firestore %s, want %s", got, tc.fs)
			}
			if got := typeName(b.BigQuery); got != tc.bq {
				t.Errorf("BigQuery %s, want %s", got, tc.bq)
			}
			if b.Project != tc.project || (b.Auth != nil) != tc.withAuth {
				t.Errorf("project %q auth %v", b.Project, b.Auth != nil)
			}
		})
	}
}

func typeName(v any) string {
	switch v.(type) {
	case *LocalFirestore:
		return "*cloud.LocalFirestore"
	case *RESTFirestore:
		return "*cloud.RESTFirestore"
	case *MemoryBigQuery:
		return "*cloud.MemoryBigQuery"
	case *JSONLBigQuery:
		return "*cloud.JSONLBigQuery"
	case *RESTBigQuery:
		return "*cloud.RESTBigQuery"
	}
	return "?"
}

func TestOpenDataDirFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "d")
	b, err := Open(Config{DataDir: dir, Getenv: env(nil)})
	must(t, err)
	ctx := context.Background()
	must(t, b.Firestore.Set(ctx, Ref{Project: b.Project, Path: "a/b"}, map[string]any{"k": 1.0}, false, ""))
	must(t, b.BigQuery.Insert(ctx, Table{Project: b.Project, Dataset: "d", Table: "t"}, []any{map[string]any{"k": 1.0}}, InsertOptions{}))
	must(t, b.Close())
	for _, p := range []string{"firestore.db", "bigquery/tagd-local/d/t.jsonl"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	// A second process (here: a second open while the first holds it) gets an error, not a hang.
	b1, err := Open(Config{DataDir: dir, Getenv: env(nil)})
	must(t, err)
	defer b1.Close()
	if _, err := OpenLocalFirestore(filepath.Join(dir, "firestore.db")); err == nil || !strings.Contains(err.Error(), "firestore.db") {
		t.Fatalf("second open: err = %v", err)
	}
}

func TestDefault(t *testing.T) {
	fb := Default()
	if fb == nil || fb.Firestore == nil || fb.BigQuery == nil || fb.Project == "" {
		t.Fatalf("fallback = %+v", fb)
	}
	if Default() != fb {
		t.Fatal("fallback is not shared")
	}
	mine := NewMemory("mine")
	prev := SetDefault(mine)
	t.Cleanup(func() { SetDefault(prev) })
	if Default() != mine || Default().Project != "mine" {
		t.Fatal("SetDefault not used")
	}
	if got := SetDefault(nil); got != mine {
		t.Fatalf("SetDefault returned %v", got)
	}
	if Default() != fb {
		t.Fatal("nil did not restore the fallback")
	}
	if mine.ResolveProject("") != "mine" || mine.ResolveProject("x") != "x" || mine.CollectURL() != DefaultGACollectURL {
		t.Fatal("ResolveProject/CollectURL")
	}
}
