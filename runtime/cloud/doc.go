// Package cloud holds the backends behind tagd's Google Cloud APIs (sGTM's Firestore,
// BigQuery and getGoogleAuth): an embedded Firestore-like document store (bbolt file or
// memory), BigQuery tables appended as JSON lines under a data directory, REST clients for
// the real Firestore v1 and BigQuery v2 services, and service-account OAuth tokens.
//
// The sandbox APIs reach the backends through Default, which the loader sets once with
// SetDefault; until then an in-memory set is used (tests and `tagd test`).
//
// It must not import goja, the sandbox, clients, tags or the server: it is plain Go with
// context-aware methods, so it can be tested and reused without a JS runtime. It may import
// the standard library and bbolt.
package cloud
