package clients

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tagd-dev/tagd/runtime"
)

func TestFactoryErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		typ      string
		settings map[string]any
		want     []string
	}{
		{"ga4", map[string]any{"cors_allowed_origin": "x"}, []string{`unknown setting "cors_allowed_origin"`}},
		{"ga4", map[string]any{"fpid": map[string]any{"max_age": "500d", "same_site": "loose", "cookie_name": "a b", "typo": 1}},
			[]string{`"fpid.max_age": 500d is out of range`, `"fpid.same_site": want Lax`, `"fpid.cookie_name"`, `unknown setting "fpid.typo"`}},
		{"ga4", map[string]any{"identity": "yes"}, []string{`"identity": want a table`}},
		{"ga4", map[string]any{"max_body_bytes": int64(0)}, []string{`"max_body_bytes": 0 is out of range`}},
		{"measurement_protocol", nil, []string{`at least one api secret is required`}},
		{"measurement_protocol", map[string]any{"api_secrets": []any{""}, "require_api_secret": "no"}, []string{"must not be empty", `"require_api_secret": want true or false`}},
		{"data", map[string]any{"paths": []any{"data", int64(1)}}, []string{`"paths": want a string or a list of strings`}},
		{"data", map[string]any{"paths": "relative"}, []string{`path "relative" must start with /`}},
		{"click", map[string]any{"data_dir": dir}, []string{"define at least one link"}},
		{"click", map[string]any{"data_dir": dir, "links": map[string]any{
			"a b":  map[string]any{"destination": "https://x.example/"},
			"open": map[string]any{"destination": "https://{host}/"},
			"none": map[string]any{},
			"bad":  map[string]any{"destination": "https://x.example/", "oops": true},
		}}, []string{`"links.a b": link name`, `"links.open.destination"`, `"links.none.destination": a destination URL is required`, `unknown setting "links.bad.oops"`}},
		{"click", map[string]any{"links": map[string]any{"a": map[string]any{"destination": "https://x.example/"}}, "retention": "forever", "data_dir": dir},
			[]string{`"retention": bad duration "forever"`}},
		{"postback", map[string]any{"data_dir": dir, "dedup_ttl": "1h", "unknown_click_status": int64(503), "link_secrets": map[string]any{"a": ""}},
			[]string{`"dedup_ttl": 1h0m0s is out of range`, `"unknown_click_status": 503 is out of range`, `"link_secrets.a": a secret must not be empty`}},
		{"postback", map[string]any{"data_dir": dir, "params": map[string]any{"click_id": []any{}}}, []string{"at least one click id parameter name"}},
		{"nope", nil, []string{`unknown client type "nope"`}},
	}
	for _, tc := range tests {
		_, err := New(tc.typ, "C", tc.settings)
		if err == nil {
			t.Errorf("%s %v: no error", tc.typ, tc.settings)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %q", tc.typ, err, w)
			}
		}
	}
}

func TestParseDuration(t *testing.T) {
	tests := map[string]time.Duration{
		"90d": 90 * 24 * time.Hour, "36h": 36 * time.Hour, "1d12h": 36 * time.Hour, "0d": 0, "1m30s": 90 * time.Second,
	}
	for in, want := range tests {
		got, err := parseDuration(in)
		if err != nil || got != want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "d", "-1d", "1x", "1d-"} {
		if _, err := parseDuration(bad); err == nil {
			t.Errorf("parseDuration(%q) accepted", bad)
		}
	}
}

func TestRegistrableDomain(t *testing.T) {
	tests := map[string]string{
		"tag.shop.example":       "shop.example",
		"tag.shop.example:8443":  "shop.example",
		"TAG.Shop.Example.":      "shop.example",
		"metrics.www.shop.co.uk": "shop.co.uk",
		"user.github.io":         "user.github.io",
		"github.io":              "",
		"co.uk":                  "",
		"localhost":              "",
		"localhost:8080":         "",
		"127.0.0.1:8080":         "",
		"[::1]:8080":             "",
		"":                       "",
		"shop.example":           "shop.example",
	}
	for host, want := range tests {
		if got := RegistrableDomain(host); got != want {
			t.Errorf("RegistrableDomain(%q) = %q, want %q", host, got, want)
		}
	}
}

func TestCookieHeader(t *testing.T) {
	p := cookiePolicy{Domain: "auto", Path: "/", MaxAge: 500 * 24 * time.Hour, HTTPOnly: true, Secure: true, SameSite: "Lax"}
	got := p.header("FPID", "FPID2.2.a%2Fb.1", "tag.shop.example")
	want := "FPID=FPID2.2.a%2Fb.1; Domain=shop.example; Path=/; Max-Age=34560000; Secure; HttpOnly; SameSite=Lax"
	if got != want {
		t.Errorf("header:\n got %s\nwant %s", got, want)
	}
	p = cookiePolicy{Domain: "", MaxAge: time.Hour}
	if got := p.header("x", "a b;c\"d", "127.0.0.1:8080"); got != "x=a%20b%3Bc%22d; Path=/; Max-Age=3600" {
		t.Errorf("escaped header %s", got)
	}
	p.Domain = "explicit.example"
	if got := p.header("x", "1", "other.example"); !strings.Contains(got, "Domain=explicit.example") {
		t.Errorf("explicit domain lost: %s", got)
	}
}

func req(host, cookie string) *runtime.Request {
	h := http.Header{}
	if cookie != "" {
		h.Set("Cookie", cookie)
	}
	return &runtime.Request{Host: host, Header: h}
}

func TestIdentityResolve(t *testing.T) {
	ic := defaultIdentity(true)
	now := time.UnixMilli(1716200200123)
	q := url.Values{"fbclid": {"NEW"}, "gclid": {"G1"}, "ttclid": {"T1"}}

	// New fbclid replaces an _fbc that carries another click id; _fbp is kept.
	id := ic.resolve(req("www.shop.co.uk", "_fbc=fb.2.1.OLD; _fbp=fb.2.5.123"), q, now, &seqReader{})
	if id.Fbc != "fb.2.1716200200123.NEW" || id.Fbp != "fb.2.5.123" || id.GCLID != "G1" || id.TTCLID != "T1" {
		t.Errorf("identity %+v", id)
	}
	if len(id.SetCookies) != 4 || !strings.HasPrefix(id.SetCookies[2], "FPGCLAW=2.1.kG1$i1716200200;") {
		t.Errorf("cookies %q", id.SetCookies)
	}
	// An _fbc with an appendix after the same fbclid is the same click.
	id = ic.resolve(req("shop.example", "_fbc=fb.1.99.NEW.AQ"), url.Values{"fbclid": {"NEW"}}, now, &seqReader{})
	if id.Fbc != "fb.1.99.NEW.AQ" {
		t.Errorf("fbc with appendix replaced: %q", id.Fbc)
	}
	// Nothing in the URL: gclid from FPGCLAW or the older GCL format.
	for cookie, want := range map[string]string{"FPGCLAW=2.1.kABC$i1": "ABC", "FPGCLAW=GCL.1.XYZ": "XYZ", "FPGCLAW=junk": ""} {
		if got := ic.resolve(req("shop.example", cookie), nil, now, nil).GCLID; got != want {
			t.Errorf("gclid from %q = %q, want %q", cookie, got, want)
		}
	}
	// Disabled: nothing at all.
	if id := defaultIdentity(false).resolve(req("shop.example", "_fbp=x"), q, now, nil); id.Fbp != "" || len(id.SetCookies) != 0 {
		t.Errorf("disabled identity produced %+v", id)
	}
	// Subdomain index follows the cookie domain; IPs count as 1.
	for _, tc := range []struct {
		domain, host string
		want         int
	}{{"shop.example", "x", 1}, {"shop.co.uk", "x", 2}, {"", "tag.shop.example", 2}, {"", "127.0.0.1", 1}, {"", "localhost", 0}} {
		if got := subdomainIndex(tc.domain, tc.host); got != tc.want {
			t.Errorf("subdomainIndex(%q, %q) = %d, want %d", tc.domain, tc.host, got, tc.want)
		}
	}
}

func TestFPIDParse(t *testing.T) {
	tests := map[string]string{
		"FPID2.2.q3Zr0yC9uJp5wz2kYx%2FtNbV8eQmL1aDhGfKs6oIuPw4%3D.1716199000": "q3Zr0yC9uJp5wz2kYx/tNbV8eQmL1aDhGfKs6oIuPw4=.1716199000",
		"FPID2.3.abc.def.123": "abc.def.123",
		"FPID2.2.abc.x":       "",
		"FPID2.2.%zz.1":       "",
		"FPID2.2..1":          "",
		"FPID1.2.abc.1":       "",
		"FPID2":               "",
		"":                    "",
	}
	for in, want := range tests {
		got, ok := parseFPID(in)
		if got != want || ok != (want != "") {
			t.Errorf("parseFPID(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	// A freshly issued value parses back to the client id it was issued with.
	now := time.Unix(1716200200, 0)
	for _, migrate := range []bool{false, true} {
		v, id := newFPID("123.1716100000", migrate, now, nil)
		if got, ok := parseFPID(v); !ok || got != id {
			t.Errorf("migrate=%v: issued %q (%q) parses to %q", migrate, v, id, got)
		}
		if migrate != strings.HasSuffix(id, ".1716100000") {
			t.Errorf("migrate=%v: timestamp of %q", migrate, id)
		}
	}
	a, _ := newFPID("1.5", true, now, nil)
	b, _ := newFPID("1.5", true, now, nil)
	if a != b {
		t.Error("migration is not deterministic")
	}
}

func FuzzParseFPID(f *testing.F) {
	f.Add("FPID2.2.q3Zr0yC9uJp5wz2kYx%2FtNbV8eQmL1aDhGfKs6oIuPw4%3D.1716199000")
	f.Add("FPID2.2..")
	f.Fuzz(func(t *testing.T, v string) {
		id, ok := parseFPID(v)
		if ok && (id == "" || !strings.Contains(id, ".")) {
			t.Fatalf("parseFPID(%q) = %q", v, id)
		}
	})
}

func FuzzIdentity(f *testing.F) {
	f.Add("_fbc=fb.1.1.X; _fbp=y; FPGCLAW=2.1.kA$i1; ttclid=t", "fbclid=Z&gclid=G&ttclid=T", "tag.shop.example")
	f.Add("_fbc=fb..", "fbclid=%3B%20x", "[::1]:80")
	f.Fuzz(func(t *testing.T, cookie, query, host string) {
		q, _ := url.ParseQuery(query)
		id := defaultIdentity(true).resolve(req(host, cookie), q, time.Unix(1, 0), &seqReader{})
		for _, c := range id.SetCookies {
			if strings.ContainsAny(c, "\r\n\x00") {
				t.Fatalf("header injection: %q", c)
			}
			name, rest, _ := strings.Cut(c, "=")
			value, _, _ := strings.Cut(rest, ";")
			for i := 0; i < len(value); i++ {
				if !cookieOctet(value[i]) {
					t.Fatalf("cookie %s has a bad value byte in %q", name, value)
				}
			}
		}
	})
}
