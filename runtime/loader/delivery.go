package loader

import (
	"fmt"

	"github.com/tagd-dev/tagd/config"
	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/runtime/dedup"
	"github.com/tagd-dev/tagd/runtime/outbox"
)

// outboxBinding wraps this generation's dispatcher with the process-wide outbox: first
// attempts go through inner; tags with a retry policy get their failures stored.
func outboxBinding(cfg *config.Config, ob *outbox.Outbox, inner runtime.Dispatcher) runtime.Dispatcher {
	if ob == nil || inner == nil {
		return inner
	}
	policies := map[string]outbox.Policy{}
	for i := range cfg.Tags {
		t := &cfg.Tags[i]
		if p, ok := cfg.TagRetry(t); ok {
			policies[t.Name] = outbox.Policy{MaxAttempts: p.MaxAttempts, MaxAge: p.MaxAge, BaseDelay: p.BaseDelay, MaxDelay: p.MaxDelay, Ordered: p.Ordered}
		}
	}
	d := cfg.Delivery
	return ob.Bind(outbox.Binding{
		Inner:          inner,
		Policies:       policies,
		MaxQueueBytes:  d.QueueBytes(),
		RejectWhenFull: d.RejectWhenFull,
		FullRetryAfter: d.RetryAfterWhenFull(),
	})
}

// deduper is this generation's dedup check around the process-wide store, or nil when the
// config does not use deduplication. Without a store (tagd check, tests) it gets a fresh
// memory store.
func deduper(cfg *config.Config, o Options) runtime.Deduper {
	if !cfg.DedupOn() {
		return nil
	}
	store := o.DedupStore
	if store == nil {
		store = dedup.NewMemory(cfg.Dedup.Capacity())
	}
	return &dedup.Deduper{Store: store, TTL: cfg.Dedup.Window(), Keys: cfg.Dedup.KeyFields(), Logger: o.Logger}
}

// firstCopyOnly is the condition a first_copy_only trigger adds.
func firstCopyOnly() (runtime.Condition, error) {
	return runtime.NewCondition(config.DedupVariable, runtime.OpEquals, "false", false, false)
}

// RetrySenders builds the dispatchers the outbox sends retries with: guarded refuses what
// the sandbox's SSRF guard refuses (sandbox.allow_private_networks applies); redirect sends
// requests whose URL came from server.outbound_redirect, unguarded like their first attempt.
func RetrySenders(cfg *config.Config) (guarded, redirect runtime.Dispatcher, err error) {
	allow, err := parsePrefixes(cfg.Sandbox.AllowPrivateNetworks)
	if err != nil {
		return nil, nil, fmt.Errorf("sandbox.allow_private_networks: %w", err)
	}
	g, err := runtime.NewHTTPDispatcher("", cfg.Sandbox.MaxResponseBytes, cfg.Sandbox.HTTPTimeout)
	if err != nil {
		return nil, nil, err
	}
	g.Guard(allow)
	r, err := runtime.NewHTTPDispatcher("", cfg.Sandbox.MaxResponseBytes, cfg.Sandbox.HTTPTimeout)
	if err != nil {
		return nil, nil, err
	}
	return g, r, nil
}
