package config

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const deliveryBase = `
[[trigger]]
name = "Purchase"
event = "purchase"

[[tag]]
name = "Meta"
template = "meta-capi"
triggers = ["Purchase"]
`

func TestDeliveryPolicies(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want map[string]*RetryPolicy // by tag name; nil = not retried
	}{
		{"defaults", deliveryBase, map[string]*RetryPolicy{
			"Meta": {MaxAttempts: 20, MaxAge: 72 * time.Hour, BaseDelay: time.Second, MaxDelay: 10 * time.Minute},
		}},
		{"delivery retry none", "[delivery]\nretry = \"none\"\n" + deliveryBase, map[string]*RetryPolicy{"Meta": nil}},
		{"tag none", deliveryBase + "retry = \"none\"\n", map[string]*RetryPolicy{"Meta": nil}},
		{"tag default over delivery none", "[delivery]\nretry = \"None\"\nmax_attempts = 4\n" + deliveryBase + "retry = \"default\"\n", map[string]*RetryPolicy{
			"Meta": {MaxAttempts: 4, MaxAge: 72 * time.Hour, BaseDelay: time.Second, MaxDelay: 10 * time.Minute},
		}},
		{"tag table inherits the rest", "[delivery]\nbase_delay = \"2s\"\n" + deliveryBase + "retry = { max_age = \"168h\", ordered = true }\n", map[string]*RetryPolicy{
			"Meta": {MaxAttempts: 20, MaxAge: 168 * time.Hour, BaseDelay: 2 * time.Second, MaxDelay: 10 * time.Minute, Ordered: true},
		}},
		{"tag sub-table", deliveryBase + "[tag.retry]\nmax_attempts = 5\nmax_delay = \"1m\"\n", map[string]*RetryPolicy{
			"Meta": {MaxAttempts: 5, MaxAge: 72 * time.Hour, BaseDelay: time.Second, MaxDelay: time.Minute},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseTest(t, tt.src)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]*RetryPolicy{}
			for i := range c.Tags {
				if p, ok := c.TagRetry(&c.Tags[i]); ok {
					got[c.Tags[i].Name] = &p
				} else {
					got[c.Tags[i].Name] = nil
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("policies (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDeliverySettings(t *testing.T) {
	c, err := parseTest(t, `
[server]
data_dir = "/var/lib/tagd"

[delivery]
store = "q/outbox.db"
max_queue_bytes = 1024
reject_when_full = true
full_retry_after = "10s"

[dedup]
ttl = "1h"
store = "disk"
keys = ["x-fb-event_id", "transaction_id"]
`)
	if err != nil {
		t.Fatal(err)
	}
	d := c.Delivery
	if got := d.StorePath(c.Server.DataDir); got != filepath.Join("/var/lib/tagd", "q", "outbox.db") {
		t.Errorf("StorePath = %q", got)
	}
	if d.QueueBytes() != 1024 || d.DeadBytes() != DefaultMaxDeadBytes || !d.RejectWhenFull || d.RetryAfterWhenFull() != 10*time.Second {
		t.Errorf("delivery = %+v", d)
	}
	if !c.DedupOn() || c.Dedup.Window() != time.Hour || c.Dedup.StoreKind() != DedupDisk ||
		c.Dedup.StorePath(c.Server.DataDir) != filepath.Join("/var/lib/tagd", "dedup.db") ||
		!cmp.Equal(c.Dedup.KeyFields(), []string{"x-fb-event_id", "transaction_id"}) {
		t.Errorf("dedup = %+v", c.Dedup)
	}

	// Without [dedup], deduplication is on exactly when a trigger needs it.
	plain, err := parseTest(t, deliveryBase)
	if err != nil {
		t.Fatal(err)
	}
	if plain.DedupOn() {
		t.Error("dedup on without [dedup] or a trigger using it")
	}
	if abs := (Delivery{Store: "/abs/o.db"}).StorePath("/d"); abs != "/abs/o.db" {
		t.Errorf("absolute store = %q", abs)
	}
	first, err := parseTest(t, "[[trigger]]\nname = \"Once\"\nfirst_copy_only = true\n")
	if err != nil {
		t.Fatal(err)
	}
	if !first.DedupOn() || !first.Triggers[0].FirstCopyOnly || first.Dedup.Window() != DefaultDedupTTL || first.Dedup.StoreKind() != DedupMemory {
		t.Errorf("first_copy_only trigger: dedup on %v, %+v", first.DedupOn(), first.Dedup)
	}
	cond, err := parseTest(t, "[[trigger]]\nname = \"Dup\"\n[[trigger.condition]]\nvariable = \"{{Is Duplicate}}\"\noperator = \"equals\"\nvalue = \"true\"\n")
	if err != nil {
		t.Fatal(err)
	}
	if !cond.DedupOn() {
		t.Error("a condition on Is Duplicate did not turn dedup on")
	}
}

func TestDeliveryErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"bad delivery retry", "[delivery]\nretry = \"always\"\n",
			[]string{`c.toml:2: delivery: retry "always" must be "default" or "none"`}},
		{"negative and inverted", "[delivery]\nmax_attempts = -1\nbase_delay = \"1m\"\nmax_delay = \"1s\"\n", []string{
			"c.toml:2: delivery: max_attempts must be positive, not -1",
			"c.toml:4: delivery: max_delay (1s) must not be less than base_delay (1m0s)",
		}},
		{"unknown delivery key", "[delivery]\nmax_atempts = 3\n",
			[]string{`c.toml:2: delivery: unknown key "max_atempts" (did you mean "max_attempts"?)`}},
		{"bad tag retry string", deliveryBase + "retry = \"forever\"\n",
			[]string{`c.toml:10: tag "Meta": retry "forever" must be "none", "default" or a table such as { max_attempts = 10, max_age = "72h" }`}},
		{"bad tag retry type", deliveryBase + "retry = 3\n",
			[]string{`c.toml:10: tag "Meta": retry must be "none", "default" or a table, not an integer`}},
		{"bad tag retry table", deliveryBase + "[tag.retry]\nmax_attempts = -2\nmax_age = \"soon\"\nbase = \"1s\"\n", []string{
			`c.toml:11: tag "Meta": retry.max_attempts must be positive, not -2`,
			`c.toml:12: tag "Meta" retry: max_age: invalid duration "soon" (use a value such as "5s" or "250ms")`,
			`c.toml:13: tag "Meta" retry: unknown key "base"`,
		}},
		{"dedup store", "[dedup]\nstore = \"redis\"\nkeys = []\n", []string{
			`c.toml:2: dedup: store "redis" must be "memory" or "disk"`,
			`c.toml:3: dedup: keys is an empty list (leave it out for ["event_id" "transaction_id"])`,
		}},
		{"dedup disabled but needed", "[dedup]\nenabled = false\n[[trigger]]\nname = \"Once\"\nfirst_copy_only = true\n",
			[]string{`c.toml:3: trigger "Once": needs deduplication (first_copy_only or {{Is Duplicate}}), but [dedup] enabled = false`}},
		{"first_copy_only type", "[[trigger]]\nname = \"Once\"\nfirst_copy_only = \"yes\"\n",
			[]string{`c.toml:3: trigger "Once": first_copy_only must be true or false, not a string`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseTest(t, tt.src)
			if diff := cmp.Diff(tt.want, errLines(t, err)); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}
