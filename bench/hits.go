package main

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
)

// Hit is one prebuilt GA4 request of the load mix.
type Hit struct {
	Kind   string
	Method string
	Target string // path and query
	Header [][2]string
	Body   string
	// Events is how many events the hit carries; Firing how many of them fire the three
	// tags (page_view and purchase), so the sink should see 3×Firing outbound requests.
	Events int
	Firing int
}

// mixEntry is one kind of hit and its share of the traffic in percent.
type mixEntry struct {
	kind   string
	weight int
}

// defaultMix is what a storefront's gtag sends: mostly single page_view hits, batched
// engagement/ecommerce events, and a minority of purchases with several items.
var defaultMix = []mixEntry{{"page_view", 60}, {"batch", 25}, {"purchase", 15}}

const userAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"

// commonQuery is what gtag puts on every hit: protocol, ids, consent, client hints,
// session and page.
func commonQuery(r *rand.Rand, i int) url.Values {
	cidTS := 1716199000 + r.IntN(86400*30)
	q := url.Values{}
	q.Set("v", "2")
	q.Set("tid", "G-BENCH0001")
	q.Set("gtm", "45je5ca1v9123456789za200")
	q.Set("_p", fmt.Sprint(1716200000000+r.IntN(1e9)))
	q.Set("gcs", "G111")
	q.Set("gcd", "13l3l3l3l1l1")
	q.Set("npa", "0")
	q.Set("dma", "0")
	q.Set("cid", fmt.Sprintf("%d.%d", 100000000+r.IntN(900000000), cidTS))
	q.Set("ul", "en-us")
	q.Set("sr", "1920x1080")
	q.Set("uaa", "x86")
	q.Set("uab", "64")
	q.Set("uafvl", "Not/A)Brand;8.0.0.0|Chromium;126.0.6478.127|Google Chrome;126.0.6478.127")
	q.Set("uamb", "0")
	q.Set("uam", "")
	q.Set("uap", "Windows")
	q.Set("uapv", "15.0.0")
	q.Set("uaw", "0")
	q.Set("_s", fmt.Sprint(1+r.IntN(20)))
	q.Set("sid", fmt.Sprint(cidTS+r.IntN(86400)))
	q.Set("sct", fmt.Sprint(1+r.IntN(9)))
	q.Set("seg", "1")
	q.Set("dl", fmt.Sprintf("https://shop.example/products/item-%d?utm_source=newsletter&utm_medium=email", i))
	q.Set("dr", "https://www.google.com/")
	q.Set("dt", fmt.Sprintf("Product %d | Shop Example", i))
	return q
}

func item(r *rand.Rand, n int) string {
	return fmt.Sprintf("idSKU-%d~nmProduct%%20%d~brAcme~caKitchen~c2Mugs~va%s~pr%d.99~qt%d",
		r.IntN(5000), n, []string{"blue", "red", "green"}[r.IntN(3)], 5+r.IntN(50), 1+r.IntN(3))
}

// buildHit makes the i-th hit of a kind.
func buildHit(kind string, r *rand.Rand, i int) Hit {
	q := commonQuery(r, i)
	h := Hit{Kind: kind, Method: "POST"}
	var body string
	switch kind {
	case "page_view":
		// gtag sends a lone page_view as a body-less request with everything in the query.
		q.Set("en", "page_view")
		q.Set("_ee", "1")
		q.Set("tfd", fmt.Sprint(300+r.IntN(3000)))
		h.Events, h.Firing = 1, 1
	case "batch":
		// Batched engagement events: shared fields in the query, one event per body line.
		lines := []string{
			fmt.Sprintf("en=scroll&_et=%d&epn.percent_scrolled=90", 1000+r.IntN(9000)),
			fmt.Sprintf("en=view_item&_et=%d&cu=USD&epn.value=%d.99&pr1=%s", 500+r.IntN(5000), 5+r.IntN(50), url.QueryEscape(item(r, 1))),
			fmt.Sprintf("en=add_to_cart&_et=%d&cu=USD&epn.value=%d.99&pr1=%s", 500+r.IntN(5000), 5+r.IntN(50), url.QueryEscape(item(r, 1))),
			fmt.Sprintf("en=user_engagement&_et=%d", 5000+r.IntN(20000)),
		}
		body = strings.Join(lines, "\r\n") + "\r\n"
		h.Events, h.Firing = len(lines), 0
	case "purchase":
		q.Set("en", "purchase")
		q.Set("_c", "1")
		q.Set("cu", "USD")
		q.Set("ep.transaction_id", fmt.Sprintf("T-%d-%d", i, r.IntN(1e6)))
		q.Set("epn.value", fmt.Sprintf("%d.%02d", 20+r.IntN(300), r.IntN(100)))
		q.Set("epn.tax", "7.20")
		q.Set("epn.shipping", "4.99")
		q.Set("ep.coupon", "SPRING")
		for n := 1; n <= 5; n++ {
			q.Set(fmt.Sprintf("pr%d", n), item(r, n))
		}
		h.Events, h.Firing = 1, 1
	default:
		panic("unknown hit kind " + kind)
	}
	h.Target = "/g/collect?" + q.Encode()
	h.Body = body
	h.Header = [][2]string{
		{"User-Agent", userAgent},
		{"Accept", "*/*"},
		{"Accept-Language", "en-US,en;q=0.9"},
		{"Origin", "https://shop.example"},
		{"Referer", "https://shop.example/"},
		{"Cookie", fmt.Sprintf("_ga=GA1.1.%s; _fbp=fb.1.1716199000123.%d; click_id=clk-%d", q.Get("cid"), r.IntN(1e9), i)},
		{"X-Forwarded-For", fmt.Sprintf("198.51.%d.%d", r.IntN(256), 1+r.IntN(254))},
	}
	if body != "" {
		h.Header = append(h.Header, [2]string{"Content-Type", "text/plain;charset=UTF-8"})
	}
	return h
}

// Raw is the hit serialised as an HTTP/1.1 request for host.
func (h Hit) Raw(host string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", h.Method, h.Target, host)
	for _, kv := range h.Header {
		fmt.Fprintf(&b, "%s: %s\r\n", kv[0], kv[1])
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(h.Body), h.Body)
	return []byte(b.String())
}

// Mix is a deterministic sequence of hits drawn from the weighted kinds.
type Mix struct {
	Hits []Hit
}

// NewMix builds n hits with the default weights, reproducibly from seed.
func NewMix(n int, seed uint64) *Mix {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	total := 0
	for _, e := range defaultMix {
		total += e.weight
	}
	m := &Mix{Hits: make([]Hit, n)}
	for i := range m.Hits {
		x := r.IntN(total)
		for _, e := range defaultMix {
			if x < e.weight {
				m.Hits[i] = buildHit(e.kind, r, i)
				break
			}
			x -= e.weight
		}
	}
	return m
}

// Expect sums events and tag-firing events over the mix's hits in a sequence.
func (m *Mix) Expect() (events, firing int) {
	for _, h := range m.Hits {
		events += h.Events
		firing += h.Firing
	}
	return events, firing
}
