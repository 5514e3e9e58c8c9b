package api

import (
	"net/url"
	"regexp"
	"strings"
)

// urlPattern is a permission URL pattern such as https://*.example.com/api/* (sGTM's
// send_http / send_pixel_from_browser syntax).
type urlPattern struct {
	scheme string
	host   string // exact host, or ".example.com" for *.example.com
	path   *regexp.Regexp
	any    bool // path "/" (or empty): any path and query on the host
}

func parseURLPattern(p string) (*urlPattern, bool) {
	scheme, rest, ok := strings.Cut(strings.TrimSpace(p), "://")
	if !ok || rest == "" {
		return nil, false
	}
	host, path := rest, "/"
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		host, path = rest[:i], rest[i:]
	}
	up := &urlPattern{scheme: strings.ToLower(scheme), host: strings.ToLower(host)}
	if strings.HasPrefix(up.host, "*.") {
		up.host = up.host[1:]
	}
	if path == "/" || path == "" {
		up.any = true
		return up, true
	}
	var b strings.Builder
	b.WriteString("^")
	for _, part := range strings.Split(path, "*") {
		if b.Len() > 1 {
			b.WriteString(".*")
		}
		b.WriteString(regexp.QuoteMeta(part))
	}
	// A path ending in "/" also covers what is below it.
	if strings.HasSuffix(path, "/") {
		b.WriteString(".*")
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, false
	}
	up.path = re
	return up, true
}

func (p *urlPattern) match(u *url.URL) bool {
	if !strings.EqualFold(u.Scheme, p.scheme) {
		return false
	}
	host := strings.ToLower(u.Hostname())
	if port := u.Port(); port != "" {
		host += ":" + port
	}
	if strings.HasPrefix(p.host, ".") {
		if host != p.host[1:] && !strings.HasSuffix(host, p.host) {
			return false
		}
	} else if host != p.host {
		return false
	}
	if p.any {
		return true
	}
	target := u.EscapedPath()
	if target == "" {
		target = "/"
	}
	if u.RawQuery != "" {
		target += "?" + u.RawQuery
	}
	return p.path.MatchString(target) || p.path.MatchString(u.Path+queryPart(u))
}

func queryPart(u *url.URL) string {
	if u.RawQuery == "" {
		return ""
	}
	return "?" + u.RawQuery
}

var googleHostSuffixes = []string{"google.com", "googleapis.com", "google-analytics.com", "doubleclick.net", "googleadservices.com", "googletagmanager.com", "googlesyndication.com", "googletagservices.com", "gstatic.com"}

func isGoogleHost(h string) bool {
	h = strings.ToLower(h)
	for _, s := range googleHostSuffixes {
		if h == s || strings.HasSuffix(h, "."+s) {
			return true
		}
	}
	return false
}
