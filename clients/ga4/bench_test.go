package ga4

import (
	"net/http"
	"strings"
	"testing"
)

// BenchmarkParse measures a realistic batched checkout hit from gtag:
// consent, client hints, three events, the last a purchase with five items.
func BenchmarkParse(b *testing.B) {
	query := "v=2&tid=G-TEST123&gtm=45je5ca1v9123456789za200&_p=1716200000999&gcs=G111&gcd=13v3v3v3v5l1&npa=0&dma=0" +
		"&cid=1234567890.1716199000&uid=u-42&ul=en-us&sr=1440x900&uaa=arm&uab=64" +
		"&uafvl=Chromium%3B125.0.6422.60%7CNot.A%252FBrand%3B24.0.0.0%7CGoogle%2520Chrome%3B125.0.6422.60" +
		"&uamb=0&uam=&uap=macOS&uapv=14.4.1&uaw=0&_s=4&sid=1716199900&sct=3&seg=1" +
		"&dl=https%3A%2F%2Fshop.example%2Fcheckout%2Fthanks&dr=https%3A%2F%2Fshop.example%2Fcheckout&dt=Thank%20you&tfd=15230&richsstsse"
	items := []string{
		"pr1=idSKU-1~nmBlue%20Mug~brAcme~caKitchen~c2Mugs~vablue~pr19.99~qt2~k0color~v0blue",
		"pr2=idSKU-2~nmEarl%20Grey%20Tea~brTeaCo~caGrocery~pr7.5~qt3~ds0.5",
		"pr3=idSKU-3~nmSaucer~brAcme~caKitchen~pr4.99~qt2~lp3",
		"pr4=idSKU-4~nmTea%20Towel~caHome~pr9~qt1~cpTOWEL10",
		"pr5=idSKU-5~nmGift%20Card~pr25~qt1~k0recipient~v0friend~k1message~v1Happy%20birthday",
	}
	body := "en=add_shipping_info&_et=2211&cu=USD&epn.value=93.46&ep.shipping_tier=ground\r\n" +
		"en=add_payment_info&_et=5211&cu=USD&epn.value=93.46&ep.payment_type=card\r\n" +
		"en=purchase&_et=310&_c=1&cu=USD&epn.value=93.46&ep.transaction_id=T-1001&epn.tax=7.2&epn.shipping=4.99&ep.coupon=SPRING&" +
		strings.Join(items, "&") + "&up.plan=gold&upn.orders=12\r\n"
	h := Hit{
		Method:   http.MethodPost,
		RawQuery: query,
		Body:     []byte(body),
		Header: http.Header{
			"User-Agent": {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36"},
			"Cookie":     {"_ga=GA1.1.1234567890.1716199000; _ga_TEST123=GS1.1.1716199900.3.1.1716200000.0.0.0"},
		},
		RemoteIP: "198.51.100.23",
	}
	if events, err := Parse(h); err != nil || len(events) != 3 || len(events[2]["items"].([]any)) != 5 {
		b.Fatalf("fixture does not parse as intended: %d events, %v", len(events), err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(query) + len(body)))
	for b.Loop() {
		if _, err := Parse(h); err != nil {
			b.Fatal(err)
		}
	}
}
