package runtime

import (
	"context"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// seenTag records the event and data each firing saw, then reports its outcome.
type seenTag struct {
	mu      sync.Mutex
	events  []Event
	data    []map[string]any
	outcome Outcome
	order   *[]string
	name    string
}

func (s *seenTag) Fire(_ context.Context, f *Firing) {
	s.mu.Lock()
	s.events = append(s.events, f.EC.Event.Copy())
	s.data = append(s.data, f.Data)
	if s.order != nil {
		*s.order = append(*s.order, s.name)
	}
	s.mu.Unlock()
	out := s.outcome
	if out == "" {
		out = Success
	}
	// Callbacks registered on a tag's derived context reach the event's root.
	f.EC.AddEventCallback(func(string, map[string]any) {})
	f.Done(out, nil)
}

func runOne(t *testing.T, c *Container, ev Event) *EventResult {
	t.Helper()
	x := NewExchange(&Request{Method: "POST", Path: "/collect"}, c)
	if err := x.Claim("test"); err != nil {
		t.Fatal(err)
	}
	res, err := x.RunContainer(context.Background(), ev, RunHooks{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func cond(t *testing.T, variable string, op Operator, value string) Condition {
	t.Helper()
	c, err := NewCondition(variable, op, value, false, false)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestTransformations(t *testing.T) {
	event := Event{
		"event_name":  "purchase",
		"value":       42.0,
		"currency":    "EUR",
		"ip_override": "203.0.113.7",
		"user_data":   map[string]any{"email_address": "a@example.com", "phone_number": "+4930"},
		"items":       []any{map[string]any{"id": "x"}, map[string]any{"id": "y"}},
	}
	all := &Trigger{Name: AllEvents}
	tests := []struct {
		name   string
		tr     []*Transformation
		params map[string]any
		want   Event
		data   map[string]any
	}{
		{
			name: "allow keeps only the listed keys, nested ones too",
			tr:   []*Transformation{{Name: "a", Kind: TransformAllow, Keys: []string{"event_name", "user_data.email_address", "missing"}}},
			want: Event{"event_name": "purchase", "user_data": map[string]any{"email_address": "a@example.com"}},
		},
		{
			name: "exclude removes keys, nested keys and array elements",
			tr:   []*Transformation{{Name: "x", Kind: TransformExclude, Keys: []string{"ip_override", "user_data.phone_number", "items.0"}}},
			want: Event{"event_name": "purchase", "value": 42.0, "currency": "EUR",
				"user_data": map[string]any{"email_address": "a@example.com"}, "items": []any{map[string]any{"id": "y"}}},
		},
		{
			name: "augment sets values with references, seeing earlier params",
			tr: []*Transformation{{Name: "g", Kind: TransformAugment, Params: []TransformParam{
				{Key: "currency", Value: "USD"},
				{Key: "shop.label", Value: "{{currency}}-{{value}}"},
			}}},
			params: map[string]any{"label": "{{shop.label}}", "cur": "{{currency}}"},
			want: Event{"event_name": "purchase", "value": 42.0, "currency": "USD", "ip_override": "203.0.113.7",
				"user_data": map[string]any{"email_address": "a@example.com", "phone_number": "+4930"},
				"items":     []any{map[string]any{"id": "x"}, map[string]any{"id": "y"}},
				"shop":      map[string]any{"label": "USD-42"}},
			data: map[string]any{"label": "USD-42", "cur": "USD"},
		},
		{
			name: "priority orders transformations; conditions see earlier ones",
			tr: []*Transformation{
				// Runs second: its condition sees the currency set by the first.
				{Name: "late", Kind: TransformExclude, Keys: []string{"value"}, Conditions: []Condition{cond(t, "currency", OpEquals, "GBP")}},
				{Name: "early", Kind: TransformAugment, Priority: 10, Params: []TransformParam{{Key: "currency", Value: "GBP"}}},
				{Name: "never", Kind: TransformExclude, Keys: []string{"event_name"}, Conditions: []Condition{cond(t, "currency", OpEquals, "EUR")}},
			},
			want: Event{"event_name": "purchase", "currency": "GBP", "ip_override": "203.0.113.7",
				"user_data": map[string]any{"email_address": "a@example.com", "phone_number": "+4930"},
				"items":     []any{map[string]any{"id": "x"}, map[string]any{"id": "y"}}},
		},
		{
			name: "a transformation for other tags leaves this one alone",
			tr:   []*Transformation{{Name: "o", Kind: TransformAllow, Keys: []string{"value"}, Tags: map[string]bool{"Other": true}}},
			want: event,
		},
		{
			name: "selected by template",
			tr:   []*Transformation{{Name: "t", Kind: TransformAllow, Keys: []string{"value"}, Templates: map[string]bool{"ping.tpl": true}}},
			want: Event{"value": 42.0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tag := &seenTag{}
			other := &seenTag{}
			trs := append([]*Transformation(nil), tt.tr...)
			// The loader sorts by priority; do the same here.
			sortTransformations(trs)
			c := &Container{
				Tags: []*TagBinding{
					{Name: "Ping", Template: "ping.tpl", Tag: tag, Firing: []*Trigger{all}, Params: tt.params},
					{Name: "Other", Template: "other.tpl", Tag: other, Firing: []*Trigger{all}},
				},
				Transformations: trs,
			}
			res := runOne(t, c, event.Copy())
			if len(res.Tags) != 2 {
				t.Fatalf("results: %+v", res)
			}
			if diff := cmp.Diff(tt.want, tag.events[0]); diff != "" {
				t.Errorf("event the tag saw (-want +got):\n%s", diff)
			}
			if tt.data != nil {
				if diff := cmp.Diff(tt.data, tag.data[0]); diff != "" {
					t.Errorf("tag data (-want +got):\n%s", diff)
				}
			}
			// The event itself is never changed.
			if diff := cmp.Diff(event, res.Event); diff != "" {
				t.Errorf("the event changed (-want +got):\n%s", diff)
			}
		})
	}
}

func sortTransformations(ts []*Transformation) {
	for i := 1; i < len(ts); i++ {
		for j := i; j > 0 && ts[j].Priority > ts[j-1].Priority; j-- {
			ts[j], ts[j-1] = ts[j-1], ts[j]
		}
	}
}

// Triggers decide on the original event: an allow transformation that drops event_name
// does not stop the tag from firing.
func TestTransformationsDoNotChangeTriggers(t *testing.T) {
	tag := &seenTag{}
	c := &Container{
		Tags:            []*TagBinding{{Name: "Ping", Tag: tag, Firing: []*Trigger{{Name: "Purchase", Events: []string{"purchase"}}}}},
		Transformations: []*Transformation{{Name: "a", Kind: TransformAllow, Keys: []string{"value"}}},
	}
	res := runOne(t, c, Event{"event_name": "purchase", "value": 1.0})
	if len(res.Tags) != 1 || len(tag.events) != 1 {
		t.Fatalf("tag did not fire: %+v", res)
	}
	if diff := cmp.Diff(Event{"value": 1.0}, tag.events[0]); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestSetAndDeletePath(t *testing.T) {
	m := map[string]any{"x-ga-mp2-seg": "1", "a": map[string]any{"b": 1}, "s": "str"}
	setPath(m, "x-ga-mp2-seg", "2")
	setPath(m, "a.c.d", true)
	setPath(m, "s.t", "over") // a non-object on the way is replaced
	deletePath(m, "a.b")
	deletePath(m, "nope.x")
	want := map[string]any{"x-ga-mp2-seg": "2", "a": map[string]any{"c": map[string]any{"d": true}}, "s": map[string]any{"t": "over"}}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
