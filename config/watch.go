package config

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// DefaultDebounce is the quiet time Watch waits for when NewWatcher is given no debounce.
const DefaultDebounce = 250 * time.Millisecond

// Watcher calls a function when any of a set of files changes on disk.
//
// It watches the files' parent directories, not the files: editors save by writing a new
// file and renaming it over the old one, and Kubernetes swaps a ConfigMap by re-pointing a
// "..data" symlink, and neither changes the watched inode. Events are filtered by file name,
// and after every event in a watched directory each file's symlinks are resolved again, so a
// swap of any link on the way counts as a change of the file.
type Watcher struct {
	fsw      *fsnotify.Watcher
	debounce time.Duration
	onChange func()
	log      *slog.Logger

	mu    sync.Mutex
	files []watchedFile
	dirs  map[string]bool // directories currently added to fsw

	closeOnce sync.Once
	closeErr  error
}

type watchedFile struct {
	path string // absolute, as given
	real string // with symlinks resolved; "" while the file does not exist
}

// NewWatcher watches files and calls onChange after debounce of quiet following a change
// (DefaultDebounce if debounce <= 0). Events are only delivered while Run runs.
func NewWatcher(files []string, debounce time.Duration, onChange func()) (*Watcher, error) {
	if onChange == nil {
		return nil, errors.New("config: NewWatcher: onChange is nil")
	}
	if debounce <= 0 {
		debounce = DefaultDebounce
	}
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("config: start file watcher: %w", err)
	}
	w := &Watcher{fsw: fsw, debounce: debounce, onChange: onChange, log: slog.Default(), dirs: map[string]bool{}}
	if err := w.SetFiles(files); err != nil {
		fsw.Close()
		return nil, err
	}
	return w, nil
}

// SetLogger sets where watch problems are logged (default slog.Default()). Call it before Run.
func (w *Watcher) SetLogger(l *slog.Logger) {
	if l != nil {
		w.log = l
	}
}

// SetFiles replaces the set of watched files, e.g. after a reload found new templates. It is
// safe to call from onChange and from other goroutines. A file may be missing (its creation is
// a change), but its directory must exist.
func (w *Watcher) SetFiles(files []string) error {
	list := make([]watchedFile, 0, len(files))
	for _, f := range files {
		abs, err := filepath.Abs(f)
		if err != nil {
			return fmt.Errorf("config: watch %s: %w", f, err)
		}
		list = append(list, watchedFile{path: abs, real: resolve(abs)})
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.files = list
	return w.syncDirsLocked()
}

// resolve follows symlinks; a missing file resolves to "".
func resolve(path string) string {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return ""
	}
	return real
}

// syncDirsLocked watches exactly the directories the files (and their link targets) live in.
func (w *Watcher) syncDirsLocked() error {
	want := map[string]bool{}
	var errs []error
	for _, f := range w.files {
		for i, p := range []string{f.path, f.real} {
			if p == "" {
				continue
			}
			dir := filepath.Dir(p)
			if want[dir] {
				continue
			}
			want[dir] = true
			if w.dirs[dir] {
				continue
			}
			if err := w.fsw.Add(dir); err != nil {
				if i == 0 { // the directory the operator named must be watchable
					errs = append(errs, fmt.Errorf("config: watch directory of %s: %w", f.path, err))
				} else {
					w.log.Warn("config watch: cannot watch symlink target directory", "dir", dir, "err", err)
				}
				delete(want, dir)
				continue
			}
			w.dirs[dir] = true
		}
	}
	for dir := range w.dirs {
		if !want[dir] {
			// The directory may already be gone (an old ConfigMap generation); nothing to undo.
			_ = w.fsw.Remove(dir)
			delete(w.dirs, dir)
		}
	}
	return errors.Join(errs...)
}

// Run delivers changes until ctx is done or the watcher is closed. onChange runs on Run's
// goroutine, so calls never overlap; events arriving meanwhile are coalesced into the next call.
func (w *Watcher) Run(ctx context.Context) error {
	timer := time.NewTimer(w.debounce)
	timer.Stop()
	defer timer.Stop()
	var fire <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return nil
			}
			if w.relevant(ev) {
				timer.Reset(w.debounce)
				fire = timer.C
			}
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return nil
			}
			w.log.Warn("config watch: file watcher error", "err", err)
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				// Events were lost; one of them may have been ours.
				timer.Reset(w.debounce)
				fire = timer.C
			}
		case <-fire:
			fire = nil
			w.onChange()
		}
	}
}

// relevant reports whether ev touches a watched file, directly or through a symlink swap.
func (w *Watcher) relevant(ev fsnotify.Event) bool {
	if ev.Op == fsnotify.Chmod {
		return false // attribute changes do not change content
	}
	name := filepath.Clean(ev.Name)
	w.mu.Lock()
	defer w.mu.Unlock()
	hit, moved := false, false
	for i := range w.files {
		f := &w.files[i]
		if name == f.path || name == f.real {
			hit = true
		}
		if real := resolve(f.path); real != f.real {
			f.real = real
			hit, moved = true, true
		}
	}
	if moved {
		if err := w.syncDirsLocked(); err != nil {
			w.log.Warn("config watch: cannot follow file", "err", err)
		}
	}
	return hit
}

// Close stops watching; a running Run returns. It is safe to call more than once.
func (w *Watcher) Close() error {
	w.closeOnce.Do(func() { w.closeErr = w.fsw.Close() })
	return w.closeErr
}
