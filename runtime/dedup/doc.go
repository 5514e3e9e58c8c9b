// Package dedup is tagd's runtime-level deduplication window: it remembers the idempotency
// keys of events (event_id, transaction_id) for a TTL so that a second copy of the same
// event, for example a purchase sent both from the browser and from the server, can be
// recognised ("Is Duplicate", first_copy_only triggers) and reported in the event result.
//
// Stores: Memory (per process, bounded) and Disk (a bbolt file that survives restarts).
//
// It imports runtime (Event, DedupResult) and bbolt. It must not import config, the
// sandbox, clients, tags, the loader or the server.
package dedup
