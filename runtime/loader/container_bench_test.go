package loader_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tagd-dev/tagd/config"
	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/runtime/loader"
)

// instant answers every outbound request at once with 200.
type instant struct{ n atomic.Int64 }

func (d *instant) Do(context.Context, *runtime.OutboundRequest) (*runtime.OutboundResponse, error) {
	d.n.Add(1)
	return &runtime.OutboundResponse{StatusCode: 200, Header: http.Header{}, Body: []byte(`{"events_received":1}`)}, nil
}

// benchHits are the three kinds of GA4 hit of the load benchmark (bench/hits.go).
func benchHits() map[string]benchHit {
	common := url.Values{
		"v": {"2"}, "tid": {"G-BENCH0001"}, "gtm": {"45je5ca1v9123456789za200"}, "_p": {"1716200000999"},
		"gcs": {"G111"}, "gcd": {"13l3l3l3l1l1"}, "npa": {"0"}, "dma": {"0"}, "cid": {"123456789.1716199000"},
		"ul": {"en-us"}, "sr": {"1920x1080"}, "uaa": {"x86"}, "uab": {"64"},
		"uafvl": {"Not/A)Brand;8.0.0.0|Chromium;126.0.6478.127|Google Chrome;126.0.6478.127"},
		"uamb":  {"0"}, "uap": {"Windows"}, "uapv": {"15.0.0"}, "uaw": {"0"}, "_s": {"3"}, "sid": {"1716199900"},
		"sct": {"2"}, "seg": {"1"}, "dl": {"https://shop.example/products/item-7?utm_source=newsletter"},
		"dr": {"https://www.google.com/"}, "dt": {"Product 7"},
	}
	with := func(extra url.Values) string {
		q := url.Values{}
		for k, v := range common {
			q[k] = v
		}
		for k, v := range extra {
			q[k] = v
		}
		return "/g/collect?" + q.Encode()
	}
	item := "idSKU-1~nmBlue%20Mug~brAcme~caKitchen~c2Mugs~vablue~pr19.99~qt2"
	purchase := url.Values{"en": {"purchase"}, "_c": {"1"}, "cu": {"USD"}, "ep.transaction_id": {"T-1001"},
		"epn.value": {"93.46"}, "epn.tax": {"7.2"}, "epn.shipping": {"4.99"}, "ep.coupon": {"SPRING"}}
	for i := 1; i <= 5; i++ {
		v, _ := url.QueryUnescape(item)
		purchase.Set("pr"+string(rune('0'+i)), v)
	}
	batch := "en=scroll&_et=5000&epn.percent_scrolled=90\r\n" +
		"en=view_item&_et=2000&cu=USD&epn.value=19.99&pr1=" + url.QueryEscape(item) + "\r\n" +
		"en=add_to_cart&_et=2000&cu=USD&epn.value=19.99&pr1=" + url.QueryEscape(item) + "\r\n" +
		"en=user_engagement&_et=12000\r\n"
	return map[string]benchHit{
		"page_view": {with(url.Values{"en": {"page_view"}, "_ee": {"1"}}), ""},
		"batch":     {with(nil), batch},
		"purchase":  {with(purchase), ""},
	}
}

type benchHit struct{ target, body string }

func (h benchHit) request() *http.Request {
	r := httptest.NewRequest(http.MethodPost, h.target, strings.NewReader(h.body))
	r.RemoteAddr = "127.0.0.1:40000"
	r.Header.Set("User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36")
	r.Header.Set("Origin", "https://shop.example")
	r.Header.Set("Cookie", "_ga=GA1.1.123456789.1716199000; _fbp=fb.1.1716199000123.987654; click_id=clk-7")
	r.Header.Set("X-Forwarded-For", "198.51.100.23")
	return r
}

// BenchmarkContainer sends GA4 hits through the load benchmark's container in process
// (bench/container.toml: GA4 client, three tags on page_view and purchase), with outbound
// requests answered at once: the engine's whole cost per hit without sockets.
func BenchmarkContainer(b *testing.B) {
	src, err := os.ReadFile("../../bench/container.toml")
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := config.Parse("container.toml", b.TempDir(), src)
	if err != nil {
		b.Fatal(err)
	}
	cfg.Server.DataDir = b.TempDir()
	// Wall-clock limits must not turn a descheduled run on a busy machine into a failure:
	// the benchmark measures cost, not limits.
	cfg.Sandbox.CPUBudget, cfg.Server.TagTimeout, cfg.Server.ClientTimeout = time.Minute, time.Minute, time.Minute
	d := &instant{}
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	res, err := loader.Build(cfg, loader.Options{Logger: logger, HTTP: d})
	if err != nil {
		b.Fatal(err)
	}
	engine := runtime.NewEngine(res.Container, logger)
	hits := benchHits()
	for _, kind := range []string{"page_view", "batch", "purchase"} {
		b.Run(kind, func(b *testing.B) {
			hit := hits[kind]
			want := map[string]int64{"page_view": 3, "batch": 0, "purchase": 3}[kind]
			serve := func() {
				r := hit.request()
				w := httptest.NewRecorder()
				before := d.n.Load()
				engine.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
				if got := d.n.Load() - before; got != want {
					b.Fatalf("%d outbound requests, want %d", got, want)
				}
			}
			serve()
			b.ReportAllocs()
			for b.Loop() {
				serve()
			}
		})
	}
}
