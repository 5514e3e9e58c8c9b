package runtime

import (
	"context"
	"net/http"
	"testing"
)

// benchEvent is a GA4 purchase as the GA4 client produces it (abridged to the keys
// triggers and variables typically read, plus enough others to make copies realistic).
func benchEvent() Event {
	items := make([]any, 5)
	for i := range items {
		items[i] = map[string]any{"item_id": "SKU-" + string(rune('1'+i)), "item_name": "Product", "item_brand": "Acme",
			"item_category": "Kitchen", "price": 19.99, "quantity": int64(2)}
	}
	return Event{
		"event_name": "purchase", "client_id": "123456789.1716199000", "ga_session_id": "1716199900",
		"ga_session_number": int64(2), "page_location": "https://shop.example/checkout/thanks?utm_source=newsletter",
		"page_referrer": "https://shop.example/checkout", "page_title": "Thank you", "language": "en-us",
		"screen_resolution": "1920x1080", "ip_override": "198.51.100.23", "currency": "USD", "value": 93.46,
		"transaction_id": "T-1001", "tax": 7.2, "shipping": 4.99, "coupon": "SPRING", "items": items,
		"user_agent":            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
		"consent_state":         map[string]any{"ad_storage": "granted", "analytics_storage": "granted"},
		"x-ga-protocol_version": "2", "x-ga-measurement_id": "G-BENCH0001", "x-ga-gcs": "G111", "x-ga-gcd": "13l3l3l3l1l1",
		"x-ga-page_id": int64(1716200000999), "x-ga-system_properties": map[string]any{"fv": "1", "ss": "1"},
	}
}

// benchContainer has the trigger shapes real containers use: an event-name list, a
// numeric condition on an event-data variable, and a regex on a built-in variable.
func benchContainer(tb testing.TB) *Container {
	tb.Helper()
	value, err := NewCondition("Purchase Value", OpGreaterThan, "0", false, false)
	if err != nil {
		tb.Fatal(err)
	}
	checkout, err := NewCondition("Page Path", OpMatchesRegex, "^/checkout/(thanks|done)$", false, true)
	if err != nil {
		tb.Fatal(err)
	}
	return &Container{
		Env: &Env{ContainerID: "GTM-BENCH"},
		Triggers: map[string]*Trigger{
			"names":    {Name: "names", Events: []string{"page_view", "purchase"}},
			"value":    {Name: "value", Events: []string{"purchase"}, Conditions: []Condition{value}},
			"checkout": {Name: "checkout", Conditions: []Condition{checkout}},
			"miss":     {Name: "miss", Events: []string{"sign_up", "generate_lead"}},
		},
		Variables: map[string]*VariableBinding{
			"Purchase Value": {Name: "Purchase Value", Variable: eventKeyVar("value")},
		},
	}
}

type eventKeyVar string

func (k eventKeyVar) Value(_ context.Context, ec *EventContext) (any, error) {
	v, _ := ec.Event.Get(string(k))
	return v, nil
}

// BenchmarkTriggerMatch evaluates each trigger shape against a fresh event context, as
// runEvent does for every tag of every event (variables are memoised per event only).
func BenchmarkTriggerMatch(b *testing.B) {
	c := benchContainer(b)
	ev := benchEvent()
	ctx := context.Background()
	for _, name := range []string{"names", "value", "checkout", "miss"} {
		tr := c.Triggers[name]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ec := NewEventContext(nil, c, ev)
				tr.Match(ctx, ec)
			}
		})
	}
}

// nopTag succeeds at once: BenchmarkRunEvent measures the engine around the tags.
type nopTag struct{}

func (nopTag) Fire(_ context.Context, f *Firing) { f.Done(Success, nil) }

// BenchmarkRunEvent runs one purchase through a container of three firing tags and three
// that do not fire: trigger evaluation, parameter resolution, one goroutine per tag, the
// result. The tags themselves cost nothing here.
func BenchmarkRunEvent(b *testing.B) {
	c := benchContainer(b)
	params := map[string]any{"url": "https://network.example/postback?txid={{transaction_id}}&payout={{value}}", "value": "{{Purchase Value}}", "method": "GET"}
	for i, tr := range []string{"names", "value", "checkout", "miss", "miss", "miss"} {
		c.Tags = append(c.Tags, &TagBinding{Name: "tag" + string(rune('A'+i)), Tag: nopTag{}, Firing: []*Trigger{c.Triggers[tr]}, Params: params})
	}
	req := &Request{Method: http.MethodPost, Path: "/g/collect", Header: http.Header{}}
	ev := benchEvent()
	b.ReportAllocs()
	for b.Loop() {
		x := NewExchange(req, c)
		if err := x.Claim("bench"); err != nil {
			b.Fatal(err)
		}
		res, err := x.RunContainer(context.Background(), ev, RunHooks{})
		if err != nil || len(res.Tags) != 3 {
			b.Fatalf("%v, %d tags ran", err, len(res.Tags))
		}
	}
}
