package ga4

import (
	"net/url"
	"strings"
)

// clientHintKeys maps the string-valued user-agent client hint parameters.
var clientHintKeys = map[string]string{
	"uaa":  "architecture",
	"uab":  "bitness",
	"uam":  "model",
	"uap":  "platform",
	"uapv": "platform_version",
}

// addClientHint adds one ua* parameter to the client_hints object. Only hints
// the client sent appear. "brands" (the low-entropy list) is not derived: gtag
// does not send it and the full list's versions are not the same values.
func addClientHint(hints map[string]any, param, v string) {
	switch param {
	case "uamb":
		hints["mobile"] = boolOrRaw(v)
	case "uaw":
		hints["wow64"] = boolOrRaw(v)
	case "uafvl":
		hints["full_version_list"] = parseFullVersionList(v)
	default:
		hints[clientHintKeys[param]] = v
	}
}

// parseFullVersionList decodes "Brand;version|Brand;version". Brand names
// carry a second layer of percent-encoding (so that ';' and '|' inside a
// brand survive); it is removed here. '+' stays literal because gtag encodes
// with encodeURIComponent. A brand that fails to decode is kept as sent.
func parseFullVersionList(v string) []any {
	list := make([]any, 0, 4)
	for v != "" {
		var entry string
		entry, v, _ = strings.Cut(v, "|")
		if entry == "" {
			continue
		}
		brand, version, _ := strings.Cut(entry, ";")
		if dec, err := url.PathUnescape(brand); err == nil {
			brand = strings.ToValidUTF8(dec, "\uFFFD")
		}
		list = append(list, map[string]any{"brand": brand, "version": version})
	}
	return list
}
