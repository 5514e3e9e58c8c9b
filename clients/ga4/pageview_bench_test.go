package ga4

import (
	"net/http"
	"testing"
)

// BenchmarkParsePageView measures the most common hit: a lone page_view with everything in
// the query string (consent, client hints, session, page), as gtag sends it.
func BenchmarkParsePageView(b *testing.B) {
	h := Hit{
		Method: http.MethodPost,
		RawQuery: "v=2&tid=G-BENCH0001&gtm=45je5ca1v9123456789za200&_p=1716200000999&gcs=G111&gcd=13l3l3l3l1l1&npa=0&dma=0" +
			"&cid=123456789.1716199000&ul=en-us&sr=1920x1080&uaa=x86&uab=64" +
			"&uafvl=Not%2FA%29Brand%3B8.0.0.0%7CChromium%3B126.0.6478.127%7CGoogle%20Chrome%3B126.0.6478.127" +
			"&uamb=0&uam=&uap=Windows&uapv=15.0.0&uaw=0&_s=3&sid=1716199900&sct=2&seg=1" +
			"&dl=https%3A%2F%2Fshop.example%2Fproducts%2Fitem-7%3Futm_source%3Dnewsletter&dr=https%3A%2F%2Fwww.google.com%2F" +
			"&dt=Product%207&en=page_view&_ee=1&tfd=1200",
		Header: http.Header{
			"User-Agent": {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"},
			"Cookie":     {"_ga=GA1.1.123456789.1716199000; _fbp=fb.1.1716199000123.987654"},
		},
		RemoteIP: "198.51.100.23",
	}
	if events, err := Parse(h); err != nil || len(events) != 1 || events[0]["event_name"] != "page_view" {
		b.Fatalf("fixture does not parse as intended: %v, %v", events, err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(h.RawQuery)))
	for b.Loop() {
		if _, err := Parse(h); err != nil {
			b.Fatal(err)
		}
	}
}
