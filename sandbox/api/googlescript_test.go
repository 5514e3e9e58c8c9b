package api

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tagd-dev/tagd/runtime"
)

// clScriptServer serves fake Google scripts and records what was asked.
type clScriptServer struct {
	*httptest.Server
	mu   sync.Mutex
	hits []string // request URI, then X-Tagd-Original-Url if set
}

func newClScriptServer(t *testing.T) *clScriptServer {
	s := &clScriptServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits = append(s.hits, r.URL.RequestURI()+" "+r.Header.Get("X-Tagd-Original-Url"))
		s.mu.Unlock()
		switch r.URL.Path {
		case "/gtag/js":
			w.Header().Set("Cache-Control", "public, max-age=60")
			w.Header().Set("Content-Type", "application/javascript")
			_, _ = w.Write([]byte("/* gtag " + r.URL.Query().Get("id") + " */"))
		case "/analytics_debug.js", "/analytics.js":
			w.Header().Set("Cache-Control", "no-cache")
			_, _ = w.Write([]byte("/* " + r.URL.Path + " */"))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *clScriptServer) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.hits...)
}

func clResetScriptCache() {
	gsCache.Lock()
	gsCache.m = map[string]gsEntry{}
	gsCache.Unlock()
}

func TestGetGoogleScript(t *testing.T) {
	clResetScriptCache()
	b := clBackends(t, "proj")
	srv := newClScriptServer(t)
	b.ScriptBaseURL = srv.URL
	d, _ := runtime.NewHTTPDispatcher("", 0, 0)
	env := &runtime.Env{HTTP: d}

	got := clValue(t, env, `const getGoogleScript = require('getGoogleScript');
		return getGoogleScript('GTAG', {id: 'G-ABC'}).then(r => getGoogleScript('GTAG', {id: 'G-ABC'}).then(r2 =>
			[r.script, r.metadata['cache-control'], r.metadata['content-type'], r2.script]));`, clGoogleHTTP)
	want := []any{"/* gtag G-ABC */", "public, max-age=60", "application/javascript", "/* gtag G-ABC */"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("promise form (-want +got):\n%s", diff)
	}
	if n := len(srv.requests()); n != 1 {
		t.Fatalf("%d fetches, want 1 (second from cache): %v", n, srv.requests())
	}

	// The older callback form; debug selects analytics_debug.js; no-cache is not cached.
	got = clValue(t, env, `const Promise = require('Promise');
		return Promise.create(resolve => require('getGoogleScript')('ANALYTICS', (script, meta) => resolve([script, meta['cache-control']]), {debug: true}));`, clGoogleHTTP)
	if diff := cmp.Diff([]any{"/* /analytics_debug.js */", "no-cache"}, got); diff != "" {
		t.Fatalf("callback form (-want +got):\n%s", diff)
	}
	got = clValue(t, env, `const Promise = require('Promise');
		return Promise.create(resolve => require('getGoogleScript')('GTM', () => resolve('ok'), e => resolve(e), {id: 'GTM-NONE'}));`, clGoogleHTTP)
	if diff := cmp.Diff(map[string]any{"reason": "failed", "statusCode": int64(404), "message": "HTTP status 404"}, got); diff != "" {
		t.Fatalf("failure callback (-want +got):\n%s", diff)
	}
	got = clValue(t, env, `return require('getGoogleScript')('GTM', {id: 'GTM-NONE'}).then(() => 'ok', e => [e.reason, e.statusCode]);`, clGoogleHTTP)
	if diff := cmp.Diff([]any{"failed", int64(404)}, got); diff != "" {
		t.Fatalf("rejection (-want +got):\n%s", diff)
	}

	// Without HTTP the promise rejects instead of hanging.
	if got := clValue(t, nil, `return require('getGoogleScript')('ANALYTICS').then(() => 'ok', e => e.reason);`, clGoogleHTTP); got != "failed" {
		t.Fatalf("no HTTP: %v", got)
	}
}

func TestGetGoogleScriptThroughOutboundRedirect(t *testing.T) {
	clResetScriptCache()
	clBackends(t, "proj")
	srv := newClScriptServer(t)
	d, err := runtime.NewHTTPDispatcher(srv.URL, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := clValue(t, &runtime.Env{HTTP: d}, `return require('getGoogleScript')('GTAG', {id: 'G-R'}).then(r => r.script);`, clGoogleHTTP)
	if got != "/* gtag G-R */" {
		t.Fatalf("script %v", got)
	}
	if diff := cmp.Diff([]string{"/gtag/js?id=G-R https://www.googletagmanager.com/gtag/js?id=G-R"}, srv.requests()); diff != "" {
		t.Fatalf("requests (-want +got):\n%s", diff)
	}
}

func TestGetGoogleScriptBadCalls(t *testing.T) {
	clBackends(t, "proj")
	clErr(t, nil, `require('getGoogleScript')('JQUERY')`, []string{`unknown script "JQUERY"`}, clGoogleHTTP)
	clErr(t, nil, `require('getGoogleScript')('GTM', {})`, []string{"GTM needs options.id"}, clGoogleHTTP)
	clErr(t, nil, `require('getGoogleScript')('ANALYTICS')`, []string{`Permission denied: getGoogleScript requires permission "send_http"`})
	onlyOther := clPerm("send_http", map[string]any{"allowedUrls": "specific", "urls": []any{"https://example.com/"}})
	clErr(t, nil, `require('getGoogleScript')('ANALYTICS')`, []string{"https://www.google-analytics.com/analytics.js"}, onlyOther)
	listed := clPerm("send_http", map[string]any{"allowedUrls": "specific", "urls": []any{"https://www.googletagmanager.com/gtm.js*"}})
	if got := clValue(t, nil, `return require('getGoogleScript')('GTM', {id: 'GTM-1'}).then(() => 'ok', e => 'rejected');`, listed); got != "rejected" {
		t.Fatalf("listed URL: %v", got)
	}
}

func TestGsMaxAgeOf(t *testing.T) {
	tests := map[string]time.Duration{
		"public, max-age=60":     time.Minute,
		"max-age=999999":         time.Hour,
		"private, max-age=60":    0,
		"no-store":               0,
		"max-age=abc":            0,
		"":                       0,
		"Public, Max-Age=120, x": 2 * time.Minute,
	}
	for cc, want := range tests {
		if got := gsMaxAgeOf(cc); got != want {
			t.Errorf("gsMaxAgeOf(%q) = %v, want %v", cc, got, want)
		}
	}
}
