package config

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/google/go-cmp/cmp"
)

// waitFor is how long a test waits for an expected call; generous because CI machines are
// shared. Nothing asserts on how long anything took.
const waitFor = 5 * time.Second

// startWatcher watches files and returns a channel that receives, for each onChange call,
// the contents of the initial files at that moment, joined by "|".
func startWatcher(t *testing.T, files []string, debounce time.Duration) (*Watcher, <-chan string) {
	t.Helper()
	calls := make(chan string, 100)
	probe := slices.Clone(files)
	w, err := NewWatcher(files, debounce, func() {
		var parts []string
		for _, f := range probe {
			b, _ := os.ReadFile(f)
			parts = append(parts, string(b))
		}
		calls <- strings.Join(parts, "|")
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run returned %v", err)
		}
		w.Close()
	})
	return w, calls
}

// expectCall waits for an onChange call that sees content want. Earlier calls are skipped:
// on a loaded machine one save may arrive as two bursts of events, and so as two calls.
func expectCall(t *testing.T, calls <-chan string, want string) {
	t.Helper()
	timeout := time.After(waitFor)
	var seen []string
	for {
		select {
		case got := <-calls:
			if got == want {
				return
			}
			seen = append(seen, got)
		case <-timeout:
			t.Fatalf("no onChange call saw %q (calls saw %q)", want, seen)
		}
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestWatcherWrite(t *testing.T) {
	file := filepath.Join(t.TempDir(), "tagd.toml")
	write(t, file, "v1")
	_, calls := startWatcher(t, []string{file}, 20*time.Millisecond)
	write(t, file, "v2")
	expectCall(t, calls, "v2")
}

func TestWatcherRenameReplace(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "tagd.toml")
	write(t, file, "v1")
	_, calls := startWatcher(t, []string{file}, 20*time.Millisecond)
	for _, v := range []string{"v2", "v3"} { // twice: the watch must survive the first replace
		tmp := filepath.Join(dir, ".tagd.toml.swp")
		write(t, tmp, v)
		if err := os.Rename(tmp, file); err != nil {
			t.Fatal(err)
		}
		expectCall(t, calls, v)
	}
}

// TestWatcherSymlinkSwap mimics a Kubernetes ConfigMap volume: tagd.toml -> ..data/tagd.toml,
// ..data -> ..v1, and an update re-points ..data at a new directory with one rename.
func TestWatcherSymlinkSwap(t *testing.T) {
	dir := t.TempDir()
	for _, gen := range []string{"..v1", "..v2", "..v3"} {
		if err := os.Mkdir(filepath.Join(dir, gen), 0o755); err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(dir, gen, "tagd.toml"), gen)
	}
	link := func(target, name string) {
		t.Helper()
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	link("..v1", "..data")
	link(filepath.Join("..data", "tagd.toml"), "tagd.toml")
	file := filepath.Join(dir, "tagd.toml")
	_, calls := startWatcher(t, []string{file}, 20*time.Millisecond)

	for _, gen := range []string{"..v2", "..v3"} {
		link(gen, "..data_tmp")
		if err := os.Rename(filepath.Join(dir, "..data_tmp"), filepath.Join(dir, "..data")); err != nil {
			t.Fatal(err)
		}
		expectCall(t, calls, gen)
	}
	// A write to the current target (through the link) is a change too.
	write(t, filepath.Join(dir, "..v3", "tagd.toml"), "edited")
	expectCall(t, calls, "edited")
}

func TestWatcherDebounceCoalesces(t *testing.T) {
	file := filepath.Join(t.TempDir(), "tagd.toml")
	write(t, file, "start")
	// A long quiet period so that the burst below lands inside one window even on a slow
	// machine.
	_, calls := startWatcher(t, []string{file}, time.Second)
	for i := range 20 {
		write(t, file, "burst "+string(rune('a'+i)))
	}
	var got []string
	got = append(got, receive(t, calls))
	write(t, file, "final")
	for got[len(got)-1] != "final" {
		got = append(got, receive(t, calls))
	}
	// One call for the whole burst (seeing its last write), then one for "final".
	if diff := cmp.Diff([]string{"burst t", "final"}, got); diff != "" {
		t.Errorf("onChange calls (-want +got):\n%s", diff)
	}
}

func receive(t *testing.T, calls <-chan string) string {
	t.Helper()
	select {
	case s := <-calls:
		return s
	case <-time.After(waitFor):
		t.Fatal("no onChange call")
		return ""
	}
}

func TestWatcherCreateAndSetFiles(t *testing.T) {
	dirA, dirB := t.TempDir(), t.TempDir()
	a := filepath.Join(dirA, "a.toml") // does not exist yet
	b := filepath.Join(dirB, "b.tpl")
	w, calls := startWatcher(t, []string{a, b}, 20*time.Millisecond)
	write(t, a, "created")
	expectCall(t, calls, "created|")

	// After SetFiles only b is watched: a's directory is dropped.
	if err := w.SetFiles([]string{b}); err != nil {
		t.Fatal(err)
	}
	if w.relevant(fsnotify.Event{Name: a, Op: fsnotify.Write}) {
		t.Error("a is still watched after SetFiles")
	}
	write(t, b, "template")
	expectCall(t, calls, "created|template")
}

func TestWatcherFilter(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "tagd.toml")
	write(t, file, "x")
	w, err := NewWatcher([]string{file}, 0, func() {})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if w.debounce != DefaultDebounce {
		t.Errorf("debounce = %v, want the default", w.debounce)
	}
	tests := []struct {
		ev   fsnotify.Event
		want bool
	}{
		{fsnotify.Event{Name: file, Op: fsnotify.Write}, true},
		{fsnotify.Event{Name: file, Op: fsnotify.Create}, true},
		{fsnotify.Event{Name: file, Op: fsnotify.Remove}, true},
		{fsnotify.Event{Name: file, Op: fsnotify.Rename}, true},
		{fsnotify.Event{Name: file, Op: fsnotify.Chmod}, false},
		{fsnotify.Event{Name: filepath.Join(dir, "other.toml"), Op: fsnotify.Write}, false},
		{fsnotify.Event{Name: filepath.Join(dir, ".tagd.toml.swp"), Op: fsnotify.Create}, false},
		{fsnotify.Event{Name: dir + "/./tagd.toml", Op: fsnotify.Write}, true},
	}
	for _, tt := range tests {
		if got := w.relevant(tt.ev); got != tt.want {
			t.Errorf("relevant(%v) = %v, want %v", tt.ev, got, tt.want)
		}
	}
}

func TestWatcherErrorsAndClose(t *testing.T) {
	if _, err := NewWatcher([]string{"/nonexistent-dir-for-tagd/x.toml"}, 0, func() {}); err == nil {
		t.Error("NewWatcher accepted a file in a missing directory")
	}
	if _, err := NewWatcher(nil, 0, nil); err == nil {
		t.Error("NewWatcher accepted a nil onChange")
	}

	w, err := NewWatcher([]string{filepath.Join(t.TempDir(), "x.toml")}, 0, func() {})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- w.Run(context.Background()) }()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after Close = %v", err)
		}
	case <-time.After(waitFor):
		t.Fatal("Run did not return after Close")
	}
}
