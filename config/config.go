package config

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"time"
)

// BuiltinAllEvents is the trigger that fires for every event; it needs no [[trigger]] entry.
const BuiltinAllEvents = "All Events"

// BuiltinVariables are the variable names that exist without a [[variable]] entry. Conditions
// and {{Name}} references may use them; a [[variable]] may not reuse their names.
var BuiltinVariables = []string{
	"Event Name",
	"_event",
	"Client Name",
	"Request Path",
	"Request Method",
	"Query String",
	"Container ID",
	"Container Version",
	"Debug Mode",
	"Random Number",
	"Page Location",
	"Page Hostname",
	"Page Path",
	"Environment Name",
	DedupVariable,
}

// Variable types accepted in [[variable]] type.
const (
	VarEventData      = "event_data"
	VarRequestHeader  = "request_header"
	VarCookie         = "cookie"
	VarQueryParameter = "query_parameter"
	VarConstant       = "constant"
	VarTemplate       = "template"
	VarLookupTable    = "lookup_table"
	VarRegexTable     = "regex_table"
)

// Config is one loaded container configuration. It is plain data: the runtime builds its
// container from it and never mutates it.
type Config struct {
	Path string `json:"path"` // absolute path of the file loaded; as given for Parse; "" without a name
	Dir  string `json:"dir"`  // directory relative paths (templates) are resolved against
	// Hash is the hex SHA-256 of the file's bytes, a building block for the default
	// container_version (the runtime adds the templates' hashes).
	Hash string `json:"hash"`

	Server    Server     `json:"server"`
	Sandbox   Sandbox    `json:"sandbox"`
	Clients   []Client   `json:"clients"`
	Triggers  []Trigger  `json:"triggers"`
	Variables []Variable `json:"variables"`
	Tags      []Tag      `json:"tags"`
	// Transformations edit the event data that selected tags see ([[transformation]]).
	Transformations []Transformation `json:"transformations,omitempty"`
	// Packs says where installed template packs live ([packs]).
	Packs Packs `json:"packs,omitzero"`
	// Preview says which requests the preview UI records ([preview]).
	Preview Preview `json:"preview,omitzero"`
	Cloud   Cloud   `json:"cloud,omitzero"`
	// Delivery configures the outbox that retries failed tag requests ([delivery]).
	Delivery Delivery `json:"delivery,omitzero"`
	// Dedup configures the event dedup window ([dedup]).
	Dedup Dedup `json:"dedup,omitzero"`

	name string   // file name used in messages
	pos  *posNode // where each key was written; nil for configs not parsed from text
}

// Server is the [server] table.
type Server struct {
	Listen           string        `json:"listen"`
	AdminListen      string        `json:"admin_listen"` // "" disables the admin listener
	AdminToken       string        `json:"admin_token"`
	OutboundRedirect string        `json:"outbound_redirect"` // base URL all template HTTP goes to; "" = off
	ContainerID      string        `json:"container_id"`
	ContainerVersion string        `json:"container_version"` // "" = derive from config and templates
	EnvironmentName  string        `json:"environment_name"`
	PathPrefix       string        `json:"path_prefix"` // "" or "/x"; never ends in "/"
	DataDir          string        `json:"data_dir"`
	MaxBodyBytes     int64         `json:"max_body_bytes"`
	TagTimeout       time.Duration `json:"tag_timeout"`
	VariableTimeout  time.Duration `json:"variable_timeout"`
	ClientTimeout    time.Duration `json:"client_timeout"`
	TrustedProxies   []string      `json:"trusted_proxies"` // CIDRs or single IPs
	LogLevel         string        `json:"log_level"`       // debug|info|warn|error
	LogFormat        string        `json:"log_format"`      // json|text
	// GOGC is the garbage collector's target percentage (0: Go's default or $GOGC; -1:
	// off). Template runs allocate heavily, so a higher value trades memory for CPU.
	GOGC int `json:"gogc,omitempty"`
	// MemoryLimitBytes is the Go runtime's soft memory limit (0: none or $GOMEMLIMIT);
	// with a high gogc it keeps the heap bounded under bursts.
	MemoryLimitBytes int64 `json:"memory_limit_bytes,omitempty"`
}

// Sandbox is the [sandbox] table: limits for template JavaScript.
type Sandbox struct {
	CPUBudget           time.Duration `json:"cpu_budget"`
	MaxCallStack        int           `json:"max_call_stack"`
	HTTPTimeout         time.Duration `json:"http_timeout"`
	MaxOutboundRequests int           `json:"max_outbound_requests"`
	MaxResponseBytes    int64         `json:"max_response_bytes"`
	MaxStringLength     int           `json:"max_string_length"` // longest string repeat/padStart/padEnd may build
	MaxLogBytes         int           `json:"max_log_bytes"`     // longest logToConsole line kept
	// AllowPrivateNetworks lists CIDRs templates may reach although they are loopback,
	// private, link-local or metadata addresses (the SSRF guard refuses those by default).
	AllowPrivateNetworks []string `json:"allow_private_networks"`
}

// Client is one [[client]]. Exactly one of Type (a built-in client) and Template (a CLIENT
// .tpl path) is set.
type Client struct {
	Name     string         `json:"name"`
	Type     string         `json:"type"`
	Template string         `json:"template"`
	Priority int            `json:"priority"` // higher runs first
	Settings map[string]any `json:"settings"` // free-form; ${ENV} already expanded
	Line     int            `json:"line"`
}

// Trigger is one [[trigger]]: it fires when the event name is one of Events (if any) and all
// conditions hold.
type Trigger struct {
	Name       string      `json:"name"`
	Events     []string    `json:"events"` // nil = any event name
	Conditions []Condition `json:"conditions"`
	Line       int         `json:"line"`
	// FirstCopyOnly fires the trigger only for the first copy of an event within the dedup
	// window (same event_id or transaction_id): {{Is Duplicate}} must be false.
	FirstCopyOnly bool `json:"first_copy_only,omitempty"`
}

// Condition operators (canonical names; NormalizeOperator maps aliases onto them).
const (
	OpEquals         = "equals"
	OpContains       = "contains"
	OpStartsWith     = "starts_with"
	OpEndsWith       = "ends_with"
	OpMatchesRegex   = "matches_regex"
	OpGreaterThan    = "greater_than"
	OpGreaterOrEqual = "greater_or_equal"
	OpLessThan       = "less_than"
	OpLessOrEqual    = "less_or_equal"
)

// Condition is one [[trigger.condition]]: Variable Operator Value, optionally negated.
type Condition struct {
	Variable   string `json:"variable"` // a [[variable]] or built-in name (without braces)
	Operator   string `json:"operator"` // canonical name, see the Op constants
	Value      string `json:"value"`    // may contain {{Name}} references
	Negate     bool   `json:"negate"`
	IgnoreCase bool   `json:"ignore_case"`
	Line       int    `json:"line"`
}

// Variable is one [[variable]]. Which fields are used depends on Type.
type Variable struct {
	Name       string         `json:"name"`
	Type       string         `json:"type"`
	Key        string         `json:"key"`        // event_data key path, header, cookie or query parameter name
	Value      any            `json:"value"`      // constant: any TOML value
	Default    any            `json:"default"`    // used when the result is undefined; nil = none
	Template   string         `json:"template"`   // template: built-in name or MACRO .tpl path
	Parameters map[string]any `json:"parameters"` // template: the template's fields
	Input      string         `json:"input"`      // lookup_table/regex_table: usually "{{Var}}"
	Rows       []Row          `json:"rows"`       // lookup_table/regex_table, first match wins
	IgnoreCase bool           `json:"ignore_case"`
	FullMatch  bool           `json:"full_match"` // regex_table: pattern must match the whole input
	Line       int            `json:"line"`
}

// Row is one [[variable.row]] of a lookup or regex table.
type Row struct {
	Key   string `json:"key"`   // lookup_table: exact input; regex_table: RE2 pattern
	Value any    `json:"value"` // the variable's value when the row matches
	Line  int    `json:"line"`
}

// Tag is one [[tag]]. It fires when any of Triggers fires and none of BlockingTriggers does.
type Tag struct {
	Name             string         `json:"name"`
	Template         string         `json:"template"` // built-in name or TAG .tpl path
	Triggers         []string       `json:"triggers"`
	BlockingTriggers []string       `json:"blocking_triggers"`
	Priority         int            `json:"priority"` // higher starts first
	Timeout          time.Duration  `json:"timeout"`  // 0 = Server.TagTimeout
	Paused           bool           `json:"paused"`
	Parameters       map[string]any `json:"parameters"`
	Line             int            `json:"line"`

	// SetupTag fires before this tag (sGTM tag sequencing); with StopOnSetupFailure this tag
	// fires only if the setup tag succeeded.
	SetupTag           string `json:"setup_tag,omitempty"`
	StopOnSetupFailure bool   `json:"stop_on_setup_failure,omitempty"`
	// TeardownTag fires after this tag; with StopTeardownOnFailure only if this tag succeeded.
	TeardownTag           string `json:"teardown_tag,omitempty"`
	StopTeardownOnFailure bool   `json:"stop_teardown_on_failure,omitempty"`
	// FiringOption is FireOncePerEvent ("" means the same) or FireUnlimited.
	FiringOption string `json:"firing_option,omitempty"`
	// Retry is the tag's delivery policy (delivery.go); nil means [delivery] retry.
	Retry *Retry `json:"retry,omitempty"`
}

// Defaults for zero values.
const (
	DefaultListen              = ":8080"
	DefaultAdminListen         = "127.0.0.1:8081"
	DefaultContainerID         = "GTM-TAGD"
	DefaultEnvironmentName     = "production"
	DefaultDataDir             = "./tagd-data"
	DefaultMaxBodyBytes        = 1 << 20
	DefaultTagTimeout          = 5 * time.Second
	DefaultVariableTimeout     = 2 * time.Second
	DefaultClientTimeout       = 10 * time.Second
	DefaultLogLevel            = "info"
	DefaultLogFormat           = "json"
	DefaultCPUBudget           = 500 * time.Millisecond
	DefaultMaxCallStack        = 256
	DefaultHTTPTimeout         = 15 * time.Second
	DefaultMaxOutboundRequests = 50
	DefaultMaxResponseBytes    = 5 << 20
)

// DefaultTrustedProxies is the default server.trusted_proxies.
var DefaultTrustedProxies = []string{"127.0.0.1/32"}

// Default returns a config holding only defaults: no clients, triggers, variables or tags.
func Default() *Config {
	c := &Config{Server: Server{
		AdminListen:    DefaultAdminListen,
		TrustedProxies: append([]string(nil), DefaultTrustedProxies...),
	}}
	c.applyDefaults()
	return c
}

// applyDefaults fills zero values. admin_listen and trusted_proxies are not touched here
// because "" and [] are meaningful; they get their defaults only when the key is absent.
func (c *Config) applyDefaults() {
	s := &c.Server
	setIfZero(&s.Listen, DefaultListen)
	setIfZero(&s.ContainerID, DefaultContainerID)
	setIfZero(&s.EnvironmentName, DefaultEnvironmentName)
	setIfZero(&s.DataDir, DefaultDataDir)
	setIfZero(&s.MaxBodyBytes, DefaultMaxBodyBytes)
	setIfZero(&s.TagTimeout, DefaultTagTimeout)
	setIfZero(&s.VariableTimeout, DefaultVariableTimeout)
	setIfZero(&s.ClientTimeout, DefaultClientTimeout)
	setIfZero(&s.LogLevel, DefaultLogLevel)
	setIfZero(&s.LogFormat, DefaultLogFormat)
	b := &c.Sandbox
	setIfZero(&b.CPUBudget, DefaultCPUBudget)
	setIfZero(&b.MaxCallStack, DefaultMaxCallStack)
	setIfZero(&b.HTTPTimeout, DefaultHTTPTimeout)
	setIfZero(&b.MaxOutboundRequests, DefaultMaxOutboundRequests)
	setIfZero(&b.MaxResponseBytes, DefaultMaxResponseBytes)
}

func setIfZero[T comparable](p *T, v T) {
	var zero T
	if *p == zero {
		*p = v
	}
}

// ResolvePath resolves p (a template path from the config) against Dir. Absolute paths and
// configs without a Dir are returned cleaned but otherwise unchanged.
func (c *Config) ResolvePath(p string) string {
	if p == "" || filepath.IsAbs(p) || c.Dir == "" {
		return filepath.Clean(p)
	}
	return filepath.Join(c.Dir, p)
}

// Pos formats a line of this config's file as "file:line" for messages.
func (c *Config) Pos(line int) string {
	return Position{File: c.fileName(), Line: line}.String()
}

func (c *Config) fileName() string {
	if c.name != "" {
		return c.name
	}
	if c.Path != "" {
		return c.Path
	}
	return unnamedFile
}

// TagTimeout is the wall-time limit for t: its own timeout, or server.tag_timeout.
func (c *Config) TagTimeout(t *Tag) time.Duration {
	if t.Timeout > 0 {
		return t.Timeout
	}
	if c.Server.TagTimeout > 0 {
		return c.Server.TagTimeout
	}
	return DefaultTagTimeout
}

// TrustedProxyPrefixes parses TrustedProxies; a single IP becomes a one-address prefix.
func (s *Server) TrustedProxyPrefixes() ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(s.TrustedProxies))
	for _, p := range s.TrustedProxies {
		pfx, err := parsePrefix(p)
		if err != nil {
			return nil, err
		}
		out = append(out, pfx)
	}
	return out, nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	if pfx, err := netip.ParsePrefix(s); err == nil {
		return pfx.Masked(), nil
	}
	addr, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("trusted proxy %q is neither a CIDR nor an IP address", s)
	}
	return netip.PrefixFrom(addr, addr.BitLen()), nil
}
