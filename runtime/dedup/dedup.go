package dedup

import (
	"context"
	"crypto/sha256"
	"log/slog"
	"time"

	"github.com/tagd-dev/tagd/runtime"
)

// Store remembers keys for a while.
type Store interface {
	// Remember records key as seen at now until now+ttl, unless an unexpired record exists.
	// It reports whether one existed and when that key was first seen.
	Remember(ctx context.Context, key string, now time.Time, ttl time.Duration) (seen bool, first time.Time, err error)
	// Len is the number of keys held (expired ones may still count until purged).
	Len() int
	Close() error
}

// Defaults.
const (
	DefaultTTL     = 48 * time.Hour
	DefaultMaxKeys = 1_000_000
)

// DefaultKeys are the event fields tried, in order, as the idempotency key.
var DefaultKeys = []string{"event_id", "transaction_id"}

// Deduper checks events against a Store. It implements runtime.Deduper; one is built per
// container generation around the process-wide Store.
type Deduper struct {
	Store  Store
	TTL    time.Duration
	Keys   []string
	Logger *slog.Logger
	Now    func() time.Time
}

// Key returns the idempotency key of ev: its name plus the first of keys that has a
// non-empty value. The name is part of it because a refund carries its purchase's
// transaction_id and must not count as a copy of it.
func Key(ev runtime.Event, keys []string) (field, key string, ok bool) {
	for _, f := range keys {
		v, found := ev.Get(f)
		if !found || v == nil {
			continue
		}
		s := runtime.Stringify(v)
		if s == "" {
			continue
		}
		return f, ev.Name() + "\x00" + f + "\x00" + s, true
	}
	return "", "", false
}

// Check records ev's key and reports whether the event is a copy of one seen within the
// TTL. A store error is logged and the event treated as a first copy: losing an event is
// worse than sending one twice with its idempotency key intact.
func (d *Deduper) Check(ctx context.Context, ev runtime.Event) *runtime.DedupResult {
	keys := d.Keys
	if len(keys) == 0 {
		keys = DefaultKeys
	}
	field, key, ok := Key(ev, keys)
	if !ok || d.Store == nil {
		return nil
	}
	ttl := d.TTL
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	now := time.Now
	if d.Now != nil {
		now = d.Now
	}
	t := now()
	sum := sha256.Sum256([]byte(key)) // fixed size: event values come from outside
	seen, first, err := d.Store.Remember(ctx, string(sum[:]), t, ttl)
	res := &runtime.DedupResult{Field: field, Value: runtime.Stringify(mustGet(ev, field)), Duplicate: seen, FirstSeen: first}
	if err != nil {
		logger := d.Logger
		if logger == nil {
			logger = slog.Default()
		}
		logger.Error("dedup store failed; treating the event as a first copy", "event", ev.Name(), "field", field, "error", err)
		res.Duplicate, res.FirstSeen, res.Error = false, t, err.Error()
	}
	return res
}

func mustGet(ev runtime.Event, path string) any {
	v, _ := ev.Get(path)
	return v
}
