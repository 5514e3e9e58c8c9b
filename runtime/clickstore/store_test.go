package clickstore

import (
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2024, 5, 20, 10, 0, 0, 0, time.UTC)

func open(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestClickRoundTripAndPersistence(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	c := Click{
		ID: "abc123", Link: "blue-mug", Time: t0, Campaign: "spring", Affiliate: "34",
		Params: map[string]string{"aff_id": "34"}, IP: "198.51.100.23", UserAgent: "UA/1",
		Referrer: "https://pub.example/", FBCLID: "IwAR", GCLID: "Cj0", TTCLID: "E.C.P",
		Fbc: "fb.1.1.IwAR", Fbp: "fb.1.1.123", Destination: "https://shop.example/?click_id=abc123",
		Expires: t0.Add(24 * time.Hour),
	}
	if err := s.PutClick(c); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Reopened from disk: the record survived the close.
	s2 := open(t, dir)
	got, ok, err := s2.Click("abc123", t0.Add(time.Hour))
	if err != nil || !ok {
		t.Fatalf("Click: ok=%v err=%v", ok, err)
	}
	if d := cmp.Diff(c, got); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
	if _, ok, _ := s2.Click("missing", t0); ok {
		t.Error("unknown id found")
	}
	if _, ok, _ := s2.Click("abc123", t0.Add(24*time.Hour)); ok {
		t.Error("expired click still found")
	}
}

func TestPutClickRejectsBadIDs(t *testing.T) {
	s := open(t, t.TempDir())
	for _, id := range []string{"", string(make([]byte, MaxIDBytes+1))} {
		if err := s.PutClick(Click{ID: id}); err == nil {
			t.Errorf("PutClick(%d-byte id) succeeded", len(id))
		}
	}
	if _, ok, err := s.Click(string(make([]byte, MaxIDBytes+1)), t0); ok || err != nil {
		t.Errorf("over-long lookup: ok=%v err=%v", ok, err)
	}
}

func TestRecordConversionDedup(t *testing.T) {
	s := open(t, t.TempDir())
	k := ConversionKey{ClickID: "c1", Event: "", TransactionID: "T-1"}
	tests := []struct {
		name string
		key  ConversionKey
		at   time.Time
		dup  bool
	}{
		{"first report", k, t0, false},
		{"same key again", k, t0.Add(time.Minute), true},
		{"other transaction", ConversionKey{ClickID: "c1", TransactionID: "T-2"}, t0, false},
		{"other event", ConversionKey{ClickID: "c1", Event: "upsell", TransactionID: "T-1"}, t0, false},
		{"other click", ConversionKey{ClickID: "c2", TransactionID: "T-1"}, t0, false},
		{"after the ttl the key counts again", k, t0.Add(49 * time.Hour), false},
		{"and is then a duplicate once more", k, t0.Add(50 * time.Hour), true},
	}
	for _, tc := range tests {
		dup, err := s.RecordConversion(tc.key, tc.at, 48*time.Hour)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if dup != tc.dup {
			t.Errorf("%s: duplicate = %v, want %v", tc.name, dup, tc.dup)
		}
	}
	if err := s.ForgetConversion(k); err != nil {
		t.Fatal(err)
	}
	if dup, _ := s.RecordConversion(k, t0.Add(51*time.Hour), time.Hour); dup {
		t.Error("a forgotten conversion is still a duplicate")
	}
}

func TestConcurrentReportsExactlyOneFirst(t *testing.T) {
	s := open(t, t.TempDir())
	k := ConversionKey{ClickID: "c", TransactionID: "T"}
	var wg sync.WaitGroup
	var mu sync.Mutex
	firsts := 0
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dup, err := s.RecordConversion(k, t0, time.Hour)
			if err != nil {
				t.Error(err)
				return
			}
			if !dup {
				mu.Lock()
				firsts++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firsts != 1 {
		t.Errorf("%d reports were first, want exactly 1", firsts)
	}
}

func TestSharedHandles(t *testing.T) {
	dir := t.TempDir()
	a, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	// A second open of the same file in the process must not block on bbolt's lock.
	b, err := Open(filepath.Join(dir, "."))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.PutClick(Click{ID: "x", Expires: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, _, err := a.Click("x", t0); !errors.Is(err, ErrClosed) {
		t.Errorf("closed handle: err = %v, want ErrClosed", err)
	}
	// b still works after a was closed.
	if _, ok, err := b.Click("x", t0); !ok || err != nil {
		t.Errorf("other handle after close: ok=%v err=%v", ok, err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	regMu.Lock()
	n := len(registry)
	regMu.Unlock()
	if n != 0 {
		t.Errorf("%d files still open after the last close", n)
	}
}

func TestPurge(t *testing.T) {
	s := open(t, t.TempDir())
	for _, c := range []Click{
		{ID: "old", Expires: t0},
		{ID: "new", Expires: t0.Add(time.Hour)},
	} {
		if err := s.PutClick(c); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.RecordConversion(ConversionKey{ClickID: "old"}, t0.Add(-time.Hour), time.Minute); err != nil {
		t.Fatal(err)
	}
	n, err := s.Purge(t0)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("purged %d records, want 2 (one click, one conversion)", n)
	}
	if _, ok, _ := s.Click("new", t0); !ok {
		t.Error("live click purged")
	}
}

func TestOpenErrors(t *testing.T) {
	if _, err := Open(""); err == nil {
		t.Error("Open(\"\") succeeded")
	}
	// A data dir that is a file cannot hold the store.
	dir := t.TempDir()
	s := open(t, dir)
	if _, err := Open(s.Path()); err == nil {
		t.Error("Open(<file>) succeeded")
	}
}
