package config

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Delivery is the [delivery] table: the outbox that stores tag requests whose first attempt
// failed and retries them. Zero values mean the defaults, so a config without [delivery]
// has a zero Delivery.
type Delivery struct {
	// Store is the outbox file; a relative path is under server.data_dir.
	Store string `json:"store,omitempty"`
	// Retry is the policy of tags without their own retry key: "default" (the values
	// below) or "none". "" means "default".
	Retry string `json:"retry,omitempty"`
	// The default policy; zero fields take the Default* constants.
	MaxAttempts int           `json:"max_attempts,omitempty"`
	MaxAge      time.Duration `json:"max_age,omitempty"`
	BaseDelay   time.Duration `json:"base_delay,omitempty"`
	MaxDelay    time.Duration `json:"max_delay,omitempty"`
	Ordered     bool          `json:"ordered,omitempty"`
	// MaxQueueBytes caps the pending requests on disk; MaxDeadBytes caps dead letters (the
	// oldest are evicted beyond it).
	MaxQueueBytes int64 `json:"max_queue_bytes,omitempty"`
	MaxDeadBytes  int64 `json:"max_dead_bytes,omitempty"`
	// RejectWhenFull answers new inbound requests with 503 and Retry-After: FullRetryAfter
	// while the outbox is full or its disk fails.
	RejectWhenFull bool          `json:"reject_when_full,omitempty"`
	FullRetryAfter time.Duration `json:"full_retry_after,omitempty"`
}

// Retry modes of [delivery] retry and a tag's retry key.
const (
	RetryDefault = "default"
	RetryNone    = "none"
	RetryCustom  = "custom" // the tag's retry key is a table
)

// Delivery and dedup defaults.
const (
	DefaultDeliveryStore    = "outbox.db"
	DefaultRetryMaxAttempts = 20
	DefaultRetryMaxAge      = 72 * time.Hour
	DefaultRetryBaseDelay   = time.Second
	DefaultRetryMaxDelay    = 10 * time.Minute
	DefaultMaxQueueBytes    = 256 << 20
	DefaultMaxDeadBytes     = 256 << 20
	DefaultFullRetryAfter   = 30 * time.Second

	DedupMemory         = "memory"
	DedupDisk           = "disk"
	DefaultDedupTTL     = 48 * time.Hour
	DefaultDedupPath    = "dedup.db"
	DefaultDedupMaxKeys = 1_000_000
)

// DefaultDedupKeys are the event fields tried, in order, as an event's idempotency key.
var DefaultDedupKeys = []string{"event_id", "transaction_id"}

// RetryPolicy is a resolved retry policy.
type RetryPolicy struct {
	MaxAttempts int
	MaxAge      time.Duration
	BaseDelay   time.Duration
	MaxDelay    time.Duration
	Ordered     bool
}

// Retry is a tag's retry key: "none", "default", or a table (Mode RetryCustom) whose zero
// fields take [delivery]'s values.
type Retry struct {
	Mode        string        `json:"mode"`
	MaxAttempts int           `json:"max_attempts,omitempty"`
	MaxAge      time.Duration `json:"max_age,omitempty"`
	BaseDelay   time.Duration `json:"base_delay,omitempty"`
	MaxDelay    time.Duration `json:"max_delay,omitempty"`
	Ordered     bool          `json:"ordered,omitempty"`
}

// StorePath is the outbox file for data directory dataDir.
func (d Delivery) StorePath(dataDir string) string {
	return underDataDir(dataDir, d.Store, DefaultDeliveryStore)
}

func underDataDir(dataDir, p, def string) string {
	if p == "" {
		p = def
	}
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	if dataDir == "" {
		dataDir = DefaultDataDir
	}
	return filepath.Join(dataDir, p)
}

// QueueBytes is MaxQueueBytes with the default applied.
func (d Delivery) QueueBytes() int64 { return orDefault(d.MaxQueueBytes, DefaultMaxQueueBytes) }

// DeadBytes is MaxDeadBytes with the default applied.
func (d Delivery) DeadBytes() int64 { return orDefault(d.MaxDeadBytes, DefaultMaxDeadBytes) }

// RetryAfterWhenFull is FullRetryAfter with the default applied.
func (d Delivery) RetryAfterWhenFull() time.Duration {
	return orDefault(d.FullRetryAfter, DefaultFullRetryAfter)
}

// Policy is the default policy: [delivery]'s values with the defaults applied.
func (d Delivery) Policy() RetryPolicy {
	return RetryPolicy{
		MaxAttempts: orDefault(d.MaxAttempts, DefaultRetryMaxAttempts),
		MaxAge:      orDefault(d.MaxAge, DefaultRetryMaxAge),
		BaseDelay:   orDefault(d.BaseDelay, DefaultRetryBaseDelay),
		MaxDelay:    orDefault(d.MaxDelay, DefaultRetryMaxDelay),
		Ordered:     d.Ordered,
	}
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// TagRetry is t's resolved policy; ok is false when t's requests are not retried.
func (c *Config) TagRetry(t *Tag) (p RetryPolicy, ok bool) {
	mode := c.Delivery.Retry
	if t.Retry != nil {
		mode = t.Retry.Mode
	}
	switch mode {
	case RetryNone:
		return RetryPolicy{}, false
	case RetryCustom:
		p = c.Delivery.Policy()
		r := t.Retry
		p.MaxAttempts = orDefault(r.MaxAttempts, p.MaxAttempts)
		p.MaxAge = orDefault(r.MaxAge, p.MaxAge)
		p.BaseDelay = orDefault(r.BaseDelay, p.BaseDelay)
		p.MaxDelay = orDefault(r.MaxDelay, p.MaxDelay)
		p.Ordered = p.Ordered || r.Ordered
		return p, true
	}
	return c.Delivery.Policy(), true
}

// Dedup is the [dedup] table: the window that recognises copies of an event by its
// event_id or transaction_id. Zero values mean the defaults.
type Dedup struct {
	// Enabled is nil when neither [dedup] nor enabled was written: deduplication is then on
	// only if a trigger needs it (first_copy_only, or a condition on "Is Duplicate").
	Enabled *bool         `json:"enabled,omitempty"`
	TTL     time.Duration `json:"ttl,omitempty"`
	Store   string        `json:"store,omitempty"` // memory | disk
	Path    string        `json:"path,omitempty"`  // disk: file, relative to server.data_dir
	Keys    []string      `json:"keys,omitempty"`
	MaxKeys int           `json:"max_keys,omitempty"` // memory: most keys kept
}

// Window is TTL with the default applied.
func (d Dedup) Window() time.Duration { return orDefault(d.TTL, DefaultDedupTTL) }

// StoreKind is Store with the default applied.
func (d Dedup) StoreKind() string { return orDefault(d.Store, DedupMemory) }

// StorePath is the disk store's file for data directory dataDir.
func (d Dedup) StorePath(dataDir string) string {
	return underDataDir(dataDir, d.Path, DefaultDedupPath)
}

// KeyFields is Keys with the default applied.
func (d Dedup) KeyFields() []string {
	if len(d.Keys) == 0 {
		return slices.Clone(DefaultDedupKeys)
	}
	return slices.Clone(d.Keys)
}

// Capacity is MaxKeys with the default applied.
func (d Dedup) Capacity() int { return orDefault(d.MaxKeys, DefaultDedupMaxKeys) }

// DedupOn reports whether events are checked against the dedup window.
func (c *Config) DedupOn() bool {
	if c.Dedup.Enabled != nil {
		return *c.Dedup.Enabled
	}
	return c.usesDedup()
}

// DedupVariable is the built-in variable that is true for a copy of an earlier event.
const DedupVariable = "Is Duplicate"

// usesDedup reports whether any trigger depends on the dedup window.
func (c *Config) usesDedup() bool {
	for _, t := range c.Triggers {
		if t.FirstCopyOnly {
			return true
		}
		for _, cd := range t.Conditions {
			if cd.Variable == DedupVariable {
				return true
			}
		}
	}
	return false
}

func (d *decoder) delivery(t *table, x *Delivery) {
	t.str("store", &x.Store, true)
	t.str("retry", &x.Retry, false)
	x.Retry = strings.ToLower(strings.TrimSpace(x.Retry))
	t.int("max_attempts", &x.MaxAttempts)
	t.duration("max_age", &x.MaxAge, false)
	t.duration("base_delay", &x.BaseDelay, false)
	t.duration("max_delay", &x.MaxDelay, false)
	t.boolean("ordered", &x.Ordered)
	t.integer("max_queue_bytes", &x.MaxQueueBytes)
	t.integer("max_dead_bytes", &x.MaxDeadBytes)
	t.boolean("reject_when_full", &x.RejectWhenFull)
	t.duration("full_retry_after", &x.FullRetryAfter, false)
}

func (d *decoder) dedup(t *table, x *Dedup) {
	if t.m != nil {
		on := true // writing [dedup] turns it on
		t.boolean("enabled", &on)
		x.Enabled = &on
	}
	t.duration("ttl", &x.TTL, false)
	t.str("store", &x.Store, false)
	x.Store = strings.ToLower(strings.TrimSpace(x.Store))
	t.str("path", &x.Path, true)
	t.strList("keys", &x.Keys, false, true)
	t.int("max_keys", &x.MaxKeys)
}

// retry reads a tag's retry key: a string mode or a table.
func (d *decoder) retry(t *table) *Retry {
	v, ok := t.get("retry")
	if !ok {
		return nil
	}
	switch v := v.(type) {
	case string:
		return &Retry{Mode: strings.ToLower(strings.TrimSpace(v))}
	case map[string]any:
		rt := d.table(v, t.where+" retry", t.at("retry")...)
		r := &Retry{Mode: RetryCustom}
		rt.int("max_attempts", &r.MaxAttempts)
		rt.duration("max_age", &r.MaxAge, false)
		rt.duration("base_delay", &r.BaseDelay, false)
		rt.duration("max_delay", &r.MaxDelay, false)
		rt.boolean("ordered", &r.Ordered)
		rt.done()
		return r
	}
	t.typeErr("retry", `"none", "default" or a table`, v)
	return nil
}

func (v *validator) delivery() {
	d := &v.c.Delivery
	line := func(key string) int { return v.keyLine(0, "delivery", key) }
	if d.Retry != "" && d.Retry != RetryDefault && d.Retry != RetryNone {
		v.add(line("retry"), "delivery", "retry %q must be \"default\" or \"none\"", d.Retry)
	}
	for _, n := range []struct {
		key string
		n   int64
	}{{"max_attempts", int64(d.MaxAttempts)}, {"max_queue_bytes", d.MaxQueueBytes}, {"max_dead_bytes", d.MaxDeadBytes}} {
		if n.n < 0 {
			v.add(line(n.key), "delivery", "%s must be positive, not %d", n.key, n.n)
		}
	}
	for _, x := range []struct {
		key string
		d   time.Duration
	}{{"max_age", d.MaxAge}, {"base_delay", d.BaseDelay}, {"max_delay", d.MaxDelay}, {"full_retry_after", d.FullRetryAfter}} {
		if x.d < 0 {
			v.add(line(x.key), "delivery", "%s must be positive, not %s", x.key, x.d)
		}
	}
	if p := d.Policy(); p.BaseDelay > 0 && p.MaxDelay < p.BaseDelay {
		v.add(line("max_delay"), "delivery", "max_delay (%s) must not be less than base_delay (%s)", p.MaxDelay, p.BaseDelay)
	}
	for i := range v.c.Tags {
		v.tagRetry(i)
	}
	v.dedup()
}

func (v *validator) tagRetry(i int) {
	t := &v.c.Tags[i]
	r := t.Retry
	if r == nil {
		return
	}
	w := where("tag", t.Name, i)
	at := func(key ...any) int { return v.keyLine(t.Line, append([]any{"tag", i, "retry"}, key...)...) }
	switch r.Mode {
	case RetryNone, RetryDefault:
		return
	case RetryCustom:
	default:
		v.add(at(), w, "retry %q must be \"none\", \"default\" or a table such as { max_attempts = 10, max_age = \"72h\" }", r.Mode)
		return
	}
	if r.MaxAttempts < 0 {
		v.add(at("max_attempts"), w, "retry.max_attempts must be positive, not %d", r.MaxAttempts)
	}
	for _, x := range []struct {
		key string
		d   time.Duration
	}{{"max_age", r.MaxAge}, {"base_delay", r.BaseDelay}, {"max_delay", r.MaxDelay}} {
		if x.d < 0 {
			v.add(at(x.key), w, "retry.%s must be positive, not %s", x.key, x.d)
		}
	}
	if p, _ := v.c.TagRetry(t); p.BaseDelay > 0 && p.MaxDelay < p.BaseDelay {
		v.add(at("max_delay"), w, "retry: max_delay (%s) must not be less than base_delay (%s)", p.MaxDelay, p.BaseDelay)
	}
}

func (v *validator) dedup() {
	d := &v.c.Dedup
	line := func(key string) int { return v.keyLine(0, "dedup", key) }
	if s := d.Store; s != "" && s != DedupMemory && s != DedupDisk {
		v.add(line("store"), "dedup", "store %q must be %q or %q", s, DedupMemory, DedupDisk)
	}
	if d.TTL < 0 {
		v.add(line("ttl"), "dedup", "ttl must be positive, not %s", d.TTL)
	}
	if d.MaxKeys < 0 {
		v.add(line("max_keys"), "dedup", "max_keys must be positive, not %d", d.MaxKeys)
	}
	if d.Keys != nil && len(d.Keys) == 0 {
		v.add(line("keys"), "dedup", "keys is an empty list (leave it out for %q)", DefaultDedupKeys)
	}
	for i, k := range d.Keys {
		if strings.TrimSpace(k) == "" {
			v.add(v.keyLine(0, "dedup", "keys", i), "dedup", "keys[%d] is empty", i)
		}
	}
	if d.Enabled != nil && !*d.Enabled {
		for i, t := range v.c.Triggers {
			uses := t.FirstCopyOnly
			for _, cd := range t.Conditions {
				uses = uses || cd.Variable == DedupVariable
			}
			if uses {
				v.add(t.Line, where("trigger", t.Name, i), "needs deduplication (first_copy_only or {{%s}}), but [dedup] enabled = false", DedupVariable)
			}
		}
	}
}

// String renders a policy for messages and the CLI.
func (p RetryPolicy) String() string {
	s := fmt.Sprintf("max_attempts=%d max_age=%s base_delay=%s max_delay=%s", p.MaxAttempts, p.MaxAge, p.BaseDelay, p.MaxDelay)
	if p.Ordered {
		s += " ordered"
	}
	return s
}
