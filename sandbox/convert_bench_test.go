package sandbox_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/tagd-dev/tagd/clients/ga4"
	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/sandbox"
	"github.com/tagd-dev/tagd/templates"
)

func benchProgram(tb testing.TB, kind, code, perms string) *sandbox.Program {
	tb.Helper()
	src := "___INFO___\n\n{\"type\": \"" + kind + "\", \"id\": \"cvt_temp_public_id\", \"version\": 1, \"displayName\": \"T\", \"containerContexts\": [\"SERVER\"]}\n\n___SANDBOXED_JS_FOR_SERVER___\n\n" + code + "\n"
	if perms != "" {
		src += "\n___SERVER_PERMISSIONS___\n\n" + perms + "\n"
	}
	tp, err := templates.Parse("bench.tpl", []byte(src))
	if err != nil {
		tb.Fatal(err)
	}
	p, err := sandbox.Compile(tp)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// purchaseEvent is a GA4 purchase with five items as the GA4 client parses it (about 50
// keys): what getAllEventData copies into a template.
func purchaseEvent(tb testing.TB) runtime.Event {
	tb.Helper()
	q := "v=2&tid=G-BENCH0001&gtm=45je5ca1v9123456789za200&_p=1716200000999&gcs=G111&gcd=13l3l3l3l1l1&npa=0&dma=0" +
		"&cid=123456789.1716199000&ul=en-us&sr=1920x1080&uaa=x86&uab=64" +
		"&uafvl=Not%2FA%29Brand%3B8.0.0.0%7CChromium%3B126.0.6478.127%7CGoogle%20Chrome%3B126.0.6478.127" +
		"&uamb=0&uam=&uap=Windows&uapv=15.0.0&uaw=0&_s=3&sid=1716199900&sct=2&seg=1" +
		"&dl=https%3A%2F%2Fshop.example%2Fcheckout%2Fthanks&dr=https%3A%2F%2Fshop.example%2Fcheckout&dt=Thank%20you" +
		"&en=purchase&_c=1&cu=USD&ep.transaction_id=T-1001&epn.value=93.46&epn.tax=7.2&epn.shipping=4.99&ep.coupon=SPRING" +
		"&pr1=idSKU-1~nmBlue%20Mug~brAcme~caKitchen~c2Mugs~vablue~pr19.99~qt2&pr2=idSKU-2~nmEarl%20Grey~brTeaCo~caGrocery~pr7.5~qt3" +
		"&pr3=idSKU-3~nmSaucer~brAcme~caKitchen~pr4.99~qt2&pr4=idSKU-4~nmTea%20Towel~caHome~pr9~qt1&pr5=idSKU-5~nmGift%20Card~pr25~qt1"
	evs, err := ga4.Parse(ga4.Hit{Method: http.MethodPost, RawQuery: q, RemoteIP: "198.51.100.23", Header: http.Header{
		"User-Agent": {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"},
	}})
	if err != nil || len(evs) != 1 {
		tb.Fatalf("%d events, %v", len(evs), err)
	}
	return runtime.Event(evs[0])
}

// BenchmarkEventCopy measures event data crossing the sandbox boundary: into JS (what
// getAllEventData and the data parameter cost) and back out (a variable's value, an API's
// argument).
func BenchmarkEventCopy(b *testing.B) {
	ev := purchaseEvent(b)
	vu := sandbox.NewVU(sandbox.Limits{})
	b.Run("ToJS", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			vu.ToJS(ev)
		}
	})
	b.Run("FromJS", func(b *testing.B) {
		v := vu.ToJS(ev)
		b.ReportAllocs()
		for b.Loop() {
			sandbox.FromJS(v)
		}
	})
}

// BenchmarkExecute is the fixed cost of one execution on a warm pooled runtime (attach,
// data object, CPU budget timer, event loop, outcome) and of getAllEventData on top.
func BenchmarkExecute(b *testing.B) {
	ev := purchaseEvent(b)
	perms := `[{"instance": {"key": {"publicId": "read_event_data", "versionId": "1"}, "param": [{"key": "eventDataAccess", "value": {"type": 1, "string": "any"}}]}, "isRequired": true}]`
	for _, tc := range []struct{ name, code string }{
		{"empty-tag", "data.gtmOnSuccess();"},
		{"getAllEventData", "const e = require('getAllEventData')(); if (e.items.length === 5) { data.gtmOnSuccess(); } else { data.gtmOnFailure(); }"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			p := benchProgram(b, "TAG", tc.code, perms)
			pool := sandbox.NewPool(sandbox.Limits{CPUBudget: time.Minute})
			data := map[string]any{"pixel_id": "1234567890", "access_token": "token", "send_pii": true, "action_source": "website"}
			run := func() sandbox.Result {
				return pool.Run(context.Background(), &sandbox.Execution{Program: p, Name: "t", Data: data,
					EC: runtime.NewEventContext(nil, nil, ev), Env: &runtime.Env{}})
			}
			if res := run(); res.Status != runtime.Success {
				b.Fatalf("%s: %v", res.Status, res.Err)
			}
			b.ReportAllocs()
			for b.Loop() {
				run()
			}
		})
	}
}
