package loader_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tagd-dev/tagd/config"
	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/runtime/dedup"
	"github.com/tagd-dev/tagd/runtime/loader"
	"github.com/tagd-dev/tagd/runtime/outbox"
	"github.com/tagd-dev/tagd/runtime/testsink"
)

const dedupTOML = `
[[client]]
name = "GA4"
type = "ga4"

[[trigger]]
name = "First purchase"
event = "purchase"
first_copy_only = true

[[trigger]]
name = "Copies"
event = "purchase"
[[trigger.condition]]
variable = "Is Duplicate"
operator = "equals"
value = "true"

[[tag]]
name = "Conversion"
template = "http-request"
triggers = ["First purchase"]
retry = "none"
[tag.parameters]
url = "https://vendor.example/conv?tx={transaction_id}"

[[tag]]
name = "Copy counter"
template = "http-request"
triggers = ["Copies"]
retry = "none"
[tag.parameters]
url = "https://vendor.example/copy?tx={transaction_id}"
`

// Browser and server both send the purchase: the conversion fires once, the copy is
// reported in the event and can fire its own tag.
func TestFirstCopyOnlyTrigger(t *testing.T) {
	s := testsink.New(t)
	cfg, err := config.Parse("dedup.toml", "", []byte(dedupTOML))
	if err != nil {
		t.Fatal(err)
	}
	store := dedup.NewMemory(0)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	res, err := loader.Build(cfg, loader.Options{Logger: quiet, OutboundRedirect: s.URL, DedupStore: store})
	if err != nil {
		t.Fatal(err)
	}
	e := runtime.NewEngine(res.Container, quiet)
	var mu sync.Mutex
	var results []*runtime.EventResult
	e.Observe = func(x *runtime.Exchange, _ int, _ time.Duration) {
		mu.Lock()
		results = append(results, x.Events()...)
		mu.Unlock()
	}
	hit := "/g/collect?v=2&tid=G-X&cid=1.2&en=purchase&ep.transaction_id=T-77&epn.value=10"
	for range 3 {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest("POST", hit, nil))
		if rec.Code != 200 && rec.Code != 204 {
			t.Fatalf("status %d", rec.Code)
		}
	}
	// A refund with the same transaction_id is not a copy of the purchase.
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest("POST", strings.Replace(hit, "en=purchase", "en=refund", 1), nil))

	if got := len(s.ByPath("/conv")); got != 1 {
		t.Errorf("conversion sent %d times, want 1", got)
	}
	if got := len(s.ByPath("/copy")); got != 2 {
		t.Errorf("copy tag sent %d times, want 2", got)
	}
	mu.Lock()
	seen := append([]*runtime.EventResult(nil), results...)
	mu.Unlock()
	if len(seen) != 4 {
		t.Fatalf("%d event results", len(seen))
	}
	for i, r := range seen {
		wantDup := i == 1 || i == 2
		if r.Dedup == nil || r.Dedup.Duplicate != wantDup || r.Dedup.Field != "transaction_id" || r.Dedup.Value != "T-77" {
			t.Errorf("event %d (%s): dedup = %+v, want duplicate=%v", i, r.Event.Name(), r.Dedup, wantDup)
		}
	}
	// The window outlives the container: a reload keeps it.
	res2, err := loader.Build(cfg, loader.Options{Logger: quiet, OutboundRedirect: s.URL, DedupStore: store})
	if err != nil {
		t.Fatal(err)
	}
	e.Swap(res2.Container)
	e.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", hit, nil))
	if got := len(s.ByPath("/conv")); got != 1 {
		t.Errorf("after a reload the conversion was sent again (%d)", got)
	}
}

const retryTOML = `
[server]
outbound_redirect = "REDIRECT"

[delivery]
max_queue_bytes = 1000000

[[client]]
name = "GA4"
type = "ga4"

[[trigger]]
name = "Purchase"
event = "purchase"

[[tag]]
name = "Vendor"
template = "http-request"
triggers = ["Purchase"]
retry = { max_attempts = 50, base_delay = "10ms", max_delay = "20ms" }
[tag.parameters]
url = "https://vendor.example/conv?tx={transaction_id}"

[[tag]]
name = "Best effort"
template = "http-request"
triggers = ["Purchase"]
retry = "none"
[tag.parameters]
url = "https://other.example/conv?tx={transaction_id}"
`

// The loader binds the outbox per tag: the tag with a policy has its failure stored and
// delivered later; the tag with retry = "none" does not. The tag itself saw the failure.
func TestOutboxWiredPerTag(t *testing.T) {
	var mu sync.Mutex
	up := false
	got := map[string]int{}
	dst := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if !up {
			w.WriteHeader(503)
			return
		}
		got[r.Header.Get("X-Tagd-Original-Url")]++
	}))
	defer dst.Close()
	cfg, err := config.Parse("retry.toml", "", []byte(strings.Replace(retryTOML, "REDIRECT", dst.URL, 1)))
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ob, err := outbox.Open(outbox.Options{Path: filepath.Join(t.TempDir(), "outbox.db"), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer ob.Close(context.Background())
	res, err := loader.Build(cfg, loader.Options{Logger: quiet, Outbox: ob})
	if err != nil {
		t.Fatal(err)
	}
	e := runtime.NewEngine(res.Container, quiet)
	var statuses []runtime.TagResult
	e.Observe = func(x *runtime.Exchange, _ int, _ time.Duration) {
		for _, r := range x.Events() {
			statuses = append(statuses, r.Tags...)
		}
	}
	e.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/g/collect?v=2&tid=G-X&cid=1.2&en=purchase&ep.transaction_id=T-9", nil))
	for _, s := range statuses {
		if s.Status != runtime.Failure {
			t.Errorf("tag %s: %s; the template must see the first outcome (failure)", s.Name, s.Status)
		}
	}
	st := ob.Stats()
	if st.Pending != 1 {
		t.Fatalf("outbox: %+v; want the Vendor request pending", st)
	}
	if l, _ := ob.List(outbox.Filter{}); len(l) != 1 || l[0].Tag != "Vendor" {
		t.Fatalf("pending = %+v", l)
	}
	mu.Lock()
	up = true
	mu.Unlock()
	deadline := time.Now().Add(20 * time.Second)
	for ob.Stats().Pending > 0 {
		if time.Now().After(deadline) {
			t.Fatal("not delivered")
		}
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if got["https://vendor.example/conv?tx=T-9"] != 1 || len(got) != 1 {
		t.Errorf("delivered = %v", got)
	}
}
