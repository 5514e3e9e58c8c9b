package dedup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tagd-dev/tagd/runtime"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestKey(t *testing.T) {
	tests := []struct {
		name      string
		ev        runtime.Event
		wantField string
		wantKey   string
		wantOK    bool
	}{
		{"event_id", runtime.Event{"event_name": "purchase", "event_id": "e1", "transaction_id": "T1"}, "event_id", "purchase\x00event_id\x00e1", true},
		{"transaction_id when no event_id", runtime.Event{"event_name": "purchase", "transaction_id": "T1"}, "transaction_id", "purchase\x00transaction_id\x00T1", true},
		{"empty event_id is skipped", runtime.Event{"event_name": "purchase", "event_id": "", "transaction_id": "T1"}, "transaction_id", "purchase\x00transaction_id\x00T1", true},
		{"numeric transaction_id", runtime.Event{"event_name": "purchase", "transaction_id": float64(1001)}, "transaction_id", "purchase\x00transaction_id\x001001", true},
		{"no key", runtime.Event{"event_name": "page_view"}, "", "", false},
		{"null key", runtime.Event{"event_name": "page_view", "event_id": nil}, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, k, ok := Key(tt.ev, DefaultKeys)
			if f != tt.wantField || k != tt.wantKey || ok != tt.wantOK {
				t.Errorf("Key = %q, %q, %v; want %q, %q, %v", f, k, ok, tt.wantField, tt.wantKey, tt.wantOK)
			}
		})
	}
	// A refund carries its purchase's transaction_id and is not a copy of it.
	_, a, _ := Key(runtime.Event{"event_name": "purchase", "transaction_id": "T1"}, DefaultKeys)
	_, b, _ := Key(runtime.Event{"event_name": "refund", "transaction_id": "T1"}, DefaultKeys)
	if a == b {
		t.Error("purchase and refund with one transaction_id share a key")
	}
}

// storeContract runs the behaviour every Store must have.
func storeContract(t *testing.T, s Store) {
	ctx := context.Background()
	seen, first, err := s.Remember(ctx, "k1", t0, time.Hour)
	if err != nil || seen || !first.Equal(t0) {
		t.Fatalf("first Remember = %v, %v, %v", seen, first, err)
	}
	seen, first, err = s.Remember(ctx, "k1", t0.Add(30*time.Minute), time.Hour)
	if err != nil || !seen || !first.Equal(t0) {
		t.Fatalf("copy within the window = %v, %v, %v; want seen, first %v", seen, first, err, t0)
	}
	seen, _, err = s.Remember(ctx, "k2", t0.Add(30*time.Minute), time.Hour)
	if err != nil || seen {
		t.Fatalf("another key = %v, %v", seen, err)
	}
	later := t0.Add(61 * time.Minute)
	seen, first, err = s.Remember(ctx, "k1", later, time.Hour)
	if err != nil || seen || !first.Equal(later) {
		t.Fatalf("after the window = %v, %v, %v; want a new first copy", seen, first, err)
	}

	// Concurrent copies: exactly one is the first.
	var firsts atomic.Int32
	var wg sync.WaitGroup
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			seen, _, err := s.Remember(ctx, "race", t0, time.Hour)
			if err != nil {
				t.Error(err)
			}
			if !seen {
				firsts.Add(1)
			}
		}()
	}
	wg.Wait()
	if n := firsts.Load(); n != 1 {
		t.Errorf("%d concurrent copies counted as first, want 1", n)
	}
}

func TestMemoryStore(t *testing.T) { storeContract(t, NewMemory(0)) }

func TestDiskStore(t *testing.T) {
	s, err := OpenDisk(filepath.Join(t.TempDir(), "d", "dedup.db"), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storeContract(t, s)
}

func TestDiskStoreSurvivesRestartAndPurges(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dedup.db")
	s, err := OpenDisk(path, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range 3 {
		if _, _, err := s.Remember(ctx, fmt.Sprint("k", i), t0, time.Duration(i+1)*time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = OpenDisk(path, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if seen, first, _ := s.Remember(ctx, "k0", t0.Add(time.Minute), time.Hour); !seen || !first.Equal(t0) {
		t.Errorf("after a restart: seen %v, first %v", seen, first)
	}
	n, err := s.Purge(t0.Add(90 * time.Minute))
	if err != nil || n != 1 || s.Len() != 2 {
		t.Errorf("Purge = %d, %v; %d keys left, want 1 purged and 2 left", n, err, s.Len())
	}
}

func TestMemoryStoreEvictsOldestWhenFull(t *testing.T) {
	m := NewMemory(2)
	ctx := context.Background()
	for i, k := range []string{"a", "b", "c"} {
		if seen, _, _ := m.Remember(ctx, k, t0.Add(time.Duration(i)*time.Second), time.Hour); seen {
			t.Fatalf("%s seen", k)
		}
	}
	if m.Len() != 2 || m.Evicted() != 1 {
		t.Errorf("Len %d, Evicted %d; want 2, 1", m.Len(), m.Evicted())
	}
	if seen, _, _ := m.Remember(ctx, "c", t0.Add(5*time.Second), time.Hour); !seen {
		t.Error("newest key was evicted")
	}
	if seen, _, _ := m.Remember(ctx, "a", t0.Add(5*time.Second), time.Hour); seen {
		t.Error("oldest key was kept")
	}
}

type failingStore struct{ Memory }

func (*failingStore) Remember(context.Context, string, time.Time, time.Duration) (bool, time.Time, error) {
	return false, time.Time{}, errors.New("disk gone")
}

func TestDeduperCheck(t *testing.T) {
	now := t0
	d := &Deduper{Store: NewMemory(0), TTL: time.Hour, Now: func() time.Time { return now }}
	ctx := context.Background()
	if r := d.Check(ctx, runtime.Event{"event_name": "page_view"}); r != nil {
		t.Errorf("event without a key: %+v", r)
	}
	ev := runtime.Event{"event_name": "purchase", "transaction_id": "T-1001"}
	r := d.Check(ctx, ev)
	if r == nil || r.Duplicate || r.Field != "transaction_id" || r.Value != "T-1001" || !r.FirstSeen.Equal(t0) {
		t.Fatalf("first copy: %+v", r)
	}
	now = t0.Add(time.Minute)
	if r := d.Check(ctx, ev); r == nil || !r.Duplicate || !r.FirstSeen.Equal(t0) {
		t.Fatalf("second copy: %+v", r)
	}
	now = t0.Add(2 * time.Hour)
	if r := d.Check(ctx, ev); r.Duplicate {
		t.Fatalf("copy after the TTL: %+v", r)
	}

	bad := &Deduper{Store: &failingStore{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if r := bad.Check(ctx, ev); r == nil || r.Duplicate || r.Error != "disk gone" {
		t.Errorf("store failure: %+v; want a first copy with the error", r)
	}
}
