package api

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dop251/goja"
	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/runtime/cloud"
	"github.com/tagd-dev/tagd/sandbox"
)

// getGoogleScript fetches analytics.js, gtag.js or gtm.js through Env.HTTP. It is gated by
// send_http for the script's Google URL (so allowGoogleDomains grants it): Google does not
// name a permission, and gallery loader templates declare exactly send_http.
//
// Both call styles are accepted: getGoogleScript(name, options) → Promise<{script,
// metadata}>, and the older getGoogleScript(name, onSuccess(script, metadata),
// onFailure?, options?). metadata holds the response headers (lower-case names), which
// templates copy onto their response for caching.

func init() {
	register("getGoogleScript", "send_http", getGoogleScript)
}

type gsScript struct {
	origin, path, debugPath string
	needID                  bool
}

var gsScripts = map[string]gsScript{
	"ANALYTICS": {origin: "https://www.google-analytics.com", path: "/analytics.js", debugPath: "/analytics_debug.js"},
	"GTAG":      {origin: "https://www.googletagmanager.com", path: "/gtag/js", needID: true},
	"GTM":       {origin: "https://www.googletagmanager.com", path: "/gtm.js", needID: true},
}

// gsScriptURL is the Google URL of a script.
func gsScriptURL(name, id string, debug bool) (string, error) {
	s, ok := gsScripts[name]
	if !ok {
		return "", fmt.Errorf("unknown script %q (want ANALYTICS, GTAG or GTM)", name)
	}
	if s.needID && id == "" {
		return "", fmt.Errorf("%s needs options.id", name)
	}
	p := s.path
	if debug && s.debugPath != "" {
		p = s.debugPath
	}
	u := s.origin + p
	if id != "" {
		u += "?id=" + url.QueryEscape(id)
	}
	return u, nil
}

// gcRebase puts a Google URL's path and query onto base (a mirror or test server).
func gcRebase(raw, base string) string {
	if base == "" {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return strings.TrimSuffix(base, "/") + u.RequestURI()
}

// Scripts are public and change rarely: keep them as long as their max-age says (at most
// an hour), so a loader client does not fetch gtag.js for every page view.
const (
	gsMaxAge     = time.Hour
	gsMaxEntries = 256
)

type gsEntry struct {
	script  string
	meta    map[string]any
	expires time.Time
}

var gsCache = struct {
	sync.Mutex
	m map[string]gsEntry
}{m: map[string]gsEntry{}}

func gsCacheGet(u string) (gsEntry, bool) {
	gsCache.Lock()
	defer gsCache.Unlock()
	e, ok := gsCache.m[u]
	if !ok || time.Now().After(e.expires) {
		return gsEntry{}, false
	}
	return e, true
}

func gsCachePut(u string, e gsEntry, cacheControl string) {
	ttl := gsMaxAgeOf(cacheControl)
	if ttl <= 0 {
		return
	}
	e.expires = time.Now().Add(ttl)
	gsCache.Lock()
	defer gsCache.Unlock()
	if len(gsCache.m) >= gsMaxEntries {
		gsCache.m = map[string]gsEntry{}
	}
	gsCache.m[u] = e
}

func gsMaxAgeOf(cc string) time.Duration {
	var age time.Duration
	for _, d := range strings.Split(strings.ToLower(cc), ",") {
		d = strings.TrimSpace(d)
		switch {
		case d == "no-store" || d == "no-cache" || d == "private":
			return 0
		case strings.HasPrefix(d, "max-age="):
			n, err := strconv.Atoi(strings.TrimPrefix(d, "max-age="))
			if err != nil || n <= 0 {
				return 0
			}
			age = time.Duration(n) * time.Second
		}
	}
	return min(age, gsMaxAge)
}

func getGoogleScript(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
	const api = "getGoogleScript"
	rt := vu.Runtime()
	name := jsString(c.Argument(0))
	var onSuccess, onFailure goja.Callable
	optIdx := 1
	if f, ok := goja.AssertFunction(c.Argument(1)); ok {
		onSuccess, optIdx = f, 2
		if f2, ok := goja.AssertFunction(c.Argument(2)); ok {
			onFailure, optIdx = f2, 3
		}
	}
	opts, _ := sandbox.FromJS(c.Argument(optIdx)).(map[string]any)
	id, _ := opts["id"].(string)
	canonical, err := gsScriptURL(name, id, truthyValue(opts["debug"]))
	if err != nil {
		vu.Throwf("%s: %v", api, err)
	}
	vu.MustCheck(api, "send_http", canonical)
	timeout := vu.Limits().HTTPTimeout
	if t, ok := runtime.ToNumber(opts["timeout"]); ok && t > 0 {
		timeout = time.Duration(t) * time.Millisecond
	}
	target := gcRebase(canonical, cloud.Default().ScriptBaseURL)

	var promise *goja.Promise
	var resolve, reject func(any) error
	if onSuccess == nil {
		promise, resolve, reject = rt.NewPromise()
	}
	deliver := func(e gsEntry, err error) {
		vu.RunTask(func() error {
			if err != nil {
				reason := gsReason(err)
				if onSuccess == nil {
					return reject(vu.ToJS(reason))
				}
				if onFailure != nil {
					_, cerr := onFailure(goja.Undefined(), vu.ToJS(reason))
					return cerr
				}
				vu.Logger().Warn("getGoogleScript failed and the template passed no failure callback", "script", name, "error", err)
				return nil
			}
			if onSuccess == nil {
				return resolve(vu.ToJS(map[string]any{"script": e.script, "metadata": e.meta}))
			}
			_, cerr := onSuccess(goja.Undefined(), rt.ToValue(e.script), vu.ToJS(e.meta))
			return cerr
		})
	}
	ret := undef
	if promise != nil {
		ret = rt.ToValue(promise)
	}
	enqueue := vu.Register()
	if e, ok := gsCacheGet(target); ok {
		enqueue(func() { deliver(e, nil) })
		return ret
	}
	ex := vu.Exec()
	if !gcOutbound(vu, api) {
		enqueue(func() { deliver(gsEntry{}, errOutboundLimit) })
		return ret
	}
	if ex == nil || ex.Env == nil || ex.Env.HTTP == nil {
		enqueue(func() {
			deliver(gsEntry{}, fmt.Errorf("%w: no outbound HTTP in this environment", runtime.ErrOutboundFailed))
		})
		return ret
	}
	req := &runtime.OutboundRequest{Method: http.MethodGet, URL: target, Header: http.Header{}, Timeout: timeout, Source: ex.Name}
	d, ctx := ex.Env.HTTP, vu.Context()
	go func() {
		resp, err := d.Do(ctx, req)
		if err == nil && (resp.StatusCode < 200 || resp.StatusCode > 299) {
			err = &gsStatusError{code: resp.StatusCode}
		}
		var e gsEntry
		if err == nil {
			e = gsEntry{script: string(resp.Body), meta: headerMap(resp.Header)}
			gsCachePut(target, e, resp.Header.Get("Cache-Control"))
		}
		enqueue(func() { deliver(e, err) })
	}()
	return ret
}

type gsStatusError struct{ code int }

func (e *gsStatusError) Error() string { return fmt.Sprintf("HTTP status %d", e.code) }

// gsReason is the rejection object of the HTTP-based Google APIs.
func gsReason(err error) map[string]any {
	r := map[string]any{"reason": "failed", "message": err.Error()}
	var se *gsStatusError
	switch {
	case errors.As(err, &se):
		r["statusCode"] = se.code
	case errors.Is(err, runtime.ErrOutboundTimedOut):
		r["reason"] = "timed_out"
	}
	return r
}

// truthyValue is JavaScript truthiness for plain data.
func truthyValue(v any) bool {
	switch t := v.(type) {
	case nil:
		return false
	case bool:
		return t
	case string:
		return t != ""
	case float64:
		return t != 0 && !math.IsNaN(t)
	case int64:
		return t != 0
	}
	return true
}
