package api

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/tagd-dev/tagd/runtime"
)

// The Universal Analytics (Measurement Protocol v1) mapping for extractEventsFromMpv1.
// Parameters with a common-event-data meaning get that key; everything else is kept as
// x-ga-mp1-<param> (the keys real templates read: x-ga-mp1-ev, -tr, -pa, ...) [inf].

var mpv1Strings = map[string]string{
	"v": "x-ga-protocol_version", "tid": "x-ga-measurement_id", "cid": "client_id",
	"uid": "user_id", "dl": "page_location", "dh": "page_hostname", "dp": "page_path",
	"dr": "page_referrer", "dt": "page_title", "ul": "language", "sr": "screen_resolution",
	"vp": "viewport_size", "de": "page_encoding", "uip": "ip_override", "ua": "user_agent",
	"cu": "currency", "ti": "transaction_id",
}

// mpv1EventNames maps hit types to GA4-style event names; an event hit is named by its
// action (ea) [inf].
var mpv1EventNames = map[string]string{
	"pageview": "page_view", "screenview": "screen_view", "transaction": "purchase",
	"timing": "timing_complete",
}

var mpv1ItemCodes = map[string]string{
	"id": "item_id", "nm": "item_name", "br": "item_brand", "ca": "item_category",
	"va": "item_variant", "pr": "price", "qt": "quantity", "cc": "coupon", "ps": "index",
}

// extractMpv1 turns a UA request into one event per hit (one per body line for /batch).
func extractMpv1(r *runtime.Request) ([]map[string]any, error) {
	var hs []url.Values
	if pathIs(r.Path, "/batch") {
		var err error
		if hs, err = hits(r); err != nil {
			return nil, err
		}
	} else {
		// /collect carries one hit: query and form body together.
		q, err := url.ParseQuery(r.RawQuery)
		if err != nil {
			return nil, fmt.Errorf("query string: %w", err)
		}
		if body := strings.TrimSpace(string(r.Body)); body != "" {
			b, err := url.ParseQuery(body)
			if err != nil {
				return nil, fmt.Errorf("body: %w", err)
			}
			for k, v := range b {
				q[k] = v
			}
		}
		hs = []url.Values{q}
	}
	out := make([]map[string]any, 0, len(hs))
	for i, h := range hs {
		ev, err := mpv1Event(h)
		if err != nil {
			return nil, fmt.Errorf("hit %d: %w", i+1, err)
		}
		addRequestDefaults(ev, r)
		out = append(out, ev)
	}
	return out, nil
}

func mpv1Event(h url.Values) (map[string]any, error) {
	ev := map[string]any{}
	items := map[int]map[string]any{}
	for k, vs := range h {
		v := vs[0]
		if key := mpv1Strings[k]; key != "" {
			ev[key] = v
			continue
		}
		if n, code, ok := mpv1ItemKey(k); ok {
			if items[n] == nil {
				items[n] = map[string]any{}
			}
			if key := mpv1ItemCodes[code]; key != "" {
				if code == "pr" || code == "qt" || code == "ps" {
					items[n][key] = number(v)
				} else {
					items[n][key] = v
				}
			} else {
				items[n]["x-ga-mp1-"+code] = v
			}
			continue
		}
		ev["x-ga-mp1-"+k] = v
	}
	t := h.Get("t")
	switch {
	case t == "event" && h.Get("ea") != "":
		ev["event_name"] = h.Get("ea")
	case mpv1EventNames[t] != "":
		ev["event_name"] = mpv1EventNames[t]
	case t != "":
		ev["event_name"] = t
	default:
		return nil, fmt.Errorf("%w (hit type t is missing)", errNoEventName)
	}
	if len(items) > 0 {
		idx := make([]int, 0, len(items))
		for n := range items {
			idx = append(idx, n)
		}
		sort.Ints(idx)
		list := make([]any, len(idx))
		for i, n := range idx {
			list[i] = items[n]
		}
		ev["items"] = list
	}
	return ev, nil
}

// mpv1ItemKey splits pr<N><code> (N 1…200, code two letters) as UA sends products.
func mpv1ItemKey(k string) (int, string, bool) {
	if len(k) < 5 || !strings.HasPrefix(k, "pr") {
		return 0, "", false
	}
	digits := k[2 : len(k)-2]
	code := k[len(k)-2:]
	if digits == "" || digits[0] == '0' {
		return 0, "", false
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n < 1 || n > 200 || strings.ContainsAny(digits, "+-") {
		return 0, "", false
	}
	return n, code, true
}
