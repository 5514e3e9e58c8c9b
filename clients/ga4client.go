package clients

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tagd-dev/tagd/clients/ga4"
	"github.com/tagd-dev/tagd/runtime"
)

func init() { Register("ga4", newGA4) }

// GA4 is the built-in GA4 web client: it claims /g/collect hits (v=2 with a measurement
// id), turns each into events in sGTM's event model, runs them and answers with CORS.
// Optionally it manages the client id itself in an HttpOnly FPID cookie (sGTM's
// "server managed" client id) and sets identity cookies (_fbp, _fbc, FPGCLAW, ttclid).
type GA4 struct {
	deps
	name     string
	origins  []string
	maxBody  int64
	fpid     fpidConfig
	identity identityConfig
}

// fpidConfig is the server-managed client id (protocols.md §a.6).
type fpidConfig struct {
	Enabled bool
	Name    string
	// Migrate derives the first FPID from the JavaScript client id (cid), keeping its
	// timestamp, so that existing users keep their identity when switching modes.
	Migrate bool
	Cookie  cookiePolicy
}

func newGA4(name string, raw map[string]any) (runtime.Client, error) {
	s := newSettings(raw)
	c := &GA4{name: name}
	c.origins = s.strings("cors_allowed_origins", nil)
	c.maxBody = s.integer("max_body_bytes", ga4.MaxBodyBytes, 1, ga4.MaxBodyBytes)
	c.fpid = fpidConfig{
		Name:   "FPID",
		Cookie: cookiePolicy{Domain: "auto", Path: "/", MaxAge: MaxCookieAge, HTTPOnly: true, Secure: true, SameSite: "Lax"},
	}
	if t := s.table("fpid"); t != nil {
		c.fpid.Enabled = t.boolean("enabled", true)
		c.fpid.Name = t.str("cookie_name", c.fpid.Name)
		c.fpid.Migrate = t.boolean("migrate", false)
		c.fpid.Cookie = readCookiePolicy(t, c.fpid.Cookie)
		if c.fpid.Name == "" || strings.ContainsAny(c.fpid.Name, "=; ,\t\r\n") {
			t.errorf("cookie_name", "%q is not a valid cookie name", c.fpid.Name)
		}
		s.adopt(t)
	}
	c.identity = readIdentity(s, false)
	if err := s.err(); err != nil {
		return nil, err
	}
	return c, nil
}

// Handle implements runtime.Client.
func (c *GA4) Handle(ctx context.Context, x *runtime.Exchange) (bool, error) {
	r := x.Request
	isPath := r.Path == "/g/collect" || r.Path == "/g/collect/"
	if !isPath {
		return false, nil
	}
	resp := x.Response()
	if r.Method == http.MethodOptions {
		if err := x.Claim(c.name); err != nil {
			return false, err
		}
		cors(x, c.origins)
		resp.SetStatus(http.StatusNoContent)
		resp.Return()
		return true, nil
	}
	if !ga4.Claims(r.Path, r.RawQuery, r.Body) {
		return false, nil
	}
	if err := x.Claim(c.name); err != nil {
		return false, err
	}
	cors(x, c.origins)
	if int64(len(r.Body)) > c.maxBody {
		reject(ctx, x, c.name, http.StatusRequestEntityTooLarge, false, fmt.Sprintf("GA4 hit body of %d bytes exceeds the limit of %d", len(r.Body), c.maxBody))
		return true, nil
	}
	events, err := ga4.Parse(ga4.Hit{Method: r.Method, RawQuery: r.RawQuery, Body: r.Body, Header: r.Header, RemoteIP: r.RemoteIP})
	if err != nil {
		reject(ctx, x, c.name, http.StatusBadRequest, false, "malformed GA4 hit: "+err.Error())
		return true, nil
	}
	now := c.clock()
	if c.fpid.Enabled {
		if line := c.applyFPID(r, events, now); line != "" {
			resp.AddHeader("Set-Cookie", line)
		}
	}
	if c.identity.Enabled {
		var landing url.Values
		if loc, _ := events[0]["page_location"].(string); loc != "" {
			if u, err := url.Parse(loc); err == nil {
				landing = u.Query()
			}
		}
		id := c.identity.resolve(r, landing, now, c.rnd)
		addCookies(resp, id.SetCookies)
		for _, ev := range events {
			id.addTo(ev)
		}
	}
	err = runAll(ctx, x, events)
	if r.HasQueryParam("richsstsse") {
		resp.SetHeader("Content-Type", "text/event-stream", false)
	}
	resp.SetStatus(http.StatusOK)
	resp.Return()
	return true, err
}

// applyFPID replaces client_id with the id in the FPID cookie (issuing one when there is
// none) and keeps the browser's own cid in x-ga-js_client_id. It returns the Set-Cookie
// line, refreshed on every hit so the cookie lives as long as the visitor keeps coming.
// With analytics_storage denied the cookie is neither read nor written.
func (c *GA4) applyFPID(r *runtime.Request, events []map[string]any, now time.Time) string {
	for _, ev := range events {
		if cs, ok := ev["consent_state"].(map[string]any); ok && cs["analytics_storage"] == "denied" {
			return ""
		}
	}
	value := firstCookie(r, c.fpid.Name)
	clientID, ok := parseFPID(value)
	if !ok {
		jsID, _ := events[0]["client_id"].(string)
		value, clientID = newFPID(jsID, c.fpid.Migrate, now, c.rnd)
	}
	for _, ev := range events {
		if js, ok := ev["client_id"]; ok {
			ev["x-ga-js_client_id"] = js
		}
		ev["client_id"] = clientID
	}
	return c.fpid.Cookie.header(c.fpid.Name, value, r.Host)
}

// parseFPID reads "FPID2.<v>.<url-encoded id>.<unix seconds>" and returns the client id
// "<id>.<seconds>" that sGTM exposes.
func parseFPID(v string) (string, bool) {
	rest, ok := strings.CutPrefix(v, "FPID2.")
	if !ok {
		return "", false
	}
	_, rest, ok = strings.Cut(rest, ".")
	if !ok {
		return "", false
	}
	i := strings.LastIndexByte(rest, '.')
	if i <= 0 || i == len(rest)-1 {
		return "", false
	}
	enc, ts := rest[:i], rest[i+1:]
	if _, err := strconv.ParseUint(ts, 10, 64); err != nil {
		return "", false
	}
	id, err := url.QueryUnescape(enc)
	if err != nil || id == "" {
		return "", false
	}
	return id + "." + ts, true
}

// newFPID issues a cookie value and its client id. With migrate and a JavaScript client id
// "<random>.<seconds>", the id is derived from it (SHA-256, so the same browser gets the
// same FPID on every first hit until the cookie sticks) and its timestamp is kept;
// otherwise 32 random bytes and the current time are used.
func newFPID(jsID string, migrate bool, now time.Time, rnd io.Reader) (value, clientID string) {
	var raw []byte
	ts := strconv.FormatInt(now.Unix(), 10)
	if migrate {
		if i := strings.LastIndexByte(jsID, '.'); i > 0 {
			if _, err := strconv.ParseUint(jsID[i+1:], 10, 64); err == nil {
				sum := sha256.Sum256([]byte(jsID))
				raw, ts = sum[:], jsID[i+1:]
			}
		}
	}
	if raw == nil {
		raw = randomBytes(rnd, 32)
	}
	id := base64.StdEncoding.EncodeToString(raw)
	return "FPID2.2." + url.QueryEscape(id) + "." + ts, id + "." + ts
}

func copyHeaders(resp *runtime.Response, h http.Header) {
	for k, vs := range h {
		for i, v := range vs {
			if i == 0 {
				resp.SetHeader(k, v, false)
			} else {
				resp.AddHeader(k, v)
			}
		}
	}
}
