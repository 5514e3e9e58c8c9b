package loader

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/tagd-dev/tagd/runtime"
)

// eventDataVar reads a key path of the event.
type eventDataVar struct{ key string }

func (v eventDataVar) Value(_ context.Context, ec *runtime.EventContext) (any, error) {
	x, _ := ec.Event.Get(v.key)
	return x, nil
}

// requestHeaderVar reads an inbound request header (values joined like sGTM).
type requestHeaderVar struct{ name string }

func (v requestHeaderVar) Value(_ context.Context, ec *runtime.EventContext) (any, error) {
	if ec.Exchange == nil {
		return nil, nil
	}
	vals := ec.Exchange.Request.Header.Values(v.name)
	if len(vals) == 0 {
		return nil, nil
	}
	return strings.Join(vals, ", "), nil
}

// cookieVar reads the first value of an inbound cookie.
type cookieVar struct{ name string }

func (v cookieVar) Value(_ context.Context, ec *runtime.EventContext) (any, error) {
	if ec.Exchange == nil {
		return nil, nil
	}
	vals := ec.Exchange.Request.Cookies(v.name)
	if len(vals) == 0 {
		return nil, nil
	}
	return vals[0], nil
}

// queryVar reads the first value of an inbound query parameter.
type queryVar struct{ name string }

func (v queryVar) Value(_ context.Context, ec *runtime.EventContext) (any, error) {
	if ec.Exchange == nil {
		return nil, nil
	}
	s, ok := ec.Exchange.Request.QueryParam(v.name)
	if !ok {
		return nil, nil
	}
	return s, nil
}

// constantVar is a fixed value (which may reference other variables).
type constantVar struct{ value any }

func (v constantVar) Value(ctx context.Context, ec *runtime.EventContext) (any, error) {
	return ec.ResolveParams(ctx, map[string]any{"v": v.value})["v"], nil
}

type tableRow struct {
	key   string
	re    *regexp.Regexp
	value any
}

// tableVar is a lookup table (exact match) or a regex table (RE2, first match wins; $n
// groups substituted in string values).
type tableVar struct {
	input      string
	rows       []tableRow
	regex      bool
	ignoreCase bool
}

func (v tableVar) Value(ctx context.Context, ec *runtime.EventContext) (any, error) {
	in := runtime.Stringify(ec.ResolveParams(ctx, map[string]any{"v": v.input})["v"])
	for _, r := range v.rows {
		if !v.regex {
			if r.key == in || v.ignoreCase && strings.EqualFold(r.key, in) {
				return ec.ResolveParams(ctx, map[string]any{"v": r.value})["v"], nil
			}
			continue
		}
		m := r.re.FindStringSubmatchIndex(in)
		if m == nil {
			continue
		}
		val := ec.ResolveParams(ctx, map[string]any{"v": r.value})["v"]
		if s, ok := val.(string); ok && strings.Contains(s, "$") {
			val = string(r.re.ExpandString(nil, s, in, m))
		}
		return val, nil
	}
	return nil, nil
}

func compileRow(key string, ignoreCase, fullMatch bool) (*regexp.Regexp, error) {
	pat := key
	if fullMatch {
		pat = "^(?:" + pat + ")$"
	}
	if ignoreCase {
		pat = "(?i)" + pat
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return nil, fmt.Errorf("bad regex %q: %w", key, err)
	}
	return re, nil
}
