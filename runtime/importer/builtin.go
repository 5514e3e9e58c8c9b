package importer

import (
	"strings"
	"unicode"

	"github.com/tagd-dev/tagd/templates"
)

// Catalog is what this tagd provides built in: client types and templates with their
// parameter names. The importer maps Google's own clients and tags onto these.
type Catalog struct {
	Clients   []string                       // built-in client types, e.g. "ga4"
	Templates map[string]*templates.Template // built-in templates by name
}

func (c Catalog) hasClient(typ string) bool {
	for _, t := range c.Clients {
		if t == typ {
			return true
		}
	}
	return false
}

// googleTag is a Google-built tag type and the tagd built-in template it maps to.
type googleTag struct {
	label    string
	template string            // "" = no tagd equivalent
	params   map[string]string // Google parameter key -> tagd parameter name, when the names differ
	why      string            // for unmapped types: what to do instead
}

// googleTags are Google's own server tag types (not templates). The parameter keys are those
// seen in exports; anything else is tried under its snake_case name. [inf] for all but
// sgtmgaaw, sgtmadsct and sgtmadscl, whose type codes appear in public exports.
var googleTags = map[string]googleTag{
	"sgtmgaaw": {label: "Google Analytics: GA4", template: "ga4", params: map[string]string{
		"measurementId":   "measurement_id",
		"redactVisitorIp": "redact_ip",
		"eventName":       "event_name_override",
	}},
	"sgtmadsct":       {label: "Google Ads Conversion Tracking", template: "google-ads"},
	"sgtmadscl":       {label: "Conversion Linker", why: "tagd's GA4 client and google-ads template read gclid from the event and cookies themselves; no separate linker tag is needed"},
	"sgtmadsremarket": {label: "Google Ads Remarketing", why: "tagd has no Google Ads remarketing template"},
	"sgtmfls":         {label: "Floodlight", why: "tagd has no Floodlight template"},
	"sgtmua":          {label: "Universal Analytics", why: "Universal Analytics no longer accepts data"},
}

// googleClient is a Google-built client type and the tagd built-in client it maps to.
type googleClient struct {
	label string
	typ   string // "" = no tagd equivalent
	why   string
}

// googleClients: gaaw_client appears in public exports; the others are [inf].
var googleClients = map[string]googleClient{
	"gaaw_client": {label: "Google Analytics: GA4 (Web)", typ: "ga4"},
	"gamp_client": {label: "Measurement Protocol (GA4)", typ: "mp"},
	"mp_client":   {label: "Measurement Protocol (GA4)", typ: "mp"},
	"ua_client":   {label: "Universal Analytics", why: "Universal Analytics no longer accepts data"},
	"gtm_client":  {label: "Google Tag Manager: Web Container", why: "tagd does not serve gtm.js; keep loading it from Google or a CDN"},
}

// builtinVariables maps sGTM built-in variable types to tagd's built-in variables ("" = none).
var builtinVariables = map[string]string{
	"EVENT_NAME":                    "Event Name",
	"CLIENT_NAME":                   "Client Name",
	"REQUEST_PATH":                  "Request Path",
	"REQUEST_METHOD":                "Request Method",
	"QUERY_STRING":                  "Query String",
	"CONTAINER_ID":                  "Container ID",
	"CONTAINER_VERSION":             "Container Version",
	"DEBUG_MODE":                    "Debug Mode",
	"RANDOM_NUMBER":                 "Random Number",
	"ENVIRONMENT_NAME":              "Environment Name",
	"SERVER_PAGE_LOCATION_URL":      "Page Location",
	"SERVER_PAGE_LOCATION_PATH":     "Page Path",
	"SERVER_PAGE_LOCATION_HOSTNAME": "Page Hostname",
}

// Built-in trigger IDs tags may name without a trigger entry. [inf]: 2147479553 is the web
// "All Pages" ID, taken here as sGTM's all-events trigger; 2147479574 is the server
// built-in seen in public tooling as "All Pages".
const (
	builtinAllEventsID = "2147479553"
	builtinAllPagesID  = "2147479574"
)

// snake converts a camelCase parameter key to snake_case.
func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
