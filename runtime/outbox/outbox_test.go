package outbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"

	"github.com/tagd-dev/tagd/runtime"
)

// received is one request as a destination saw it.
type received struct {
	Method string
	URL    string // path?query
	Header http.Header
	Body   string
	At     time.Time
	Status int // what the destination answered
}

// destination is a local vendor whose answer a test controls.
type destination struct {
	*httptest.Server
	mu     sync.Mutex
	seen   int
	got    []received
	answer func(n int, r received) (int, http.Header, string) // n counts from 0
}

func newDestination(t *testing.T, answer func(n int, r received) (int, http.Header, string)) *destination {
	t.Helper()
	d := &destination{answer: answer}
	d.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rec := received{Method: r.Method, URL: r.URL.RequestURI(), Header: r.Header.Clone(), Body: string(b), At: time.Now()}
		d.mu.Lock()
		n := d.seen
		d.seen++
		answer := d.answer
		d.mu.Unlock()
		status, h, body := answer(n, rec) // unlocked: an answer may block
		rec.Status = status
		d.mu.Lock()
		d.got = append(d.got, rec)
		d.mu.Unlock()
		for k, v := range h {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(d.Close)
	return d
}

func (d *destination) setAnswer(f func(n int, r received) (int, http.Header, string)) {
	d.mu.Lock()
	d.answer = f
	d.mu.Unlock()
}

func (d *destination) requests() []received {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]received(nil), d.got...)
}

func status(code int) func(int, received) (int, http.Header, string) {
	return func(int, received) (int, http.Header, string) { return code, nil, "" }
}

// waitFor polls cond until it holds; the deadline only bounds a hung test.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

var fast = Policy{MaxAttempts: 1000, MaxAge: time.Hour, BaseDelay: 5 * time.Millisecond, MaxDelay: 20 * time.Millisecond}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func openTest(t *testing.T, path string, mod func(*Options)) *Outbox {
	t.Helper()
	// Destinations are 127.0.0.1, which the default (guarded) sender refuses.
	o := Options{Path: path, Logger: quietLogger(), ProbeInterval: 10 * time.Millisecond, Sender: unguarded}
	if mod != nil {
		mod(&o)
	}
	ob, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ob.Close(context.Background()) })
	return ob
}

var unguarded, _ = runtime.NewHTTPDispatcher("", 0, 5*time.Second)

func plainHTTP(t *testing.T) *runtime.HTTPDispatcher {
	t.Helper()
	d, err := runtime.NewHTTPDispatcher("", 0, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func send(t *testing.T, d runtime.Dispatcher, tag, url, body string) (*runtime.OutboundResponse, error) {
	t.Helper()
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("X-Event-Id", "evt-"+body)
	return d.Do(context.Background(), &runtime.OutboundRequest{Method: http.MethodPost, URL: url, Header: h, Body: []byte(body), Source: tag})
}

// A destination that is down for a while, then up: every request is delivered once it
// returns, in the order the requests were made, and the template saw the first outcome.
func TestFlakyDestinationDeliversEverythingInOrder(t *testing.T) {
	dst := newDestination(t, status(503))
	ob := openTest(t, filepath.Join(t.TempDir(), "outbox.db"), nil)
	d := ob.Bind(Binding{Inner: plainHTTP(t), Policies: map[string]Policy{"Vendor": fast}})

	const n = 25
	for i := range n {
		resp, err := send(t, d, "Vendor", dst.URL+"/collect?i="+fmt.Sprint(i), fmt.Sprintf(`{"event_id":"e%02d"}`, i))
		if err != nil || resp.StatusCode != 503 {
			t.Fatalf("request %d: template saw %v, %v; want the first outcome, 503", i, resp, err)
		}
	}
	if st := ob.Stats(); st.Pending != n || st.Totals.Queued != n {
		t.Fatalf("after the outage: %d pending, %d queued; want %d", st.Pending, st.Totals.Queued, n)
	}
	dst.setAnswer(status(200))
	waitFor(t, "the queue to drain", func() bool { return ob.Stats().Pending == 0 })

	var delivered, want []string
	for _, r := range dst.requests() {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || r.Header.Get("X-Event-Id") != "evt-"+r.Body {
			t.Errorf("a retry changed the request: %s %v", r.Method, r.Header)
		}
		if r.Status == 200 {
			delivered = append(delivered, r.Body)
		}
	}
	for i := range n {
		want = append(want, fmt.Sprintf(`{"event_id":"e%02d"}`, i))
	}
	if diff := cmp.Diff(want, delivered); diff != "" {
		t.Errorf("accepted bodies (-want +got):\n%s", diff)
	}
	if st := ob.Stats(); st.Totals.Delivered != n || st.Dead != 0 {
		t.Errorf("stats %+v; want %d delivered, none dead", st.Totals, n)
	}
}

func TestBadRequestGoesToDeadLetters(t *testing.T) {
	dst := newDestination(t, func(int, received) (int, http.Header, string) {
		return 400, nil, `{"error":{"message":"Invalid parameter: event_time too old"}}`
	})
	ob := openTest(t, filepath.Join(t.TempDir(), "outbox.db"), nil)
	d := ob.Bind(Binding{Inner: plainHTTP(t), Policies: map[string]Policy{"Meta": fast}})

	resp, err := send(t, d, "Meta", dst.URL+"/events", `{"event_id":"x1"}`)
	if err != nil || resp.StatusCode != 400 {
		t.Fatalf("template saw %v, %v; want 400", resp, err)
	}
	st := ob.Stats()
	if st.Pending != 0 || st.Dead != 1 {
		t.Fatalf("stats %+v; want 0 pending, 1 dead", st)
	}
	list, err := ob.List(Filter{State: Dead})
	if err != nil || len(list) != 1 {
		t.Fatalf("List = %v, %v", list, err)
	}
	it, err := ob.Get(list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if it.Reason != "status 400 is not retryable" || it.LastStatus != 400 || !strings.Contains(it.LastResponse, "event_time too old") || it.Attempts != 1 {
		t.Errorf("dead letter = reason %q, status %d, response %q, attempts %d", it.Reason, it.LastStatus, it.LastResponse, it.Attempts)
	}
	if string(it.Body) != `{"event_id":"x1"}` || it.Tag != "Meta" || it.Method != "POST" {
		t.Errorf("dead letter lost the request: %+v", it)
	}
	if got := len(dst.requests()); got != 1 {
		t.Errorf("destination got %d requests, want 1", got)
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	dst := newDestination(t, func(n int, _ received) (int, http.Header, string) {
		if n == 0 {
			return 429, http.Header{"Retry-After": {"1"}}, "slow down"
		}
		return 200, nil, "ok"
	})
	ob := openTest(t, filepath.Join(t.TempDir(), "outbox.db"), func(o *Options) { o.Jitter = func() float64 { return 0 } })
	d := ob.Bind(Binding{Inner: plainHTTP(t), Policies: map[string]Policy{"GA4": fast}})

	resp, err := send(t, d, "GA4", dst.URL+"/mp/collect", `{"a":1}`)
	if err != nil || resp.StatusCode != 429 {
		t.Fatalf("template saw %v, %v; want 429", resp, err)
	}
	list, _ := ob.List(Filter{State: Pending})
	if len(list) != 1 {
		t.Fatalf("pending = %v", list)
	}
	if wait := list[0].NotBefore.Sub(list[0].Created); wait < time.Second {
		t.Errorf("next attempt scheduled %s after the first; Retry-After asked for 1s", wait)
	}
	waitFor(t, "delivery", func() bool { return ob.Stats().Totals.Delivered == 1 })
	got := dst.requests()
	if len(got) != 2 {
		t.Fatalf("destination got %d requests, want 2", len(got))
	}
	if gap := got[1].At.Sub(got[0].At); gap < time.Second {
		t.Errorf("retried %s after a 429 with Retry-After: 1", gap)
	}
}

func TestMaxAttemptsEndsInDeadLetter(t *testing.T) {
	dst := newDestination(t, func(int, received) (int, http.Header, string) { return 500, nil, "boom" })
	ob := openTest(t, filepath.Join(t.TempDir(), "outbox.db"), nil)
	p := fast
	p.MaxAttempts = 3
	d := ob.Bind(Binding{Inner: plainHTTP(t), Policies: map[string]Policy{"T": p}})
	if _, err := send(t, d, "T", dst.URL+"/x", "b"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the dead letter", func() bool { return ob.Stats().Dead == 1 })
	list, _ := ob.List(Filter{})
	if len(list) != 1 || list[0].Attempts != 3 || !strings.HasPrefix(list[0].Reason, "gave up after 3 attempts") || list[0].LastStatus != 500 {
		t.Fatalf("items = %+v", list)
	}
	if got := len(dst.requests()); got != 3 {
		t.Errorf("destination got %d requests, want 3", got)
	}
}

// What is stored is the request as really sent: the redirect target, the User-Agent and
// X-Tagd-Original-Url the dispatcher adds, every header, the body bytes.
func TestRetryIsByteExactAfterRedirect(t *testing.T) {
	capture := newDestination(t, status(502))
	inner, err := runtime.NewHTTPDispatcher(capture.URL+"/capture", 0, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// The default Sender has the SSRF guard, which refuses 127.0.0.1; a redirected request
	// goes through RedirectSender, unguarded like its first attempt.
	ob := openTest(t, filepath.Join(t.TempDir(), "outbox.db"), func(o *Options) { o.Sender = nil })
	d := ob.Bind(Binding{Inner: inner, Policies: map[string]Policy{"Meta": fast}})
	body := "{\"data\":[{\"event_id\":\"é\\u0000\"}]}\x00\xff"
	h := http.Header{"Content-Type": {"application/json"}, "X-Multi": {"a", "b"}, "Authorization": {"Bearer t0k"}}
	_, err = d.Do(context.Background(), &runtime.OutboundRequest{Method: "PUT", URL: "https://graph.facebook.com/v19.0/123/events?access_token=abc&x=%2F", Header: h, Body: []byte(body), Source: "Meta"})
	if err != nil {
		t.Fatal(err)
	}
	capture.setAnswer(status(200))
	waitFor(t, "delivery", func() bool { return ob.Stats().Totals.Delivered == 1 })
	got := capture.requests()
	first, last := got[0], got[len(got)-1]
	if diff := cmp.Diff(first, last, ignoreOutcome); diff != "" {
		t.Errorf("retry differs from the first attempt (-first +retry):\n%s", diff)
	}
	if last.URL != "/capture/v19.0/123/events?access_token=abc&x=%2F" || last.Header.Get("X-Tagd-Original-Url") == "" || last.Body != body {
		t.Errorf("retry = %+v", last)
	}
}

var ignoreOutcome = cmp.FilterPath(func(p cmp.Path) bool {
	s := p.Last().String()
	return s == ".At" || s == ".Status"
}, cmp.Ignore())

func TestPassThroughWithoutPolicy(t *testing.T) {
	dst := newDestination(t, status(503))
	path := filepath.Join(t.TempDir(), "sub", "outbox.db")
	ob := openTest(t, path, nil)
	d := ob.Bind(Binding{Inner: plainHTTP(t), Policies: map[string]Policy{"Other": fast}})
	resp, err := send(t, d, "Lookup variable", dst.URL, "x")
	if err != nil || resp.StatusCode != 503 {
		t.Fatalf("got %v, %v", resp, err)
	}
	if st := ob.Stats(); st.Pending != 0 || st.Dead != 0 {
		t.Errorf("a request without a policy was stored: %+v", st)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("store file exists although nothing was stored (%v)", err)
	}
	if list, err := ob.List(Filter{}); err != nil || len(list) != 0 {
		t.Errorf("List on a missing store = %v, %v", list, err)
	}
}

func TestSurvivesCloseAndReopen(t *testing.T) {
	dst := newDestination(t, status(503))
	path := filepath.Join(t.TempDir(), "outbox.db")
	ob, err := Open(Options{Path: path, Logger: quietLogger(), Sender: unguarded})
	if err != nil {
		t.Fatal(err)
	}
	slow := Policy{MaxAttempts: 100, MaxAge: time.Hour, BaseDelay: time.Hour, MaxDelay: time.Hour}
	d := ob.Bind(Binding{Inner: plainHTTP(t), Policies: map[string]Policy{"T": slow}})
	for i := range 5 {
		if _, err := send(t, d, "T", dst.URL+"/p", fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := ob.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := send(t, d, "T", dst.URL+"/p", "after close"); err != nil {
		t.Fatal(err) // the template still gets its outcome; the log says it was not stored
	}

	ro := openTest(t, path, func(o *Options) { o.ReadOnly = true })
	if st := ro.Stats(); st.Pending != 5 || st.Hosts[strings.TrimPrefix(dst.URL, "http://")] != 5 {
		t.Fatalf("after reopen: %+v", st)
	}
	if err := ro.Drop(1); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Drop on a read-only store: %v", err)
	}
	_ = ro.Close(context.Background())

	// Replaying everything makes it due now; the new outbox delivers it.
	dst.setAnswer(status(200))
	ob2 := openTest(t, path, nil)
	for _, s := range mustList(t, ob2, Filter{}) {
		if _, err := ob2.Replay(s.ID); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "delivery after reopen", func() bool { return ob2.Stats().Pending == 0 })
	var bodies []string
	for _, r := range dst.requests()[6:] {
		bodies = append(bodies, r.Body)
	}
	if diff := cmp.Diff([]string{"0", "1", "2", "3", "4"}, bodies); diff != "" {
		t.Errorf("delivered after reopen (-want +got):\n%s", diff)
	}
}

func mustList(t *testing.T, ob *Outbox, f Filter) []Summary {
	t.Helper()
	l, err := ob.List(f)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestReplayAndDrop(t *testing.T) {
	dst := newDestination(t, status(401))
	ob := openTest(t, filepath.Join(t.TempDir(), "outbox.db"), nil)
	d := ob.Bind(Binding{Inner: plainHTTP(t), Policies: map[string]Policy{"A": fast, "B": fast}})
	for _, tag := range []string{"A", "A", "B"} {
		if _, err := send(t, d, tag, dst.URL+"/"+tag, tag); err != nil {
			t.Fatal(err)
		}
	}
	dead := mustList(t, ob, Filter{State: Dead})
	if len(dead) != 3 {
		t.Fatalf("dead = %+v", dead)
	}
	if err := ob.Drop(dead[2].ID); err != nil {
		t.Fatal(err)
	}
	if err := ob.Drop(dead[2].ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second Drop: %v, want ErrNotFound", err)
	}
	if _, err := ob.Replay(999); !errors.Is(err, ErrNotFound) {
		t.Errorf("Replay(999): %v, want ErrNotFound", err)
	}

	dst.setAnswer(status(200)) // the token was fixed
	n, err := ob.ReplayAll(Filter{Tag: "A"})
	if err != nil || n != 2 {
		t.Fatalf("ReplayAll = %d, %v", n, err)
	}
	waitFor(t, "replayed delivery", func() bool { return ob.Stats().Totals.Delivered == 2 })
	st := ob.Stats()
	if st.Dead != 0 || st.Pending != 0 || st.Totals.Replayed != 2 || st.Totals.Dropped != 1 {
		t.Errorf("stats = %+v", st)
	}
}

func TestReplayedRequestFollowsItsPolicyAgain(t *testing.T) {
	dst := newDestination(t, status(500))
	ob := openTest(t, filepath.Join(t.TempDir(), "outbox.db"), nil)
	p := fast
	p.MaxAttempts = 2
	d := ob.Bind(Binding{Inner: plainHTTP(t), Policies: map[string]Policy{"T": p}})
	if _, err := send(t, d, "T", dst.URL, "x"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "dead letter", func() bool { return ob.Stats().Dead == 1 })
	id := mustList(t, ob, Filter{})[0].ID
	it, err := ob.Replay(id)
	if err != nil || it.Attempts != 0 || it.Replays != 1 || it.State != Pending {
		t.Fatalf("Replay = %+v, %v", it, err)
	}
	waitFor(t, "dead letter again", func() bool { return ob.Stats().Dead == 1 && ob.Stats().Pending == 0 })
	if got := len(dst.requests()); got != 4 {
		t.Errorf("destination got %d requests, want 2 + 2 after the replay", got)
	}
}

func TestFullQueueRefusesAndReportsBackpressure(t *testing.T) {
	dst := newDestination(t, status(503))
	ob := openTest(t, filepath.Join(t.TempDir(), "outbox.db"), nil)
	d := ob.Bind(Binding{Inner: plainHTTP(t), Policies: map[string]Policy{"T": fast}, MaxQueueBytes: 1, RejectWhenFull: true, FullRetryAfter: 7 * time.Second})
	if full, _ := d.Backpressure(); full {
		t.Fatal("full before anything was queued")
	}
	for i := range 3 {
		resp, err := send(t, d, "T", dst.URL, fmt.Sprint(i))
		if err != nil || resp.StatusCode != 503 {
			t.Fatalf("request %d: template saw %v, %v", i, resp, err)
		}
	}
	st := ob.Stats()
	if st.Pending != 1 || st.Totals.NotQueued != 2 {
		t.Errorf("stats = %+v; want 1 pending and 2 not queued", st)
	}
	full, after := d.Backpressure()
	if !full || after != 7*time.Second {
		t.Errorf("Backpressure = %v, %s; want true, 7s", full, after)
	}
	quiet := ob.Bind(Binding{Inner: plainHTTP(t), Policies: map[string]Policy{"T": fast}, MaxQueueBytes: 1})
	if full, _ := quiet.Backpressure(); full {
		t.Error("Backpressure without RejectWhenFull reported full")
	}
	if full, why := quiet.Full(); !full || !strings.Contains(why, "max_queue_bytes is 1") {
		t.Errorf("Full = %v, %q", full, why)
	}

	// The engine answers 503 with Retry-After while the outbox is full.
	c := &runtime.Container{Env: &runtime.Env{HTTP: d}, Triggers: map[string]*runtime.Trigger{}, Variables: map[string]*runtime.VariableBinding{}}
	e := runtime.NewEngine(c, quietLogger())
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest("GET", "/g/collect?v=2", nil))
	if rec.Code != 503 || rec.Header().Get("Retry-After") != "7" {
		t.Errorf("engine answered %d, Retry-After %q; want 503, 7", rec.Code, rec.Header().Get("Retry-After"))
	}
}

func TestStoreFailureReportsFullUntilAWriteWorks(t *testing.T) {
	ob := openTest(t, filepath.Join(t.TempDir(), "outbox.db"), nil)
	d := ob.Bind(Binding{Inner: plainHTTP(t), Policies: map[string]Policy{"T": fast}, RejectWhenFull: true})
	ob.storeFailed(errors.New("write outbox.db: no space left on device"))
	full, why := d.Full()
	if !full || !strings.Contains(why, "no space left on device") {
		t.Fatalf("Full = %v, %q", full, why)
	}
	if st := ob.Stats(); !strings.Contains(st.StoreError, "no space") {
		t.Errorf("Stats.StoreError = %q", st.StoreError)
	}
	// The probe's write succeeds (the disk has room again), which clears the state.
	waitFor(t, "the probe to clear the store error", func() bool { f, _ := d.Full(); return !f })
}

func TestOrderedPolicyQueuesBehindBacklog(t *testing.T) {
	dst := newDestination(t, status(503))
	ob := openTest(t, filepath.Join(t.TempDir(), "outbox.db"), nil)
	p := fast
	p.Ordered = true
	p.BaseDelay, p.MaxDelay = 50*time.Millisecond, 50*time.Millisecond
	d := ob.Bind(Binding{Inner: plainHTTP(t), Policies: map[string]Policy{"T": p}})
	if resp, err := send(t, d, "T", dst.URL, "first"); err != nil || resp.StatusCode != 503 {
		t.Fatalf("first: %v, %v", resp, err)
	}
	dst.setAnswer(status(200))
	seen := len(dst.requests())
	_, err := send(t, d, "T", dst.URL, "second")
	if !errors.Is(err, runtime.ErrOutboundFailed) || !strings.Contains(err.Error(), "queued behind 1 earlier requests") {
		t.Fatalf("second: %v", err)
	}
	waitFor(t, "drain", func() bool { return ob.Stats().Pending == 0 })
	var bodies []string
	for _, r := range dst.requests()[seen:] {
		bodies = append(bodies, r.Body)
	}
	if diff := cmp.Diff([]string{"first", "second"}, bodies); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}

func TestUnreadableRecordBecomesDeadLetter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketDead, bucketMeta} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		p, _ := tx.CreateBucketIfNotExists(bucketPending)
		hb, _ := p.CreateBucketIfNotExists([]byte("vendor.example"))
		return hb.Put(itemKey(7), []byte("{not json"))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	ob := openTest(t, path, nil)
	waitFor(t, "the record to move", func() bool { return ob.Stats().Dead == 1 })
	it, err := ob.Get(7)
	if err != nil || !strings.HasPrefix(it.Reason, "unreadable record") || string(it.Body) != "{not json" {
		t.Errorf("Get(7) = %+v, %v", it, err)
	}
	if _, err := ob.Replay(7); err == nil || !strings.Contains(err.Error(), "cannot be replayed") {
		t.Errorf("Replay of an unreadable record: %v", err)
	}
}

func TestDeadLettersAreEvictedOldestFirst(t *testing.T) {
	dst := newDestination(t, status(400))
	var evicted []uint64
	var mu sync.Mutex
	ob := openTest(t, filepath.Join(t.TempDir(), "outbox.db"), func(o *Options) {
		o.MaxDeadBytes = 1200
		o.Observe = func(ob Observation) {
			if ob.Kind == "evicted" {
				mu.Lock()
				evicted = append(evicted, ob.ID)
				mu.Unlock()
			}
		}
	})
	d := ob.Bind(Binding{Inner: plainHTTP(t), Policies: map[string]Policy{"T": fast}})
	for i := range 6 {
		if _, err := send(t, d, "T", dst.URL, strings.Repeat("x", 100)+fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
	st := ob.Stats()
	if st.DeadBytes > 1200 || st.Dead == 0 || st.Dead >= 6 || int(st.Totals.Evicted) != 6-st.Dead {
		t.Fatalf("stats = %+v", st)
	}
	left := mustList(t, ob, Filter{State: Dead})
	mu.Lock()
	defer mu.Unlock()
	if len(evicted) == 0 || evicted[0] != 1 || left[0].ID <= evicted[len(evicted)-1] {
		t.Errorf("evicted %v, left %v: want the oldest gone first", evicted, left)
	}
}

func TestCloseWaitsForFirstAttempts(t *testing.T) {
	release := make(chan struct{})
	dst := newDestination(t, func(int, received) (int, http.Header, string) {
		<-release
		return 503, nil, ""
	})
	path := filepath.Join(t.TempDir(), "outbox.db")
	ob, err := Open(Options{Path: path, Logger: quietLogger(), Sender: unguarded})
	if err != nil {
		t.Fatal(err)
	}
	d := ob.Bind(Binding{Inner: plainHTTP(t), Policies: map[string]Policy{"T": fast}})
	sent := make(chan struct{})
	go func() {
		_, _ = send(t, d, "T", dst.URL, "in flight")
		close(sent)
	}()
	waitFor(t, "the first attempt to arrive", func() bool { dst.mu.Lock(); defer dst.mu.Unlock(); return dst.seen == 1 })
	closed := make(chan error)
	go func() { closed <- ob.Close(context.Background()) }()
	close(release)
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	<-sent
	ro := openTest(t, path, func(o *Options) { o.ReadOnly = true })
	if st := ro.Stats(); st.Pending != 1 {
		t.Errorf("the in-flight request was not stored before Close returned: %+v", st)
	}
}

// Retries go through the guarded sender: a destination the SSRF guard refuses becomes a dead
// letter instead of being reached by the background worker.
func TestRetriesKeepTheSSRFGuard(t *testing.T) {
	dst := newDestination(t, status(503))
	ob := openTest(t, filepath.Join(t.TempDir(), "outbox.db"), func(o *Options) { o.Sender = nil })
	d := ob.Bind(Binding{Inner: plainHTTP(t), Policies: map[string]Policy{"T": fast}})
	if _, err := send(t, d, "T", dst.URL, "x"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the dead letter", func() bool { return ob.Stats().Dead == 1 })
	it := mustList(t, ob, Filter{State: Dead})[0]
	if !strings.Contains(it.Reason, "not allowed") || it.Attempts != 2 {
		t.Errorf("dead letter = %+v", it)
	}
	if got := len(dst.requests()); got != 1 {
		t.Errorf("destination got %d requests; the guarded retry must not reach it", got)
	}
}
