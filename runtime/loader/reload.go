package loader

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/tagd-dev/tagd/config"
	"github.com/tagd-dev/tagd/runtime"
)

// Reloader rebuilds the container when the config file or any template it uses changes,
// and swaps it into the engine. A broken change is logged (file:line: reason for every
// problem) and the last good container keeps serving.
type Reloader struct {
	Path     string
	Options  Options
	Engine   *runtime.Engine
	Logger   *slog.Logger
	Debounce time.Duration
	// OnResult, when set, is told about every reload attempt (metrics, admin status).
	OnResult func(ok bool, err error, took time.Duration)

	mu      sync.Mutex
	watcher *config.Watcher
	lastErr error
	files   []string
}

// LastError returns the error of the last reload attempt, or nil if it succeeded.
func (r *Reloader) LastError() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lastErr
}

// Reload loads the config now and swaps the container in if it is good.
func (r *Reloader) Reload() error {
	start := time.Now()
	res, err := LoadFile(r.Path, r.Options)
	took := time.Since(start)
	r.mu.Lock()
	r.lastErr = err
	if res != nil && len(res.Files) > 0 {
		r.files = res.Files
		if r.watcher != nil {
			if werr := r.watcher.SetFiles(res.Files); werr != nil {
				r.logger().Warn("watching files", "error", werr)
			}
		}
	}
	r.mu.Unlock()
	if err != nil {
		for _, line := range splitLines(err.Error()) {
			r.logger().Error("reload failed; the last good container keeps serving", "problem", line)
		}
	} else {
		r.Engine.Swap(res.Container)
		r.logger().Info("container reloaded", "version", res.Container.Env.Version, "templates", res.Templates, "took_ms", float64(took.Microseconds())/1000)
	}
	if r.OnResult != nil {
		r.OnResult(err == nil, err, took)
	}
	return err
}

// Watch reloads on changes until ctx ends. files are the ones the current container was
// built from.
func (r *Reloader) Watch(ctx context.Context, files []string) error {
	d := r.Debounce
	if d <= 0 {
		d = 250 * time.Millisecond
	}
	w, err := config.NewWatcher(files, d, func() { _ = r.Reload() })
	if err != nil {
		return err
	}
	w.SetLogger(r.logger())
	r.mu.Lock()
	r.watcher = w
	r.files = files
	r.mu.Unlock()
	defer w.Close()
	return w.Run(ctx)
}

func (r *Reloader) logger() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.Default()
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			if i > start {
				out = append(out, s[start:i])
			}
			start = i + 1
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}
