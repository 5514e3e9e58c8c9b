package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/dop251/goja"
	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/sandbox"
)

func init() {
	sandbox.RegisterPermission("send_http", newURLPermission)
	register("sendHttpRequest", "send_http", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		return sendHTTP(vu, c, "sendHttpRequest", false)
	})
	register("sendHttpGet", "send_http", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		return sendHTTP(vu, c, "sendHttpGet", true)
	})
}

// newURLPermission compiles allowedUrls any|specific + urls (+ allowGoogleDomains).
func newURLPermission(p map[string]any) (sandbox.Checker, error) {
	if sandbox.ParamString(p, "allowedUrls") == "any" {
		return func(...any) error { return nil }, nil
	}
	var pats []*urlPattern
	for _, s := range sandbox.ParamStrings(p, "urls", "") {
		if up, ok := parseURLPattern(s); ok {
			pats = append(pats, up)
		}
	}
	google := sandbox.ParamBool(p, "allowGoogleDomains")
	return func(args ...any) error {
		raw, _ := firstString(args)
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return fmt.Errorf("%q is not an absolute URL", raw)
		}
		if google && u.Scheme == "https" && isGoogleHost(u.Hostname()) {
			return nil
		}
		for _, up := range pats {
			if up.match(u) {
				return nil
			}
		}
		return fmt.Errorf("URL %q does not match any allowed URL pattern", raw)
	}, nil
}

func firstString(args []any) (string, bool) {
	if len(args) == 0 {
		return "", false
	}
	s, ok := args[0].(string)
	return s, ok
}

// sendHTTP implements both call styles: promise (url, options, body) and the legacy
// callback (url, callback(statusCode, headers, body), options, body).
func sendHTTP(vu *sandbox.VU, c goja.FunctionCall, api string, getOnly bool) goja.Value {
	rt := vu.Runtime()
	raw := jsString(c.Argument(0))
	vu.MustCheck(api, "send_http", raw)
	ex := vu.Exec()

	var cb goja.Callable
	optIdx := 1
	if f, ok := goja.AssertFunction(c.Argument(1)); ok {
		cb, optIdx = f, 2
	}
	var getToken func(ctx context.Context) (string, error)
	req := &runtime.OutboundRequest{Method: http.MethodGet, URL: raw, Header: http.Header{}, Timeout: vu.Limits().HTTPTimeout, Source: ex.Name}
	if opts, ok := sandbox.FromJS(c.Argument(optIdx)).(map[string]any); ok {
		if m, ok := opts["method"].(string); ok && m != "" && !getOnly {
			req.Method = strings.ToUpper(m)
		}
		if h, ok := opts["headers"].(map[string]any); ok {
			// In the object's own key order, so that of two names differing only in case
			// the later one wins on every run (a Go map would pick one at random).
			for _, k := range headerOrder(c.Argument(optIdx), h) {
				if v := h[k]; v != nil {
					req.Header.Set(k, runtime.Stringify(v))
				}
			}
		}
		if t, ok := runtime.ToNumber(opts["timeout"]); ok && t > 0 {
			req.Timeout = time.Duration(t) * time.Millisecond
		}
		if auth, ok := opts["authorization"].(map[string]any); ok {
			getToken = googleAuthorization(ex, auth)
		}
	}
	if !getOnly {
		if b := c.Argument(optIdx + 1); !isNullish(b) {
			req.Body = []byte(b.String())
		}
	}

	var promise *goja.Promise
	var resolve, reject func(any) error
	if cb == nil {
		promise, resolve, reject = rt.NewPromise()
	}
	deliver := func(resp *runtime.OutboundResponse, err error) {
		vu.RunTask(func() error {
			if cb != nil {
				status, headers, body := 0, map[string]any{}, ""
				if resp != nil {
					status, headers, body = resp.StatusCode, headerMap(resp.Header), string(resp.Body)
				}
				_, cerr := cb(goja.Undefined(), rt.ToValue(status), vu.ToJS(headers), rt.ToValue(body))
				return cerr
			}
			if err != nil {
				reason := "failed"
				if errors.Is(err, runtime.ErrOutboundTimedOut) {
					reason = "timed_out"
				}
				return reject(vu.ToJS(map[string]any{"reason": reason}))
			}
			return resolve(vu.ToJS(map[string]any{"statusCode": resp.StatusCode, "headers": headerMap(resp.Header), "body": string(resp.Body)}))
		})
	}
	ex.CountOutbound()
	if ex.OutboundCount() > vu.Limits().MaxOutboundRequests {
		vu.Logger().Warn("outbound request limit reached", "template", ex.Program.Name, "name", ex.Name, "limit", vu.Limits().MaxOutboundRequests)
		enqueue := vu.Register()
		enqueue(func() { deliver(nil, fmt.Errorf("%w: outbound request limit reached", runtime.ErrOutboundFailed)) })
	} else if ex.Env == nil || ex.Env.HTTP == nil {
		enqueue := vu.Register()
		enqueue(func() {
			deliver(nil, fmt.Errorf("%w: no outbound HTTP in this environment", runtime.ErrOutboundFailed))
		})
	} else {
		enqueue := vu.Register()
		ctx := vu.Context()
		d := ex.Env.HTTP
		x := ex.Exchange()
		go func() {
			start := time.Now()
			var resp *runtime.OutboundResponse
			var err error
			if getToken != nil {
				tok, terr := getToken(ctx)
				if terr != nil {
					err = fmt.Errorf("%w: google credentials: %v", runtime.ErrOutboundFailed, terr)
				} else {
					req.Header.Set("Authorization", "Bearer "+tok)
				}
			}
			if err == nil {
				resp, err = d.Do(ctx, req)
			}
			if x != nil && x.Trace != nil {
				x.Trace.AddOutbound(req, resp, err, start)
			}
			enqueue(func() { deliver(resp, err) })
		}()
	}
	if promise != nil {
		return rt.ToValue(promise)
	}
	return undef
}

// headerOrder lists the keys of h (the exported options.headers) in the JS object's own
// order, falling back to sorted order when that object cannot be read.
func headerOrder(options goja.Value, h map[string]any) []string {
	if o, ok := options.(*goja.Object); ok {
		if ho, ok := o.Get("headers").(*goja.Object); ok {
			keys := make([]string, 0, len(h))
			for _, k := range ho.Keys() {
				if _, ok := h[k]; ok {
					keys = append(keys, k)
				}
			}
			if len(keys) == len(h) {
				return keys
			}
		}
	}
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// headerMap renders response headers as sGTM does: lower-case names, values joined.
func headerMap(h http.Header) map[string]any {
	out := make(map[string]any, len(h))
	for k, v := range h {
		out[strings.ToLower(k)] = strings.Join(v, ", ")
	}
	return out
}
