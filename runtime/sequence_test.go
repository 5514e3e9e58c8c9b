package runtime

import (
	"context"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSequencing covers setup and teardown tags: order, stop-on-failure, once per event
// and unlimited firing.
func TestSequencing(t *testing.T) {
	purchase := &Trigger{Name: "Purchase", Events: []string{"purchase"}}
	type spec struct {
		name      string
		outcome   Outcome
		fires     bool // has the purchase trigger
		setup     string
		stopSetup bool
		teardown  string
		stopTear  bool
		unlimited bool
		paused    bool
	}
	tests := []struct {
		name     string
		tags     []spec
		order    []string // runs, in order (setup before main before teardown)
		notFired map[string]string
	}{
		{
			name:  "setup, main, teardown in order",
			tags:  []spec{{name: "Main", fires: true, setup: "Setup", teardown: "Teardown"}, {name: "Setup"}, {name: "Teardown"}},
			order: []string{"Setup", "Main", "Teardown"},
		},
		{
			name:     "failed setup stops the main tag and its teardown when asked",
			tags:     []spec{{name: "Main", fires: true, setup: "Setup", stopSetup: true, teardown: "Teardown", stopTear: true}, {name: "Setup", outcome: Failure}, {name: "Teardown"}},
			order:    []string{"Setup"},
			notFired: map[string]string{"Main": `setup tag "Setup" did not succeed`, "Teardown": `tag "Main", which it tears down, did not succeed`},
		},
		{
			name:  "failed setup without stop still fires the main tag",
			tags:  []spec{{name: "Main", fires: true, setup: "Setup"}, {name: "Setup", outcome: Failure}},
			order: []string{"Setup", "Main"},
		},
		{
			name:     "failed main tag skips a stop-on-failure teardown",
			tags:     []spec{{name: "Main", fires: true, outcome: Exception, teardown: "Teardown", stopTear: true}, {name: "Teardown"}},
			order:    []string{"Main"},
			notFired: map[string]string{"Teardown": `tag "Main", which it tears down, did not succeed`},
		},
		{
			name:  "a setup tag shared by two tags runs once per event",
			tags:  []spec{{name: "A", fires: true, setup: "Setup"}, {name: "B", fires: true, setup: "Setup"}, {name: "Setup", fires: true}},
			order: []string{"Setup", "A", "B"},
		},
		{
			name:  "an unlimited setup tag runs for each tag and on its own",
			tags:  []spec{{name: "A", fires: true, setup: "Setup"}, {name: "B", fires: true, setup: "Setup"}, {name: "Setup", fires: true, unlimited: true}},
			order: []string{"Setup", "A", "Setup", "B", "Setup"},
		},
		{
			name:  "a paused setup tag is skipped",
			tags:  []spec{{name: "Main", fires: true, setup: "Setup", stopSetup: true}, {name: "Setup", paused: true}},
			order: []string{"Main"},
		},
		{
			name:  "a tag that is both setup and teardown of another runs once, first",
			tags:  []spec{{name: "Main", fires: true, setup: "Both", teardown: "Both"}, {name: "Both"}},
			order: []string{"Both", "Main"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var order []string
			byName := map[string]*TagBinding{}
			var bindings []*TagBinding
			for _, s := range tt.tags {
				tb := &TagBinding{Name: s.name, Tag: &orderTag{name: s.name, outcome: s.outcome, mu: &mu, order: &order}, Unlimited: s.unlimited, Paused: s.paused}
				if s.fires {
					tb.Firing = []*Trigger{purchase}
				}
				byName[s.name] = tb
				bindings = append(bindings, tb)
			}
			for _, s := range tt.tags {
				if s.setup != "" {
					byName[s.name].Setup = &TagSequence{Tag: byName[s.setup], StopOnFailure: s.stopSetup}
				}
				if s.teardown != "" {
					byName[s.name].Teardown = &TagSequence{Tag: byName[s.teardown], StopOnFailure: s.stopTear}
				}
			}
			res := runOne(t, &Container{Tags: bindings}, Event{"event_name": "purchase"})
			if !sequenceOK(order, tt.order) {
				t.Errorf("runs %v, want %v (as a partial order: setup before main before teardown)", order, tt.order)
			}
			if len(res.Tags) != len(tt.order) {
				t.Errorf("%d results, want %d: %+v", len(res.Tags), len(tt.order), res.Tags)
			}
			got := map[string]string{}
			for _, n := range res.NotFired {
				if !strings.HasPrefix(n.Reason, "trigger") && n.Reason != "no firing trigger" && n.Reason != "paused" {
					got[n.Name] = n.Reason
				}
			}
			want := tt.notFired
			if want == nil {
				want = map[string]string{}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("not fired (-want +got):\n%s", diff)
			}
		})
	}
}

// sequenceOK checks that got runs the same tags as want and keeps want's order between
// tags that depend on each other. Independent tags run concurrently, so only the
// multiset and the dependency order are compared: here every test lists dependencies in
// order and independent tags sorted.
func sequenceOK(got, want []string) bool {
	a, b := append([]string(nil), got...), append([]string(nil), want...)
	sort.Strings(a)
	sort.Strings(b)
	if !cmp.Equal(a, b) {
		return false
	}
	// Setup tags must come before their main tags: the first occurrence of each name in
	// want before the first occurrence of the next distinct name that depends on it is
	// checked by position of first occurrence.
	first := func(list []string, n string) int {
		for i, x := range list {
			if x == n {
				return i
			}
		}
		return -1
	}
	for i := 0; i+1 < len(want); i++ {
		x, y := want[i], want[i+1]
		if dependent(x, y) && first(got, x) > first(got, y) {
			return false
		}
	}
	return true
}

// dependent reports whether the test names x and y are in a setup/main/teardown relation.
func dependent(x, y string) bool {
	rel := map[[2]string]bool{
		{"Setup", "Main"}: true, {"Main", "Teardown"}: true, {"Setup", "A"}: true, {"Setup", "B"}: true,
		{"Both", "Main"}: true,
	}
	return rel[[2]string{x, y}]
}

type orderTag struct {
	name    string
	outcome Outcome
	mu      *sync.Mutex
	order   *[]string
}

func (o *orderTag) Fire(_ context.Context, f *Firing) {
	o.mu.Lock()
	*o.order = append(*o.order, o.name)
	o.mu.Unlock()
	out := o.outcome
	if out == "" {
		out = Success
	}
	f.Done(out, nil)
}
