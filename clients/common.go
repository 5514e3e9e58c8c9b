package clients

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/tagd-dev/tagd/clients/ga4"
	"github.com/tagd-dev/tagd/runtime"
)

// deps are the clock and randomness of a client; tests replace them for reproducible
// golden files.
type deps struct {
	now func() time.Time
	rnd io.Reader // nil = crypto/rand
}

func (d *deps) clock() time.Time {
	if d.now == nil {
		return time.Now()
	}
	return d.now()
}

// setDeps lets tests pin time and randomness.
func (d *deps) setDeps(now func() time.Time, rnd io.Reader) { d.now, d.rnd = now, rnd }

func loggerFor(x *runtime.Exchange) *slog.Logger {
	if x.Container != nil && x.Container.Env != nil && x.Container.Env.Logger != nil {
		return x.Container.Env.Logger
	}
	return slog.Default()
}

// reject answers a client mistake: a 4xx with a short plain-text or JSON reason, and a
// warning in the log. Client mistakes never get a 5xx.
func reject(ctx context.Context, x *runtime.Exchange, client string, status int, jsonBody bool, msg string) {
	loggerFor(x).WarnContext(ctx, "client rejected the request", "request_id", x.ID, "client", client,
		"status", status, "method", x.Request.Method, "path", x.Request.Path, "reason", msg)
	resp := x.Response()
	resp.SetStatus(status)
	if jsonBody {
		writeJSON(resp, status, map[string]any{"status": "rejected", "error": msg})
	} else {
		resp.SetHeader("Content-Type", "text/plain; charset=utf-8", false)
		resp.SetBody([]byte(msg + "\n"))
	}
	resp.Return()
}

func writeJSON(resp *runtime.Response, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(`{"status":"error"}`)
	}
	resp.SetStatus(status)
	resp.SetHeader("Content-Type", "application/json", false)
	resp.SetHeader("Cache-Control", "no-store", false)
	resp.SetBody(append(b, '\n'))
}

// runAll runs the events through the container concurrently, as sGTM clients do for a
// batch, and waits for all of them.
func runAll(ctx context.Context, x *runtime.Exchange, events []map[string]any) error {
	if len(events) == 1 {
		_, err := x.RunContainer(ctx, runtime.Event(events[0]), runtime.RunHooks{})
		return err
	}
	var wg sync.WaitGroup
	errs := make([]error, len(events))
	for i, ev := range events {
		wg.Add(1)
		go func(i int, ev map[string]any) {
			defer wg.Done()
			_, errs[i] = x.RunContainer(ctx, runtime.Event(ev), runtime.RunHooks{})
		}(i, ev)
	}
	wg.Wait()
	return errors.Join(errs...)
}

// cors writes CORS headers for browser-facing clients (same rules as the GA4 client). It
// reports false when the request's Origin is not allowed.
func cors(x *runtime.Exchange, origins []string) bool {
	r := x.Request
	h := http.Header{}
	ok := ga4.CORSHeaders(h, &http.Request{Method: r.Method, Header: r.Header}, origins)
	copyHeaders(x.Response(), h)
	return ok
}

func addCookies(resp *runtime.Response, lines []string) {
	for _, l := range lines {
		resp.AddHeader("Set-Cookie", l)
	}
}
