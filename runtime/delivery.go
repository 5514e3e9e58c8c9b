package runtime

import (
	"context"
	"time"
)

// Deduper recognises copies of an event (the same event_id or transaction_id within a
// window). runtime/dedup implements it; Env.Dedup is nil when deduplication is off.
type Deduper interface {
	// Check records ev's idempotency key and reports whether ev is a copy; nil means the
	// event has no key.
	Check(ctx context.Context, ev Event) *DedupResult
}

// DedupResult is what the dedup window said about one event; EventResult.Dedup reports it
// and the built-in variable "Is Duplicate" reads it.
type DedupResult struct {
	Field     string    `json:"field"` // event_id, transaction_id...
	Value     string    `json:"value"`
	Duplicate bool      `json:"duplicate"`
	FirstSeen time.Time `json:"first_seen"`
	Error     string    `json:"error,omitempty"` // the store failed; the event counted as first
}

// Backpressurer is implemented by an Env.HTTP dispatcher that can fill up (the outbox):
// while it reports full, the engine answers new requests with 503 and Retry-After.
type Backpressurer interface {
	Backpressure() (full bool, retryAfter time.Duration)
}
