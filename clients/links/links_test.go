package links

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestParseTemplateErrors(t *testing.T) {
	tests := []struct{ tpl, want string }{
		{"", "absolute http or https"},
		{"/relative?x={a}", "absolute http or https"},
		{"javascript:alert(1)", "absolute http or https"},
		{"https://{host}/x", "not allowed in the scheme, host or port"},
		{"https://shop.example{p}", "not allowed in the scheme, host or port"},
		{"https://shop.example:{port}/", "shop.example:x"},
		{"https://user@shop.example/", "no user info"},
		{"https://shop.example/?a={b", "unclosed"},
		{"https://shop.example/?a=b}", "unmatched"},
		{"https://shop.example/?a={b c}", "bad macro"},
		{"https://shop.example/?a={}", "bad macro"},
	}
	for _, tc := range tests {
		_, err := ParseTemplate(tc.tpl)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseTemplate(%q): error %v, want one containing %q", tc.tpl, err, tc.want)
		}
	}
}

func TestRender(t *testing.T) {
	vals := map[string]string{"aff_id": "34", "sub": "a/b c&d=e", "click_id": "CID"}
	get := func(k string) string { return vals[k] }
	tests := []struct {
		tpl, param, want string
	}{
		{"https://shop.example/p?src={aff_id}", "click_id", "https://shop.example/p?src=34&click_id=CID"},
		{"https://shop.example/p", "click_id", "https://shop.example/p?click_id=CID"},
		{"https://shop.example/p?", "tid", "https://shop.example/p?tid=CID"},
		{"https://shop.example/p?a=1&", "tid", "https://shop.example/p?a=1&tid=CID"},
		{"https://shop.example/{sub}?q={sub}#frag", "t", "https://shop.example/a%2Fb%20c&d=e?q=a%2Fb+c%26d%3De&t=CID#frag"},
		{"https://shop.example/p?tid={click_id}", "tid", "https://shop.example/p?tid=CID"},
		{"https://shop.example/p?x={missing}", "", "https://shop.example/p?x="},
		{"https://shop.example/p#only-fragment-{sub}", "c", "https://shop.example/p?c=CID#only-fragment-a%2Fb+c%26d%3De"},
	}
	for _, tc := range tests {
		tpl, err := ParseTemplate(tc.tpl)
		if err != nil {
			t.Fatalf("ParseTemplate(%q): %v", tc.tpl, err)
		}
		got, err := tpl.Render(get, tc.param, "CID")
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("Render(%q) = %q, want %q", tc.tpl, got, tc.want)
		}
	}
	tpl, _ := ParseTemplate("https://shop.example/?a={a}&b={b}")
	if got := strings.Join(tpl.Macros(), ","); got != "a,b" || tpl.String() != "https://shop.example/?a={a}&b={b}" {
		t.Errorf("Macros = %q, String = %q", got, tpl.String())
	}
}

func TestNewClickID(t *testing.T) {
	at := time.UnixMilli(0x018f9580d740)
	a := NewClickID(at, strings.NewReader(strings.Repeat("\x00", 10)))
	if a != "018f9580d74000000000000000000000" {
		t.Errorf("id = %q", a)
	}
	b, c := NewClickID(at, nil), NewClickID(at, nil)
	if b == c || len(b) != ClickIDLen || !strings.HasPrefix(b, "018f9580d740") {
		t.Errorf("random ids %q %q", b, c)
	}
	for _, id := range []string{a, b, "abc.DEF-1_2"} {
		if err := CheckClickID(id); err != nil {
			t.Errorf("CheckClickID(%q): %v", id, err)
		}
	}
	for _, id := range []string{"", "a b", "<x>", strings.Repeat("a", 129), "é"} {
		if CheckClickID(id) == nil {
			t.Errorf("CheckClickID(%q) accepted", id)
		}
	}
}

func FuzzRender(f *testing.F) {
	f.Add("https://shop.example/{p}?a={a}#{f}", "x/y?z#", "tid")
	f.Add("http://h/?{a}", "&&==", "")
	f.Add("https://h:8443/a%20b?x=1", "", "click id")
	f.Fuzz(func(t *testing.T, tpl, value, param string) {
		tp, err := ParseTemplate(tpl)
		if err != nil {
			return
		}
		out, err := tp.Render(func(string) string { return value }, param, "CID")
		if err != nil {
			t.Fatalf("render: %v", err)
		}
		u, err := url.Parse(out)
		if err != nil {
			t.Fatalf("rendered %q does not parse: %v", out, err)
		}
		// Values can never move the link to another host.
		want, _ := url.Parse(tp.literalPrefix() + "/")
		if u.Host != want.Host || u.Scheme != want.Scheme {
			t.Fatalf("host %q/%q, template host %q/%q (value %q)", u.Scheme, u.Host, want.Scheme, want.Host, value)
		}
		if param != "" && !u.Query().Has(param) {
			t.Fatalf("click id param %q missing from %q", param, out)
		}
	})
}
