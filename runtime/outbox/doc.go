// Package outbox makes tags' outbound HTTP requests durable. A request whose first attempt
// fails with a retryable outcome (connection error, timeout, 408, 429, 5xx) is written to a
// bbolt file, with fsync, before the template sees that outcome; it is then retried in the
// background with exponential backoff and jitter, honouring Retry-After, until its Policy
// gives up. Requests that can never succeed (other 4xx, or a policy that gave up) become dead
// letters, kept with the last status, response body and reason, which can be listed, shown,
// replayed and dropped.
//
// Work is partitioned by destination host: one worker per host sends that host's queue in
// the order it was queued, so a host that is down is not hammered and its requests arrive in
// order once it returns.
//
// It imports runtime (the Dispatcher it wraps) and bbolt. It must not import config, the
// sandbox, clients, tags, the loader or the server: the loader turns config into Policy and
// Binding values.
package outbox
