package api

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/tagd-dev/tagd/runtime"
)

// The built-in /g/collect mapping (protocols.md §a) for extractEventsFromMpv2: the common
// parameters, ep./epn./up./upn., items and system properties. Unknown parameters are kept
// as x-ga-<name>. The GA4 client package has the complete mapping (SetMpv2Parser).

var mpv2Strings = map[string]string{
	"v": "x-ga-protocol_version", "tid": "x-ga-measurement_id", "gtm": "x-ga-gtm_version",
	"cid": "client_id", "uid": "user_id", "sid": "ga_session_id", "seg": "x-ga-mp2-seg",
	"dl": "page_location", "dr": "page_referrer", "dt": "page_title", "ul": "language",
	"sr": "screen_resolution", "en": "event_name", "cu": "currency", "gcs": "x-ga-gcs",
	"gcd": "x-ga-gcd", "npa": "x-ga-npa", "richsstsse": "x-ga-mp2-richsstsse",
	"_uip": "ip_override",
}

var mpv2Numbers = map[string]string{
	"sct": "ga_session_number", "_s": "x-ga-request_count", "_et": "engagement_time_msec",
	"tfd": "x-ga-tfd",
}

var itemCodes = map[string]string{
	"id": "item_id", "nm": "item_name", "br": "item_brand", "ca": "item_category",
	"c2": "item_category2", "c3": "item_category3", "c4": "item_category4", "c5": "item_category5",
	"va": "item_variant", "pr": "price", "qt": "quantity", "cp": "coupon", "ds": "discount",
	"ln": "item_list_name", "li": "item_list_id", "lp": "index", "af": "affiliation",
	"lo": "location_id", "pi": "promotion_id", "pn": "promotion_name", "cn": "creative_name",
	"cs": "creative_slot",
}

var itemNumbers = map[string]bool{"pr": true, "qt": true, "ds": true, "lp": true}

// extractMpv2 turns a /g/collect request into one event per hit.
func extractMpv2(r *runtime.Request) ([]map[string]any, error) {
	hs, err := hits(r)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(hs))
	for i, h := range hs {
		ev, err := mpv2Event(h)
		if err != nil {
			return nil, fmt.Errorf("hit %d: %w", i+1, err)
		}
		addRequestDefaults(ev, r)
		out = append(out, ev)
	}
	return out, nil
}

func mpv2Event(h url.Values) (map[string]any, error) {
	ev := map[string]any{}
	sys := map[string]any{}
	userProps := map[string]any{}
	items := map[int]map[string]any{}
	for k, vs := range h {
		v := vs[0]
		switch {
		case mpv2Strings[k] != "":
			ev[mpv2Strings[k]] = v
		case mpv2Numbers[k] != "":
			ev[mpv2Numbers[k]] = number(v)
		case k == "_p":
			// Page ids can exceed 2^53: keep them exact.
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				ev["x-ga-page_id"] = n
			} else {
				ev["x-ga-page_id"] = v
			}
		case k == "dma":
			ev["x-ga-dma"] = v == "1"
		case k == "_ss" || k == "_fv" || k == "_nsi" || k == "_c" || k == "_dbg":
			sys[k[1:]] = v
		case k == "_ee":
			sys["ee"] = true
		case strings.HasPrefix(k, "ep.") && len(k) > 3:
			ev[k[3:]] = v
		case strings.HasPrefix(k, "epn.") && len(k) > 4:
			ev[k[4:]] = number(v)
		case strings.HasPrefix(k, "up.") && len(k) > 3:
			userProps[k[3:]] = v
		case strings.HasPrefix(k, "upn.") && len(k) > 4:
			userProps[k[4:]] = number(v)
		case isItemKey(k):
			n, _ := strconv.Atoi(k[2:])
			items[n] = parseItem(v)
		default:
			ev["x-ga-"+k] = v
		}
	}
	if name, _ := ev["event_name"].(string); name == "" {
		return nil, errNoEventName
	}
	if len(sys) > 0 {
		ev["x-ga-system_properties"] = sys
	}
	if len(userProps) > 0 {
		ev["x-ga-mp2-user_properties"] = userProps
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

// isItemKey matches pr1 … pr200.
func isItemKey(k string) bool {
	if len(k) < 3 || len(k) > 5 || !strings.HasPrefix(k, "pr") {
		return false
	}
	n, err := strconv.Atoi(k[2:])
	return err == nil && n >= 1 && n <= 200 && k[2] != '0' && k[2] != '+' && k[2] != '-'
}

// parseItem decodes one "~"-separated item: two-letter codes, plus custom parameters as
// k<i>name / v<i>value pairs.
func parseItem(s string) map[string]any {
	item := map[string]any{}
	keys, vals := map[byte]string{}, map[byte]string{}
	for _, f := range strings.Split(s, "~") {
		if len(f) < 2 {
			continue
		}
		code, val := f[:2], f[2:]
		switch {
		case itemCodes[code] != "":
			if itemNumbers[code] {
				item[itemCodes[code]] = number(val)
			} else {
				item[itemCodes[code]] = val
			}
		case code[0] == 'k':
			keys[code[1]] = val
		case code[0] == 'v':
			vals[code[1]] = val
		}
	}
	for i, k := range keys {
		if v, ok := vals[i]; ok && k != "" {
			item[k] = v
		}
	}
	return item
}

// number parses a numeric parameter; an unparsable value stays a string.
func number(s string) any {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return s
	}
	return f
}
