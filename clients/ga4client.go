package clients

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"

	"github.com/tagd-dev/tagd/clients/ga4"
	"github.com/tagd-dev/tagd/runtime"
)

func init() { Register("ga4", newGA4) }

// GA4 is the built-in GA4 web client: it claims /g/collect hits (v=2 with a measurement
// id), turns each into events in sGTM's event model, runs them and answers with CORS.
type GA4 struct {
	name    string
	origins []string
}

func newGA4(name string, settings map[string]any) (runtime.Client, error) {
	if err := checkKnown(settings, "cors_allowed_origins"); err != nil {
		return nil, err
	}
	origins, err := settingStrings(settings, "cors_allowed_origins")
	if err != nil {
		return nil, err
	}
	return &GA4{name: name, origins: origins}, nil
}

// Handle implements runtime.Client.
func (c *GA4) Handle(ctx context.Context, x *runtime.Exchange) (bool, error) {
	r := x.Request
	isPath := r.Path == "/g/collect" || r.Path == "/g/collect/"
	if !isPath {
		return false, nil
	}
	resp := x.Response()
	hr := &http.Request{Method: r.Method, Header: r.Header}
	if r.Method == http.MethodOptions {
		if err := x.Claim(c.name); err != nil {
			return false, err
		}
		h := http.Header{}
		ga4.CORSHeaders(h, hr, c.origins)
		copyHeaders(resp, h)
		resp.SetStatus(http.StatusNoContent)
		resp.Return()
		return true, nil
	}
	if !ga4.Claims(r.Path, r.RawQuery, r.Body) {
		return false, nil
	}
	if err := x.Claim(c.name); err != nil {
		return false, err
	}
	h := http.Header{}
	ga4.CORSHeaders(h, hr, c.origins)
	copyHeaders(resp, h)
	events, err := ga4.Parse(ga4.Hit{Method: r.Method, RawQuery: r.RawQuery, Body: r.Body, Header: r.Header, RemoteIP: r.RemoteIP})
	if err != nil {
		slog.Warn("malformed GA4 hit", "request_id", x.ID, "client", c.name, "error", err)
		resp.SetStatus(http.StatusBadRequest)
		resp.SetHeader("Content-Type", "text/plain; charset=utf-8", false)
		resp.SetBody([]byte("malformed GA4 hit: " + err.Error() + "\n"))
		resp.Return()
		return true, nil
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
	if _, ok := r.Query["richsstsse"]; ok {
		resp.SetHeader("Content-Type", "text/event-stream", false)
	}
	resp.SetStatus(http.StatusOK)
	resp.Return()
	return true, errors.Join(errs...)
}

func copyHeaders(resp *runtime.Response, h http.Header) {
	for k, vs := range h {
		for i, v := range vs {
			if i == 0 {
				resp.SetHeader(k, v, false)
			} else {
				resp.AddHeader(k, v)
			}
		}
	}
}
