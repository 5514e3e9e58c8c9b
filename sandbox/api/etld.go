package api

import (
	"net"
	"net/url"
	"strings"

	"github.com/dop251/goja"
	"github.com/tagd-dev/tagd/sandbox"
)

func init() {
	register("computeEffectiveTldPlusOne", "", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		arg := c.Argument(0)
		if isNullish(arg) {
			return arg
		}
		return vu.Runtime().ToValue(EffectiveTLDPlusOne(jsString(arg)))
	})
}

// EffectiveTLDPlusOne returns the eTLD+1 (Public Suffix List) of a domain or URL, or ""
// when there is none: IP addresses, single labels, public suffixes and unparsable input.
func EffectiveTLDPlusOne(domainOrURL string) string {
	s := strings.TrimSpace(domainOrURL)
	if strings.Contains(s, "://") || strings.HasPrefix(s, "//") {
		u, err := url.Parse(s)
		if err != nil {
			return ""
		}
		return etldPlusOne(u.Hostname())
	}
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	if h, _, err := net.SplitHostPort(s); err == nil {
		s = h
	}
	return etldPlusOne(s)
}
