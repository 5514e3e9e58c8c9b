package ga4

import (
	"net/http"
	"strings"
)

// CORSHeaders writes the CORS headers for a /g/collect response into w and
// reports whether the request's origin is allowed.
//
// gtag posts cross-origin (site → tagging subdomain) with credentials, so an
// allowed origin is echoed (never "*", which browsers refuse together with
// credentials) along with Access-Control-Allow-Credentials: true. Vary:
// Origin is always added because the answer depends on it. A preflight
// (OPTIONS) also gets the allowed methods, the requested headers echoed and a
// one-day Max-Age.
//
// allowedOrigins nil, or containing "*", allows every origin except the
// opaque "null" origin (sandboxed frames, file: pages), which must be listed
// explicitly. Otherwise an origin must equal a listed one (ASCII
// case-insensitively; a trailing "/" in the list is ignored). A request
// without an Origin header is not a CORS request: nothing but Vary is
// written and it is allowed.
func CORSHeaders(w http.Header, r *http.Request, allowedOrigins []string) (allowed bool) {
	addVary(w, "Origin")
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	if !originAllowed(origin, allowedOrigins) {
		return false
	}
	w.Set("Access-Control-Allow-Origin", origin)
	w.Set("Access-Control-Allow-Credentials", "true")
	if r.Method == http.MethodOptions {
		w.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		if h := r.Header.Get("Access-Control-Request-Headers"); h != "" {
			w.Set("Access-Control-Allow-Headers", h)
		}
		w.Set("Access-Control-Max-Age", "86400")
		// The echoed header list depends on the request too.
		addVary(w, "Access-Control-Request-Headers")
	}
	return true
}

func originAllowed(origin string, allowed []string) bool {
	if allowed == nil {
		return origin != "null"
	}
	for _, a := range allowed {
		if a == "*" && origin != "null" {
			return true
		}
		if strings.EqualFold(strings.TrimSuffix(a, "/"), origin) {
			return true
		}
	}
	return false
}

// addVary appends a Vary token unless it is already present.
func addVary(w http.Header, token string) {
	for _, line := range w.Values("Vary") {
		for _, t := range strings.Split(line, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return
			}
		}
	}
	w.Add("Vary", token)
}
