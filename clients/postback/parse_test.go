package postback

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   Input
		want Postback
	}{
		{
			name: "voluum style GET",
			in:   Input{RawQuery: "cid=abc&payout=12.50&txid=T-1&et=purchase&cur=eur"},
			want: Postback{ClickID: "abc", Payout: 12.5, HasPayout: true, PayoutText: "12.50", TransactionID: "T-1", Event: "purchase", Currency: "EUR",
				Params: map[string]string{"cid": "abc", "payout": "12.50", "txid": "T-1", "et": "purchase", "cur": "eur"}},
		},
		{
			name: "form body overrides query; first name in the list wins",
			in:   Input{RawQuery: "click_id=q&amount=1", ContentType: "application/x-www-form-urlencoded", Body: []byte("click_id=b&payout=2&status=approved&device_type=mobile")},
			want: Postback{ClickID: "b", Payout: 2, HasPayout: true, PayoutText: "2", Status: "approved", DeviceType: "mobile",
				Params: map[string]string{"click_id": "b", "amount": "1", "payout": "2", "status": "approved", "device_type": "mobile"}},
		},
		{
			name: "JSON body with numbers and a signature",
			in:   Input{ContentType: "application/json", Body: []byte(`{"clickid":"c","revenue":7,"order_id":"O-1","sig":"AB","skip":null}`)},
			want: Postback{ClickID: "c", Payout: 7, HasPayout: true, PayoutText: "7", TransactionID: "O-1", Signature: "AB",
				Params: map[string]string{"clickid": "c", "revenue": "7", "order_id": "O-1"}},
		},
		{
			name: "signature header when no parameter",
			in:   Input{RawQuery: "subid=s", SignatureHeader: " ff "},
			want: Postback{ClickID: "s", Signature: "ff", Params: map[string]string{"subid": "s"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.in, DefaultNames())
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(&tc.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in   Input
		want string
	}{
		{Input{RawQuery: "payout=abc"}, "not a decimal number"},
		{Input{RawQuery: "payout=1e5"}, "not a decimal number"},
		{Input{RawQuery: "currency=EURO"}, "three-letter"},
		{Input{RawQuery: "currency=E1R"}, "three-letter"},
		{Input{RawQuery: "a=%zz"}, "invalid percent-encoding"},
		{Input{RawQuery: "a=" + strings.Repeat("x", MaxValueBytes+1)}, "longer than"},
		{Input{RawQuery: strings.Repeat("a=1&", 1) + manyKeys(MaxParams+1)}, "more than 100 parameters"},
		{Input{ContentType: "application/json", Body: []byte(`{"a":{"b":1}}`)}, "string, number or boolean"},
		{Input{ContentType: "application/json", Body: []byte(`[1]`)}, "must be an object"},
		{Input{ContentType: "application/json", Body: []byte(`{"a":`)}, "invalid JSON"},
		{Input{ContentType: "application/xml", Body: []byte(`<a/>`)}, "unsupported content type"},
	}
	for _, tc := range tests {
		_, err := Parse(tc.in, DefaultNames())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%.40q, %q): error %v, want one containing %q", tc.in.RawQuery, tc.in.Body, err, tc.want)
		}
	}
}

func manyKeys(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString("k")
		b.WriteString(strings.Repeat("x", i))
		b.WriteString("=1&")
	}
	return b.String()
}

func TestSignature(t *testing.T) {
	params := map[string]string{"cid": "018f", "amt": "5", "tx": "T 7/x"}
	if got := Canonical(params); got != "amt=5&cid=018f&tx=T+7%2Fx" {
		t.Errorf("Canonical = %q", got)
	}
	// Fixed vector: HMAC-SHA256("k", "amt=5&cid=018f&tx=T+7%2Fx").
	const want = "e172bd7522a6b4e7e3357eee937501fdac6a56ddc29c42606c8c781655857c4a"
	sig := Sign("k", params)
	if sig != want {
		t.Fatalf("Sign = %q, want %q", sig, want)
	}
	ok := &Postback{Params: params, Signature: strings.ToUpper(sig)}
	if !Verify("k", ok) {
		t.Error("valid upper-case signature rejected")
	}
	for _, bad := range []*Postback{
		{Params: params, Signature: ""},
		{Params: params, Signature: "zz"},
		{Params: params, Signature: want[:62]},
		{Params: map[string]string{"cid": "018f", "amt": "6", "tx": "T 7/x"}, Signature: sig},
	} {
		if Verify("k", bad) {
			t.Errorf("Verify accepted %+v", bad)
		}
	}
	if Verify("other", ok) {
		t.Error("wrong secret accepted")
	}
}

func FuzzParse(f *testing.F) {
	f.Add("cid=a&payout=1.5&cur=usd", "", []byte(nil))
	f.Add("", "application/json", []byte(`{"click_id":"x","payout":-2,"sig":"00"}`))
	f.Add("sig=1", "application/x-www-form-urlencoded", []byte("click_id=%41&amount=.5"))
	f.Fuzz(func(t *testing.T, query, ctype string, body []byte) {
		p, err := Parse(Input{RawQuery: query, ContentType: ctype, Body: body}, DefaultNames())
		if err != nil {
			if _, ok := err.(*Error); !ok && !strings.Contains(err.Error(), "JSON") {
				t.Fatalf("unexpected error type %T: %v", err, err)
			}
			return
		}
		if _, signed := p.Params["sig"]; signed {
			t.Fatal("signature parameter is part of the signed params")
		}
		if p.Currency != "" && (len(p.Currency) != 3 || strings.ToUpper(p.Currency) != p.Currency) {
			t.Fatalf("currency %q", p.Currency)
		}
		if p.HasPayout != (p.PayoutText != "") {
			t.Fatalf("payout %v %q", p.HasPayout, p.PayoutText)
		}
		_ = Verify("s", p)
	})
}
