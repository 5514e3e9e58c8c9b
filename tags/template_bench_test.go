package tags_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/tagd-dev/tagd/clients/ga4"
	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/sandbox"
	"github.com/tagd-dev/tagd/tags"
)

// okDispatcher answers every outbound request at once, so a benchmark measures the
// template and the sandbox, not a network.
type okDispatcher struct{ n int }

func (d *okDispatcher) Do(context.Context, *runtime.OutboundRequest) (*runtime.OutboundResponse, error) {
	d.n++
	return &runtime.OutboundResponse{StatusCode: 200, Header: http.Header{}, Body: []byte(`{"events_received":1}`)}, nil
}

// benchEvents are the two tag-firing events of the load benchmark's hit mix, as the GA4
// client parses them: a page_view and a purchase with five items.
func benchEvents(tb testing.TB) map[string]runtime.Event {
	tb.Helper()
	common := "v=2&tid=G-BENCH0001&gtm=45je5ca1v9123456789za200&_p=1716200000999&gcs=G111&gcd=13l3l3l3l1l1&npa=0&dma=0" +
		"&cid=123456789.1716199000&ul=en-us&sr=1920x1080&uaa=x86&uab=64" +
		"&uafvl=Not%2FA%29Brand%3B8.0.0.0%7CChromium%3B126.0.6478.127%7CGoogle%20Chrome%3B126.0.6478.127" +
		"&uamb=0&uam=&uap=Windows&uapv=15.0.0&uaw=0&_s=3&sid=1716199900&sct=2&seg=1" +
		"&dl=https%3A%2F%2Fshop.example%2Fproducts%2Fitem-7%3Futm_source%3Dnewsletter&dr=https%3A%2F%2Fwww.google.com%2F&dt=Product%207"
	header := http.Header{
		"User-Agent": {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"},
		"Cookie":     {"_ga=GA1.1.123456789.1716199000; _fbp=fb.1.1716199000123.987654; click_id=clk-7"},
	}
	items := url.Values{}
	for i, it := range []string{
		"idSKU-1~nmBlue%20Mug~brAcme~caKitchen~c2Mugs~vablue~pr19.99~qt2",
		"idSKU-2~nmEarl%20Grey~brTeaCo~caGrocery~pr7.5~qt3",
		"idSKU-3~nmSaucer~brAcme~caKitchen~pr4.99~qt2",
		"idSKU-4~nmTea%20Towel~caHome~pr9~qt1",
		"idSKU-5~nmGift%20Card~pr25~qt1",
	} {
		v, _ := url.QueryUnescape(it)
		items.Set("pr"+string(rune('1'+i)), v)
	}
	out := map[string]runtime.Event{}
	for name, q := range map[string]string{
		"page_view": common + "&en=page_view&_ee=1&tfd=1200",
		"purchase":  common + "&en=purchase&_c=1&cu=USD&ep.transaction_id=T-1001&epn.value=93.46&epn.tax=7.2&epn.shipping=4.99&ep.coupon=SPRING&" + items.Encode(),
	} {
		evs, err := ga4.Parse(ga4.Hit{Method: http.MethodPost, RawQuery: q, Header: header, RemoteIP: "198.51.100.23"})
		if err != nil || len(evs) != 1 {
			tb.Fatalf("%s: %d events, %v", name, len(evs), err)
		}
		out[name] = runtime.Event(evs[0])
	}
	return out
}

// benchTags are the load benchmark's three tags and their parameters.
var benchTags = []struct {
	template string
	params   map[string]any
}{
	{"meta-capi", map[string]any{"pixel_id": "1234567890", "access_token": "bench-token"}},
	{"ga4", map[string]any{"measurement_id": "G-BENCH0001"}},
	{"http-request", map[string]any{"method": "GET", "url": "https://network.example/postback?event=purchase&click_id=clk-7&payout=93.46&currency=USD&txid=T-1001"}},
}

// BenchmarkTemplateTag runs each tag of the load benchmark on a warm pooled runtime: the
// cost of one tag execution (template JS, event data copied in, request built, outcome).
func BenchmarkTemplateTag(b *testing.B) {
	events := benchEvents(b)
	for _, bt := range benchTags {
		tp, err := tags.Builtin(bt.template)
		if err != nil {
			b.Fatal(err)
		}
		p, err := sandbox.Compile(tp)
		if err != nil {
			b.Fatal(err)
		}
		data := tp.Defaults()
		for k, v := range bt.params {
			data[k] = v
		}
		for _, evName := range []string{"page_view", "purchase"} {
			b.Run(bt.template+"/"+evName, func(b *testing.B) {
				d := &okDispatcher{}
				env := &runtime.Env{HTTP: d, Storage: runtime.NewTemplateStorage(0), Console: func(context.Context, runtime.ConsoleLine) {}}
				c := &runtime.Container{Env: env}
				req := &runtime.Request{Method: "POST", Path: "/g/collect", Header: http.Header{"Cookie": {"_fbp=fb.1.1716199000123.987654; click_id=clk-7"}}}
				// A generous budget: on a busy machine a descheduled run must not count as a
				// timeout; the benchmark measures cost, not limits.
				pool := sandbox.NewPool(sandbox.Limits{CPUBudget: time.Minute})
				run := func() sandbox.Result {
					x := runtime.NewExchange(req, c)
					return pool.Run(context.Background(), &sandbox.Execution{
						Program: p, Name: bt.template, Data: data, X: x, Env: env,
						EC: runtime.NewEventContext(x, c, events[evName]),
					})
				}
				if res := run(); res.Status != runtime.Success || d.n != 1 {
					b.Fatalf("warm-up run: %s (%v), %d requests", res.Status, res.Err, d.n)
				}
				b.ReportAllocs()
				for b.Loop() {
					if res := run(); res.Status != runtime.Success {
						b.Fatalf("%s: %v", res.Status, res.Err)
					}
				}
			})
		}
	}
}
