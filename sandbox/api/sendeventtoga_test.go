package api

import (
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tagd-dev/tagd/runtime"
)

var clUpdate = flag.Bool("cl.update", false, "rewrite the golden files of sandbox/api/testdata/sendeventtoga")

var clRichEvent = map[string]any{
	"event_name":               "purchase",
	"client_id":                "123.456",
	"user_id":                  "u-9",
	"x-ga-measurement_id":      "G-TEST1",
	"x-ga-protocol_version":    "2",
	"x-ga-gtm_version":         "45je",
	"x-ga-page_id":             int64(998),
	"x-ga-gcs":                 "G111",
	"x-ga-dma":                 true,
	"x-ga-system_properties":   map[string]any{"ss": "1", "_fv": "1"},
	"x-ga-mp2-user_properties": map[string]any{"tier": "gold", "visits": int64(3)},
	"x-fb-ck-fbp":              "ignored",
	"page_location":            "https://shop.example/checkout?step=3",
	"page_referrer":            "https://shop.example/cart",
	"page_title":               "Checkout",
	"page_hostname":            "shop.example",
	"language":                 "en-us",
	"screen_resolution":        "1920x1080",
	"ip_override":              "203.0.113.7",
	"user_agent":               "Mozilla/5.0",
	"ga_session_id":            "1700000000",
	"ga_session_number":        int64(4),
	"engagement_time_msec":     int64(1200),
	"currency":                 "EUR",
	"value":                    59.9,
	"transaction_id":           "T-1",
	"coupon_used":              false,
	"user_data":                map[string]any{"email_address": "a@b.example"},
	"nested":                   map[string]any{"dropped": true},
	"items": []any{
		map[string]any{"item_id": "SKU~1", "item_name": "Shoe", "price": 49.9, "quantity": int64(1), "color": "red"},
		map[string]any{"item_name": "Sock", "price": 10.0, "quantity": int64(2)},
		"not an item",
	},
}

func TestGACollectParams(t *testing.T) {
	q, err := gaCollectParams(clRichEvent)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.ReplaceAll(q.Encode(), "&", "\n") + "\n"
	p := filepath.Join("testdata", "sendeventtoga", "purchase.golden")
	if *clUpdate {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Fatalf("%s (-want +got):\n%s", p, diff)
	}
	// Spot checks independent of the golden file.
	for k, v := range map[string]string{"tid": "G-TEST1", "cid": "123.456", "en": "purchase", "epn.value": "59.9", "ep.coupon_used": "0", "pr1": "idSKU1~nmShoe~pr49.9~qt1~k0color~v0red", "_ss": "1", "_fv": "1", "upn.visits": "3", "dma": "1"} {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	for _, k := range []string{"ep.user_data", "ep.nested", "ep.x-fb-ck-fbp", "ep.page_hostname", "pr3"} {
		if q.Has(k) {
			t.Errorf("%s should not be sent", k)
		}
	}
	for _, missing := range []string{"x-ga-measurement_id", "client_id", "event_name"} {
		ev := map[string]any{"x-ga-measurement_id": "G-1", "client_id": "c", "event_name": "e"}
		delete(ev, missing)
		if _, err := gaCollectParams(ev); err == nil || !strings.Contains(err.Error(), missing) {
			t.Errorf("without %s: err = %v", missing, err)
		}
	}
}

func TestSendEventToGoogleAnalytics(t *testing.T) {
	clBackends(t, "proj")
	var mu sync.Mutex
	var seen []*http.Request
	status, location := http.StatusNoContent, ""
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Clone(r.Context()))
		st, loc := status, location
		mu.Unlock()
		if loc != "" {
			w.Header().Set("Location", loc)
		}
		w.WriteHeader(st)
	}))
	defer srv.Close()
	// The outbound redirect sends the hit to the test server.
	d, err := runtime.NewHTTPDispatcher(srv.URL, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	// GA answers some hits with a redirect whose Location the client forwards; the
	// dispatcher must hand it back instead of following it (see the report: a per-request
	// NoRedirect option on OutboundRequest would make this the dispatcher's default here).
	d.Client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	env := &runtime.Env{HTTP: d}
	const code = `return require('sendEventToGoogleAnalytics')({event_name: 'page_view', client_id: 'c1', 'x-ga-measurement_id': 'G-X', user_agent: 'UA/1', page_title: 'Home'})
		.then(r => r, e => ({rejected: e.reason, statusCode: e.statusCode}));`

	got := clValue(t, env, code, clGoogleHTTP)
	if diff := cmp.Diff(map[string]any{}, got); diff != "" {
		t.Fatalf("204 (-want +got):\n%s", diff)
	}
	mu.Lock()
	r := seen[0]
	mu.Unlock()
	orig, _ := url.Parse(r.Header.Get("X-Tagd-Original-Url"))
	if r.Method != http.MethodPost || orig.Host != "region1.google-analytics.com" || orig.Path != "/g/collect" || r.URL.Path != "/g/collect" || r.UserAgent() != "UA/1" {
		t.Fatalf("hit: %s %s (original %s), UA %q", r.Method, r.URL, orig, r.UserAgent())
	}
	if q := r.URL.Query(); q.Get("tid") != "G-X" || q.Get("cid") != "c1" || q.Get("en") != "page_view" || q.Get("dt") != "Home" || q.Get("v") != "2" {
		t.Fatalf("query %v", q)
	}

	mu.Lock()
	status, location = http.StatusFound, "https://www.google.com/ads/ga-audiences?x=1"
	mu.Unlock()
	if got := clValue(t, env, code, clGoogleHTTP); !cmp.Equal(map[string]any{"location": "https://www.google.com/ads/ga-audiences?x=1"}, got) {
		t.Fatalf("redirect answer: %v", got)
	}
	mu.Lock()
	status, location = http.StatusInternalServerError, ""
	mu.Unlock()
	if got := clValue(t, env, code, clGoogleHTTP); !cmp.Equal(map[string]any{"rejected": "failed", "statusCode": int64(500)}, got) {
		t.Fatalf("500 answer: %v", got)
	}
	if got := clValue(t, env, `return require('sendEventToGoogleAnalytics')({event_name: 'x'}).catch(e => e.reason);`, clGoogleHTTP); got != "invalid_event" {
		t.Fatalf("incomplete event: %v", got)
	}
	clErr(t, env, `require('sendEventToGoogleAnalytics')({event_name: 'x', client_id: 'c', 'x-ga-measurement_id': 'G'})`, []string{`Permission denied: sendEventToGoogleAnalytics requires permission "send_http"`})
	clErr(t, env, `require('sendEventToGoogleAnalytics')('page_view')`, []string{"the event must be an object"}, clGoogleHTTP)
}

// FuzzGACollectParams: any event decoded from JSON builds a hit or a clear error, and a
// hit always carries tid, cid and en.
func FuzzGACollectParams(f *testing.F) {
	f.Add(`{"event_name":"e","client_id":"c","x-ga-measurement_id":"G","items":[{"item_id":"a~b"}]}`)
	f.Add(`{"event_name":1,"client_id":true,"x-ga-measurement_id":"G","x-ga-system_properties":{"":1}}`)
	f.Add(`{"items":"x"}`)
	f.Fuzz(func(t *testing.T, js string) {
		var ev map[string]any
		if json.Unmarshal([]byte(js), &ev) != nil {
			return
		}
		q, err := gaCollectParams(ev)
		if err != nil {
			return
		}
		if q.Get("tid") == "" || q.Get("cid") == "" || q.Get("en") == "" {
			t.Fatalf("hit without tid/cid/en: %v", q)
		}
	})
}
