package runtime

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
)

// Request is the inbound HTTP request as clients and templates see it: read once, size
// capped, with the container's path prefix removed.
type Request struct {
	Method   string
	Path     string // without query and without the configured path prefix
	RawQuery string
	// Query is the parsed query string. ReadRequest leaves it nil: read it through
	// QueryValues, which parses RawQuery on first use (the GA4 client, which serves most
	// requests, parses the query itself and never needs it).
	Query    url.Values
	Header   http.Header
	Body     []byte
	Host     string
	Scheme   string
	RemoteIP string // client IP: trusted-proxy aware
	PeerIP   string // the TCP peer

	queryOnce sync.Once
}

// QueryValues returns the parsed query string, parsing RawQuery on first use. Parameters
// that do not decode are dropped; the rest are kept. Safe for concurrent use; callers must
// not modify the result.
func (r *Request) QueryValues() url.Values {
	r.queryOnce.Do(func() {
		if r.Query != nil {
			return
		}
		q, err := url.ParseQuery(r.RawQuery)
		if err != nil {
			// Keep what parsed; clients decide whether a broken query is fatal.
			q, _ = url.ParseQuery(sanitizeQuery(r.RawQuery))
		}
		r.Query = q
	})
	return r.Query
}

// ErrBodyTooLarge is returned by ReadRequest when the body exceeds the limit.
var ErrBodyTooLarge = errors.New("request body too large")

// RequestOptions says how to read inbound requests.
type RequestOptions struct {
	MaxBodyBytes   int64
	PathPrefix     string
	TrustedProxies []netip.Prefix
}

// ReadRequest reads r into a Request. The body is capped at MaxBodyBytes.
func ReadRequest(r *http.Request, o RequestOptions) (*Request, error) {
	var body []byte
	if r.Body != nil {
		limit := o.MaxBodyBytes
		if limit <= 0 {
			limit = 1 << 20
		}
		b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
		if err != nil {
			return nil, fmt.Errorf("reading request body: %w", err)
		}
		if int64(len(b)) > limit {
			return nil, ErrBodyTooLarge
		}
		body = b
	}
	path := r.URL.Path
	if p := strings.TrimSuffix(o.PathPrefix, "/"); p != "" && strings.HasPrefix(path, p) {
		rest := path[len(p):]
		if rest == "" || rest[0] == '/' {
			path = rest
			if path == "" {
				path = "/"
			}
		}
	}
	peer := r.RemoteAddr
	if h, _, err := net.SplitHostPort(peer); err == nil {
		peer = h
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	req := &Request{
		Method:   r.Method,
		Path:     path,
		RawQuery: r.URL.RawQuery,
		// Not a copy: net/http gives every request a header map of its own and never
		// reuses it, and nothing in tagd changes an inbound request's headers.
		Header: r.Header,
		Body:   body,
		Host:   r.Host,
		Scheme: scheme,
		PeerIP: peer,
	}
	req.RemoteIP = clientIP(peer, r.Header, o.TrustedProxies)
	if trusted(peer, o.TrustedProxies) {
		if p := r.Header.Get("X-Forwarded-Proto"); p != "" {
			req.Scheme = strings.ToLower(strings.TrimSpace(strings.Split(p, ",")[0]))
		}
		if h := r.Header.Get("X-Forwarded-Host"); h != "" {
			req.Host = strings.TrimSpace(strings.Split(h, ",")[0])
		}
	}
	return req, nil
}

func sanitizeQuery(q string) string {
	var parts []string
	for _, kv := range strings.Split(q, "&") {
		if _, err := url.ParseQuery(kv); err == nil {
			parts = append(parts, kv)
		}
	}
	return strings.Join(parts, "&")
}

func trusted(ip string, nets []netip.Prefix) bool {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, n := range nets {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// clientIP walks X-Forwarded-For (or Forwarded) from the right while hops are trusted
// proxies, so a client cannot spoof its address past our own proxies.
func clientIP(peer string, h http.Header, nets []netip.Prefix) string {
	if !trusted(peer, nets) {
		return peer
	}
	var hops []string
	for _, v := range h.Values("X-Forwarded-For") {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				hops = append(hops, p)
			}
		}
	}
	if len(hops) == 0 {
		for _, v := range h.Values("Forwarded") {
			for _, elem := range strings.Split(v, ",") {
				for _, pair := range strings.Split(elem, ";") {
					k, val, ok := strings.Cut(strings.TrimSpace(pair), "=")
					if ok && strings.EqualFold(k, "for") {
						val = strings.Trim(val, `"`)
						val = strings.TrimPrefix(val, "[")
						if i := strings.LastIndex(val, "]"); i >= 0 {
							val = val[:i]
						} else if strings.Count(val, ":") == 1 {
							val, _, _ = strings.Cut(val, ":")
						}
						hops = append(hops, val)
					}
				}
			}
		}
	}
	ip := peer
	for i := len(hops) - 1; i >= 0; i-- {
		ip = hops[i]
		if !trusted(ip, nets) {
			break
		}
	}
	return ip
}

// HasQueryParam reports whether the query string names the parameter, scanning it rather
// than parsing it all (names with escapes go through QueryValues). A pair whose value does
// not decode still counts here, though QueryValues drops it.
func (r *Request) HasQueryParam(name string) bool {
	for rest := r.RawQuery; rest != ""; {
		var pair string
		pair, rest, _ = strings.Cut(rest, "&")
		if pair == "" {
			continue // as url.ParseQuery: "a&&b" has no empty name
		}
		key, _, _ := strings.Cut(pair, "=")
		if strings.ContainsAny(key, "%+") {
			// An encoded name: let the parser decide.
			_, ok := r.QueryValues()[name]
			return ok
		}
		if key == name {
			return true
		}
	}
	return false
}

// QueryParam returns the first value of a query parameter.
func (r *Request) QueryParam(name string) (string, bool) {
	v, ok := r.QueryValues()[name]
	if !ok || len(v) == 0 {
		return "", false
	}
	return v[0], true
}

// Cookies returns all values of the named cookie, in header order.
func (r *Request) Cookies(name string) []string {
	var out []string
	for _, line := range r.Header.Values("Cookie") {
		for _, part := range strings.Split(line, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
			if ok && k == name {
				out = append(out, v)
			}
		}
	}
	return out
}

// URL returns the absolute request URL as the browser addressed it.
func (r *Request) URL() string {
	u := url.URL{Scheme: r.Scheme, Host: r.Host, Path: r.Path, RawQuery: r.RawQuery}
	return u.String()
}
