package clients

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tagd-dev/tagd/runtime"
	"golang.org/x/net/publicsuffix"
)

// MaxCookieAge is what browsers cap a cookie's lifetime at (Chrome: 400 days).
const MaxCookieAge = 400 * 24 * time.Hour

// cookiePolicy holds the attributes of a server-set first-party cookie. Cookies set with a
// Set-Cookie header by the site's own server are not subject to the 7-day cap browsers put
// on script-written cookies; that is why the clients set identity cookies themselves.
type cookiePolicy struct {
	Domain   string // "auto": eTLD+1 of the request host; "" or "none": host-only; else as given
	Path     string
	MaxAge   time.Duration
	HTTPOnly bool
	Secure   bool
	SameSite string // Lax, Strict, None or ""
}

// readCookiePolicy reads domain, path, max_age, http_only, secure and same_site from s.
func readCookiePolicy(s *settings, def cookiePolicy) cookiePolicy {
	p := def
	if s == nil {
		return p
	}
	p.Domain = s.str("domain", def.Domain)
	p.Path = s.str("path", def.Path)
	p.MaxAge = s.duration("max_age", def.MaxAge, time.Second, MaxCookieAge)
	p.HTTPOnly = s.boolean("http_only", def.HTTPOnly)
	p.Secure = s.boolean("secure", def.Secure)
	ss := s.str("same_site", def.SameSite)
	switch strings.ToLower(ss) {
	case "lax":
		p.SameSite = "Lax"
	case "strict":
		p.SameSite = "Strict"
	case "none":
		p.SameSite = "None"
	case "":
		p.SameSite = ""
	default:
		s.errorf("same_site", "want Lax, Strict or None, not %q", ss)
	}
	if strings.ContainsAny(p.Domain+p.Path, ";,\r\n\x00 ") {
		s.errorf("domain", "domain and path must not contain spaces, ';' or ','")
	}
	return p
}

// domainFor returns the Domain attribute for a response to host ("" = host-only).
func (p cookiePolicy) domainFor(host string) string {
	switch strings.ToLower(p.Domain) {
	case "", "none":
		return ""
	case "auto":
		return RegistrableDomain(host)
	}
	return p.Domain
}

// header renders one Set-Cookie value.
func (p cookiePolicy) header(name, value, host string) string {
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte('=')
	b.WriteString(cookieValue(value))
	if d := p.domainFor(host); d != "" {
		b.WriteString("; Domain=")
		b.WriteString(d)
	}
	path := p.Path
	if path == "" {
		path = "/"
	}
	b.WriteString("; Path=")
	b.WriteString(path)
	age := p.MaxAge
	if age > MaxCookieAge {
		age = MaxCookieAge
	}
	b.WriteString("; Max-Age=")
	b.WriteString(strconv.FormatInt(int64(age/time.Second), 10))
	if p.Secure {
		b.WriteString("; Secure")
	}
	if p.HTTPOnly {
		b.WriteString("; HttpOnly")
	}
	if p.SameSite != "" {
		b.WriteString("; SameSite=")
		b.WriteString(p.SameSite)
	}
	return b.String()
}

// RegistrableDomain returns the eTLD+1 of host (port removed) by the public-suffix list,
// or "" for IP addresses, single-label hosts and public suffixes themselves: such hosts
// get host-only cookies.
func RegistrableDomain(host string) string {
	h := hostOnly(host)
	if h == "" || net.ParseIP(h) != nil || !strings.Contains(h, ".") || !hostChars(h) {
		return ""
	}
	d, err := publicsuffix.EffectiveTLDPlusOne(h)
	if err != nil {
		return ""
	}
	return d
}

// hostChars reports whether h is made of DNS name characters only; anything else (a
// forwarded Host header can say anything) never becomes a cookie Domain.
func hostChars(h string) bool {
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}

func hostOnly(host string) string {
	h := strings.TrimSpace(strings.ToLower(host))
	if hh, _, err := net.SplitHostPort(h); err == nil {
		h = hh
	}
	h = strings.TrimSuffix(strings.Trim(h, "[]"), ".")
	return h
}

// cookieValue percent-encodes the bytes that may not appear in a cookie value (RFC 6265
// cookie-octet), so that values taken from URLs (fbclid …) cannot break the header.
func cookieValue(v string) string {
	ok := true
	for i := 0; i < len(v); i++ {
		if !cookieOctet(v[i]) {
			ok = false
			break
		}
	}
	if ok {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if cookieOctet(c) {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

func cookieOctet(c byte) bool {
	return c == 0x21 || (c >= 0x23 && c <= 0x2B) || (c >= 0x2D && c <= 0x3A) || (c >= 0x3C && c <= 0x5B) || (c >= 0x5D && c <= 0x7E)
}

// firstCookie returns the first value of the named request cookie, or "".
func firstCookie(r *runtime.Request, name string) string {
	for _, v := range r.Cookies(name) {
		if v != "" {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}

// identityConfig is the identity-cookie feature shared by the GA4, data and click clients:
// _fbp/_fbc created server-side from fbclid, gclid kept in FPGCLAW and ttclid in its own
// cookie, all refreshed on every response so they outlive script-set cookies.
type identityConfig struct {
	Enabled               bool
	Fbp, Fbc              bool
	Gclid, Ttclid         bool
	FbpName, FbcName      string
	GclidName, TtclidName string
	Cookie                cookiePolicy
}

func defaultIdentity(enabled bool) identityConfig {
	return identityConfig{
		Enabled: enabled, Fbp: true, Fbc: true, Gclid: true, Ttclid: true,
		FbpName: "_fbp", FbcName: "_fbc", GclidName: "FPGCLAW", TtclidName: "ttclid",
		// Readable by default: the Meta and TikTok pixels read these cookies in the browser.
		Cookie: cookiePolicy{Domain: "auto", Path: "/", MaxAge: 90 * 24 * time.Hour, Secure: true, SameSite: "Lax"},
	}
}

// readIdentity reads the "identity" settings table: enabled, fbp, fbc, gclid, ttclid,
// the four *_cookie names and the cookie attributes.
func readIdentity(s *settings, enabledByDefault bool) identityConfig {
	ic := defaultIdentity(enabledByDefault)
	t := s.table("identity")
	if t == nil {
		return ic
	}
	ic.Enabled = t.boolean("enabled", true)
	ic.Fbp = t.boolean("fbp", ic.Fbp)
	ic.Fbc = t.boolean("fbc", ic.Fbc)
	ic.Gclid = t.boolean("gclid", ic.Gclid)
	ic.Ttclid = t.boolean("ttclid", ic.Ttclid)
	ic.FbpName = t.str("fbp_cookie", ic.FbpName)
	ic.FbcName = t.str("fbc_cookie", ic.FbcName)
	ic.GclidName = t.str("gclid_cookie", ic.GclidName)
	ic.TtclidName = t.str("ttclid_cookie", ic.TtclidName)
	ic.Cookie = readCookiePolicy(t, ic.Cookie)
	s.adopt(t)
	return ic
}

// identity is what the identity cookies say about the browser for one request.
type identity struct {
	Fbp, Fbc, FBCLID string
	GCLID, TTCLID    string
	SetCookies       []string
}

// resolve computes the identity for a request. landing is the URL that may carry ad click
// ids (the page URL, or the click link itself); it may be nil.
func (ic identityConfig) resolve(r *runtime.Request, landing url.Values, now time.Time, rnd io.Reader) identity {
	var id identity
	if !ic.Enabled {
		return id
	}
	host := r.Host
	idx := subdomainIndex(ic.Cookie.domainFor(host), host)
	id.FBCLID = landing.Get("fbclid")
	if ic.Fbc {
		id.Fbc = firstCookie(r, ic.FbcName)
		if id.FBCLID != "" && !fbcCarries(id.Fbc, id.FBCLID) {
			id.Fbc = fmt.Sprintf("fb.%d.%d.%s", idx, now.UnixMilli(), id.FBCLID)
		}
		if id.Fbc != "" {
			id.SetCookies = append(id.SetCookies, ic.Cookie.header(ic.FbcName, id.Fbc, host))
		}
	}
	if ic.Fbp {
		id.Fbp = firstCookie(r, ic.FbpName)
		if id.Fbp == "" {
			id.Fbp = fmt.Sprintf("fb.%d.%d.%d", idx, now.UnixMilli(), randomDigits(rnd))
		}
		id.SetCookies = append(id.SetCookies, ic.Cookie.header(ic.FbpName, id.Fbp, host))
	}
	if ic.Gclid {
		cookie := firstCookie(r, ic.GclidName)
		if g := landing.Get("gclid"); g != "" {
			id.GCLID = g
			cookie = fmt.Sprintf("2.1.k%s$i%d", g, now.Unix())
		} else {
			id.GCLID = gclidFromCookie(cookie)
		}
		if cookie != "" {
			id.SetCookies = append(id.SetCookies, ic.Cookie.header(ic.GclidName, cookie, host))
		}
	}
	if ic.Ttclid {
		id.TTCLID = firstCookie(r, ic.TtclidName)
		if t := landing.Get("ttclid"); t != "" {
			id.TTCLID = t
		}
		if id.TTCLID != "" {
			id.SetCookies = append(id.SetCookies, ic.Cookie.header(ic.TtclidName, id.TTCLID, host))
		}
	}
	return id
}

// addTo writes the identity into event data under the keys Meta and other templates read.
// Existing keys are kept: what the client sent wins.
func (id identity) addTo(ev map[string]any) {
	set := func(k, v string) {
		if v == "" {
			return
		}
		if _, ok := ev[k]; !ok {
			ev[k] = v
		}
	}
	set("x-fb-ck-fbp", id.Fbp)
	set("x-fb-ck-fbc", id.Fbc)
	set("gclid", id.GCLID)
	set("ttclid", id.TTCLID)
}

// subdomainIndex is Meta's fbp/fbc subdomain index: the number of labels of the cookie
// domain minus one ("example.com" → 1). Host-only cookies count the host's labels; IP
// addresses count as 1, like a registrable domain.
func subdomainIndex(domain, host string) int {
	d := strings.TrimPrefix(domain, ".")
	if d == "" {
		d = hostOnly(host)
	}
	if d == "" || net.ParseIP(d) != nil {
		return 1
	}
	return strings.Count(d, ".")
}

// fbcCarries reports whether an _fbc value ("fb.1.<ms>.<fbclid>[.<appendix>]") is for
// this fbclid; newer Meta param builders append a segment after the click id.
func fbcCarries(fbc, fbclid string) bool {
	parts := strings.SplitN(fbc, ".", 4)
	if len(parts) < 4 || parts[0] != "fb" {
		return false
	}
	return parts[3] == fbclid || strings.HasPrefix(parts[3], fbclid+".")
}

// gclidFromCookie reads FPGCLAW ("2.1.k<gclid>$i<ts>") or the older "GCL.<ts>.<gclid>".
func gclidFromCookie(v string) string {
	if strings.HasPrefix(v, "GCL.") {
		parts := strings.SplitN(v, ".", 3)
		if len(parts) == 3 {
			return parts[2]
		}
		return ""
	}
	i := strings.Index(v, ".k")
	if i < 0 {
		return ""
	}
	g := v[i+2:]
	if j := strings.Index(g, "$i"); j >= 0 {
		g = g[:j]
	}
	return g
}

// randomDigits returns a 10-digit random number (the random part of _fbp).
func randomDigits(rnd io.Reader) uint64 {
	return 1_000_000_000 + randomUint64(rnd)%9_000_000_000
}

func randomUint64(rnd io.Reader) uint64 {
	if rnd == nil {
		rnd = rand.Reader
	}
	var b [8]byte
	if _, err := io.ReadFull(rnd, b[:]); err != nil {
		// crypto/rand does not fail on supported platforms; a test reader might.
		_, _ = rand.Read(b[:])
	}
	return binary.BigEndian.Uint64(b[:])
}

func randomBytes(rnd io.Reader, n int) []byte {
	if rnd == nil {
		rnd = rand.Reader
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(rnd, b); err != nil {
		_, _ = rand.Read(b)
	}
	return b
}
