package main

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"

	"github.com/tagd-dev/tagd/config"
)

func TestParseMemoryMax(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"536870912\n", 536870912, true},
		{"max\n", 0, false},
		{"9223372036854771712\n", 0, false}, // cgroup v1 "unlimited"
		{"", 0, false},
		{"-1", 0, false},
		{"12k", 0, false},
	} {
		got, ok := parseMemoryMax(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseMemoryMax(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestCgroupMemoryMax(t *testing.T) {
	v2 := t.TempDir()
	if err := os.WriteFile(filepath.Join(v2, "memory.max"), []byte("1073741824\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if n, ok := cgroupMemoryMax(v2); !ok || n != 1<<30 {
		t.Errorf("v2: %d, %v", n, ok)
	}
	v1 := t.TempDir()
	if err := os.MkdirAll(filepath.Join(v1, "memory"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(v1, "memory", "memory.limit_in_bytes"), []byte("268435456\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if n, ok := cgroupMemoryMax(v1); !ok || n != 256<<20 {
		t.Errorf("v1: %d, %v", n, ok)
	}
	if _, ok := cgroupMemoryMax(t.TempDir()); ok {
		t.Error("no cgroup files: want no limit")
	}
}

func FuzzParseMemoryMax(f *testing.F) {
	for _, s := range []string{"536870912\n", "max", "9223372036854771712", "", " 42 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := parseMemoryMax(s)
		if ok && (n <= 0 || n >= 1<<50) {
			t.Fatalf("parseMemoryMax(%q) = %d accepted", s, n)
		}
		if !ok && n != 0 {
			t.Fatalf("parseMemoryMax(%q) = %d with ok=false", s, n)
		}
	})
}

// TestApplyGC checks which source wins for each setting; it restores the process's
// collector settings afterwards.
func TestApplyGC(t *testing.T) {
	oldPercent := debug.SetGCPercent(100)
	oldLimit := debug.SetMemoryLimit(-1)
	oldRoot := cgroupRoot
	t.Cleanup(func() {
		debug.SetGCPercent(oldPercent)
		debug.SetMemoryLimit(oldLimit)
		cgroupRoot = oldRoot
	})
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "memory.max"), []byte("1000000000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cgroupRoot = root
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")

	applyGC(config.Server{}, logger)
	if p := debug.SetGCPercent(100); p != defaultGOGC {
		t.Errorf("default gogc %d, want %d", p, defaultGOGC)
	}
	if l := debug.SetMemoryLimit(-1); l != 750000000 {
		t.Errorf("cgroup-derived limit %d, want 750000000", l)
	}

	applyGC(config.Server{GOGC: 400, MemoryLimitBytes: 123 << 20}, logger)
	if p := debug.SetGCPercent(100); p != 400 {
		t.Errorf("configured gogc %d, want 400", p)
	}
	if l := debug.SetMemoryLimit(-1); l != 123<<20 {
		t.Errorf("configured limit %d, want %d", l, 123<<20)
	}
}
