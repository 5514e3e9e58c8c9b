package ga4

import (
	"errors"
	"sort"
	"strings"
)

// renamed maps protocol parameters that become a plain string under another
// event-data key (protocols.md §a.2, §a.3). The documented parameters that
// merely gain the "x-ga-" prefix are listed too, although the unknown-
// parameter rule would give them the same key: listing them gives them
// protocol precedence, so an "ep.x-ga-gcs" cannot replace the real gcs.
var renamed = map[string]string{
	"v":          "x-ga-protocol_version",
	"tid":        "x-ga-measurement_id",
	"gtm":        "x-ga-gtm_version",
	"uid":        "user_id",
	"sid":        "ga_session_id",
	"seg":        "x-ga-mp2-seg",
	"dl":         "page_location",
	"dr":         "page_referrer",
	"dt":         "page_title",
	"ul":         "language",
	"sr":         "screen_resolution",
	"cu":         "currency",
	"frm":        "x-ga-mp2-frm",
	"tag_exp":    "x-ga-mp2-tag_exp",
	"tt":         "x-ga-mp2-tt",
	"ir":         "x-ga-mp2-ir",
	"richsstsse": "x-ga-mp2-richsstsse",
	"gcs":        "x-ga-gcs",
	"gcd":        "x-ga-gcd",
	"gcu":        "x-ga-gcu",
	"dma_cps":    "x-ga-dma_cps",
	"npa":        "x-ga-npa",
	"ecid":       "x-ga-ecid",
	"gdid":       "x-ga-gdid",
	"edid":       "x-ga-edid",
	"did":        "x-ga-did",
	"are":        "x-ga-are",
	"pscdl":      "x-ga-pscdl",
	"ur":         "x-ga-ur",
	"em":         "x-ga-em",
	"cs":         "campaign_source",
	"cm":         "campaign_medium",
	"cn":         "campaign_name",
	"cc":         "campaign_content",
	"ck":         "campaign_term",
	"ci":         "campaign_id",
}

// integers maps parameters whose value is an integer counter or timestamp.
var integers = map[string]string{
	"sct": "ga_session_number",
	"_s":  "x-ga-request_count",
	"_et": "engagement_time_msec",
	"tfd": "x-ga-tfd",
}

// systemProps maps event flags collected into x-ga-system_properties.
var systemProps = map[string]string{
	"_ss":  "ss",
	"_fv":  "fv",
	"_nsi": "nsi",
	"_c":   "c",
	"_eu":  "eu",
	"_tu":  "tu",
	"_z":   "z",
	"_dbg": "dbg",
}

// presenceFlags are system properties that gtag sends as "=1"; a bare flag
// without a value means the same.
var presenceFlags = map[string]bool{"ss": true, "fv": true, "nsi": true, "c": true, "dbg": true}

var errNoEventName = errors.New("no event name (en) in the line or the query string")

// buildEvent maps one event's effective parameters to event data.
//
// Keys are filled in a fixed order so that collisions resolve the same way
// whatever the map order: protocol parameters and request-derived keys
// first, then ep.* (string) and epn.* (number) event parameters, then unknown
// parameters as "x-ga-<name>". A later step never overwrites an earlier one,
// so ep.event_name cannot replace en, ep.items cannot replace the parsed
// items, and an unknown "page_id" parameter cannot replace x-ga-page_id.
func buildEvent(p map[string]string, env environment) (map[string]any, error) {
	name := p["en"]
	if name == "" {
		return nil, errNoEventName
	}
	ev := make(map[string]any, len(p)+4)
	ev["event_name"] = name

	var (
		sys     map[string]any
		hints   map[string]any
		props   map[string]any
		itemIdx []int
		ep, epn []string // parameter names, applied after the protocol keys
		upn     []string
		unknown []string
	)
	for k, v := range p {
		if dst, ok := renamed[k]; ok {
			ev[dst] = v
			continue
		}
		if dst, ok := integers[k]; ok {
			ev[dst] = intOrRaw(v)
			continue
		}
		if dst, ok := systemProps[k]; ok {
			if sys == nil {
				sys = make(map[string]any, 4)
			}
			if v == "" && presenceFlags[dst] {
				v = "1"
			}
			sys[dst] = v
			continue
		}
		switch k {
		case "en":
		case "cid":
			if v != "" {
				ev["client_id"] = v
			}
		case "_p":
			ev["x-ga-page_id"] = pageID(v)
		case "dma":
			ev["x-ga-dma"] = boolOrRaw(v)
		case "_uip":
			if v != "" {
				ev["ip_override"] = v
			}
		case "_ee":
			if sys == nil {
				sys = make(map[string]any, 4)
			}
			sys["ee"] = v != "0" && v != "false"
		case "uaa", "uab", "uam", "uamb", "uap", "uapv", "uaw", "uafvl":
			if hints == nil {
				hints = make(map[string]any, 8)
			}
			addClientHint(hints, k, v)
		default:
			switch {
			case len(k) > 3 && strings.HasPrefix(k, "ep."):
				ep = append(ep, k)
			case len(k) > 4 && strings.HasPrefix(k, "epn."):
				epn = append(epn, k)
			case len(k) > 3 && strings.HasPrefix(k, "up."):
				if props == nil {
					props = make(map[string]any, 4)
				}
				props[k[3:]] = v
			case len(k) > 4 && strings.HasPrefix(k, "upn."):
				upn = append(upn, k)
			default:
				if i, ok := itemIndex(k); ok {
					itemIdx = append(itemIdx, i)
				} else {
					unknown = append(unknown, k)
				}
			}
		}
	}

	if _, ok := ev["client_id"]; !ok && env.gaCookie != "" {
		ev["client_id"] = env.gaCookie
	}
	if _, ok := ev["ip_override"]; !ok && env.remoteIP != "" {
		ev["ip_override"] = env.remoteIP
	}
	if env.userAgent != "" {
		ev["user_agent"] = env.userAgent
	}
	if hints != nil {
		ev["client_hints"] = hints
	}
	if sys != nil {
		ev["x-ga-system_properties"] = sys
	}
	if cs := consentState(p["gcs"], p["gcd"]); cs != nil {
		ev["consent_state"] = cs
	}
	for _, k := range upn { // up.<k> wins over upn.<k>
		if props == nil {
			props = make(map[string]any, 4)
		}
		if _, taken := props[k[4:]]; !taken {
			props[k[4:]] = floatOrRaw(p[k])
		}
	}
	if props != nil {
		ev["x-ga-mp2-user_properties"] = props
		// A separate copy: a tag mutating one must not change the other.
		cp := make(map[string]any, len(props))
		for k, v := range props {
			cp[k] = v
		}
		ev["user_properties"] = cp
	}
	if len(itemIdx) > 0 {
		sort.Ints(itemIdx)
		items := make([]any, 0, len(itemIdx))
		for _, i := range itemIdx {
			if it := parseItem(p[itemKey(i)]); len(it) > 0 {
				items = append(items, it)
			}
		}
		if len(items) > 0 {
			ev["items"] = items
		}
	}

	for _, k := range ep { // ep.<k> wins over epn.<k>
		setIfAbsent(ev, k[3:], p[k])
	}
	for _, k := range epn {
		if _, taken := ev[k[4:]]; !taken {
			ev[k[4:]] = floatOrRaw(p[k])
		}
	}
	for _, k := range unknown {
		setIfAbsent(ev, "x-ga-"+k, p[k])
	}
	return ev, nil
}

func setIfAbsent(m map[string]any, k string, v any) {
	if _, taken := m[k]; !taken {
		m[k] = v
	}
}
