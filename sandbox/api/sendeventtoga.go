package api

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/dop251/goja"
	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/runtime/cloud"
	"github.com/tagd-dev/tagd/sandbox"
)

// sendEventToGoogleAnalytics turns one common-event-data event into a GA4 /g/collect hit
// and sends it through Env.HTTP (so the outbound redirect and dispatcher limits apply). It
// resolves with {location} when GA answers with a Location header (a redirect the client
// should forward), else {}. Like getGoogleScript it is gated by send_http for the Google
// URL of the hit (Google names no permission; allowGoogleDomains grants it).

func init() {
	// partial: the GA4 parameter mapping is inferred, and a Location answer is only seen
	// when the dispatcher does not follow redirects.
	sandbox.Register(sandbox.API{Name: "sendEventToGoogleAnalytics", Permission: "send_http", Status: "partial",
		New: func(vu *sandbox.VU) goja.Value {
			return fn(vu, func(c goja.FunctionCall) goja.Value { return sendEventToGA(vu, c) })
		}})
}

// gaDirect maps event keys to /g/collect parameters.
var gaDirect = []struct{ key, param string }{
	{"user_id", "uid"},
	{"page_location", "dl"},
	{"page_referrer", "dr"},
	{"page_title", "dt"},
	{"language", "ul"},
	{"screen_resolution", "sr"},
	{"page_encoding", "de"},
	{"currency", "cu"},
	{"ip_override", "_uip"},
	{"ga_session_id", "sid"},
	{"ga_session_number", "sct"},
	{"engagement_time_msec", "_et"},
	{"x-ga-gtm_version", "gtm"},
	{"x-ga-page_id", "_p"},
	{"x-ga-request_count", "_s"},
	{"x-ga-gcs", "gcs"},
	{"x-ga-gcd", "gcd"},
	{"x-ga-npa", "npa"},
	{"x-ga-dma", "dma"},
	{"x-ga-dma_cps", "dma_cps"},
	{"x-ga-mp2-seg", "seg"},
}

// gaSkip are event keys that are not event parameters.
var gaSkip = map[string]bool{
	"event_name": true, "client_id": true, "user_agent": true, "page_hostname": true,
	"page_path": true, "viewport_size": true, "items": true, "user_data": true,
	"user_properties": true,
}

// gaItemKeys maps GA4 item fields to their short names in a prN parameter.
var gaItemKeys = []struct{ key, short string }{
	{"item_id", "id"}, {"item_name", "nm"}, {"affiliation", "af"}, {"coupon", "cp"},
	{"discount", "ds"}, {"index", "lp"}, {"item_brand", "br"}, {"item_category", "ca"},
	{"item_category2", "c2"}, {"item_category3", "c3"}, {"item_category4", "c4"},
	{"item_category5", "c5"}, {"item_list_id", "li"}, {"item_list_name", "ln"},
	{"item_variant", "va"}, {"location_id", "lo"}, {"price", "pr"}, {"quantity", "qt"},
	{"promotion_id", "pi"}, {"promotion_name", "pn"}, {"creative_name", "cn"},
	{"creative_slot", "cs"},
}

// gaScalar renders a parameter value; ok is false for values GA cannot take (objects,
// arrays, null).
func gaScalar(v any) (s string, numeric, ok bool) {
	switch t := v.(type) {
	case string:
		return t, false, true
	case bool:
		if t {
			return "1", false, true
		}
		return "0", false, true
	case int64:
		return strconv.FormatInt(t, 10), true, true
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return "", false, false
		}
		return strconv.FormatFloat(t, 'f', -1, 64), true, true
	}
	return "", false, false
}

// gaCollectParams builds the query of a /g/collect hit. It needs x-ga-measurement_id,
// client_id and event_name.
func gaCollectParams(ev map[string]any) (url.Values, error) {
	q := url.Values{}
	str := func(k string) string { s, _, _ := gaScalar(ev[k]); return s }
	for _, k := range []string{"x-ga-measurement_id", "client_id", "event_name"} {
		if str(k) == "" {
			return nil, fmt.Errorf("the event has no %s", k)
		}
	}
	v := str("x-ga-protocol_version")
	if v == "" {
		v = "2"
	}
	q.Set("v", v)
	q.Set("tid", str("x-ga-measurement_id"))
	q.Set("cid", str("client_id"))
	q.Set("en", str("event_name"))
	for _, m := range gaDirect {
		if s, _, ok := gaScalar(ev[m.key]); ok && s != "" {
			q.Set(m.param, s)
		}
	}
	direct := map[string]bool{}
	for _, m := range gaDirect {
		direct[m.key] = true
	}
	if sp, ok := ev["x-ga-system_properties"].(map[string]any); ok {
		for k, x := range sp {
			if s, _, ok := gaScalar(x); ok {
				if !strings.HasPrefix(k, "_") {
					k = "_" + k
				}
				q.Set(k, s)
			}
		}
	}
	for _, src := range []string{"x-ga-mp2-user_properties", "user_properties"} {
		if up, ok := ev[src].(map[string]any); ok {
			for k, x := range up {
				if s, num, ok := gaScalar(x); ok {
					if num {
						q.Set("upn."+k, s)
					} else {
						q.Set("up."+k, s)
					}
				}
			}
		}
	}
	for k, x := range ev {
		if gaSkip[k] || direct[k] || strings.HasPrefix(k, "x-") || k == "" {
			continue
		}
		if s, num, ok := gaScalar(x); ok {
			if num {
				q.Set("epn."+k, s)
			} else {
				q.Set("ep."+k, s)
			}
		}
	}
	if items, ok := ev["items"].([]any); ok {
		n := 0
		for _, it := range items {
			m, ok := it.(map[string]any)
			if !ok {
				continue
			}
			if enc := gaItem(m); enc != "" {
				n++
				q.Set("pr"+strconv.Itoa(n), enc)
			}
		}
	}
	return q, nil
}

// gaItem encodes one item as "idSKU~nmName~pr9.99~k0color~v0red": known fields by short
// name, the rest as numbered key/value pairs. '~' separates fields, so it is dropped
// from values.
func gaItem(m map[string]any) string {
	var parts []string
	known := map[string]bool{}
	clean := func(s string) string { return strings.ReplaceAll(s, "~", "") }
	for _, k := range gaItemKeys {
		known[k.key] = true
		if s, _, ok := gaScalar(m[k.key]); ok && s != "" {
			parts = append(parts, k.short+clean(s))
		}
	}
	var custom []string
	for k := range m {
		if !known[k] {
			custom = append(custom, k)
		}
	}
	sort.Strings(custom)
	i := 0
	for _, k := range custom {
		if s, _, ok := gaScalar(m[k]); ok {
			parts = append(parts, "k"+strconv.Itoa(i)+clean(k), "v"+strconv.Itoa(i)+clean(s))
			i++
		}
	}
	return strings.Join(parts, "~")
}

func sendEventToGA(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
	const api = "sendEventToGoogleAnalytics"
	rt := vu.Runtime()
	ev, ok := sandbox.FromJS(c.Argument(0)).(map[string]any)
	if !ok {
		vu.Throwf("%s: the event must be an object", api)
	}
	// Check before reserving a loop slot: a throw must not leave the slot pending.
	q, qerr := gaCollectParams(ev)
	query := ""
	if qerr == nil {
		query = q.Encode()
		vu.MustCheck(api, "send_http", cloud.DefaultGACollectURL+"?"+query)
	}
	p, resolve, reject := rt.NewPromise()
	enqueue := vu.Register()
	settle := func(v any, err error) {
		vu.RunTask(func() error {
			if err != nil {
				return reject(vu.ToJS(gsReason(err)))
			}
			return resolve(vu.ToJS(v))
		})
	}
	if qerr != nil {
		enqueue(func() {
			vu.RunTask(func() error {
				return reject(vu.ToJS(map[string]any{"reason": "invalid_event", "message": qerr.Error()}))
			})
		})
		return rt.ToValue(p)
	}
	target := cloud.Default().CollectURL() + "?" + query
	ex := vu.Exec()
	switch {
	case !gcOutbound(vu, api):
		enqueue(func() { settle(nil, errOutboundLimit) })
		return rt.ToValue(p)
	case ex == nil || ex.Env == nil || ex.Env.HTTP == nil:
		enqueue(func() { settle(nil, fmt.Errorf("%w: no outbound HTTP in this environment", runtime.ErrOutboundFailed)) })
		return rt.ToValue(p)
	}
	req := &runtime.OutboundRequest{Method: http.MethodPost, URL: target, Header: http.Header{}, Timeout: vu.Limits().HTTPTimeout, Source: ex.Name}
	if ua, _, ok := gaScalar(ev["user_agent"]); ok && ua != "" {
		req.Header.Set("User-Agent", ua)
	}
	d, ctx := ex.Env.HTTP, vu.Context()
	go func() {
		resp, err := d.Do(ctx, req)
		var out map[string]any
		if err == nil {
			if resp.StatusCode >= 400 {
				err = &gsStatusError{code: resp.StatusCode}
			} else {
				out = map[string]any{}
				if loc := resp.Header.Get("Location"); loc != "" {
					out["location"] = loc
				}
			}
		}
		enqueue(func() { settle(out, err) })
	}()
	return rt.ToValue(p)
}
