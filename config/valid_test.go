package config

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseDefaults(t *testing.T) {
	c, err := parseTest(t, "# nothing but a comment\n")
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	if diff := cmp.Diff(want.Server, c.Server); diff != "" {
		t.Errorf("server (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want.Sandbox, c.Sandbox); diff != "" {
		t.Errorf("sandbox (-want +got):\n%s", diff)
	}
	if c.Server.AdminListen != "127.0.0.1:8081" || c.Server.TagTimeout != 5*time.Second ||
		c.Sandbox.MaxResponseBytes != 5242880 || c.Server.MaxBodyBytes != 1048576 {
		t.Errorf("defaults differ from the documented ones: %+v %+v", c.Server, c.Sandbox)
	}
	if c.Path != "/cfg/c.toml" || c.Dir != "/cfg" || len(c.Hash) != 64 {
		t.Errorf("Path, Dir, Hash = %q, %q, %q", c.Path, c.Dir, c.Hash)
	}
	if err := Default().Validate(); err != nil {
		t.Errorf("Default().Validate() = %v", err)
	}
}

func TestParseValues(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		check func(t *testing.T, c *Config)
	}{
		{
			name: "explicit empty admin_listen and trusted_proxies are kept",
			src:  "[server]\nadmin_listen = \"\"\ntrusted_proxies = []\n",
			check: func(t *testing.T, c *Config) {
				if c.Server.AdminListen != "" || c.Server.TrustedProxies == nil || len(c.Server.TrustedProxies) != 0 {
					t.Errorf("admin_listen %q, trusted_proxies %#v", c.Server.AdminListen, c.Server.TrustedProxies)
				}
			},
		},
		{
			name: "zero values get defaults",
			src:  "[server]\nlisten = \"\"\ntag_timeout = \"0s\"\nmax_body_bytes = 0\n[sandbox]\nmax_call_stack = 0\n",
			check: func(t *testing.T, c *Config) {
				if c.Server.Listen != ":8080" || c.Server.TagTimeout != 5*time.Second ||
					c.Server.MaxBodyBytes != 1<<20 || c.Sandbox.MaxCallStack != 256 {
					t.Errorf("got %+v %+v", c.Server, c.Sandbox)
				}
			},
		},
		{
			name: "normalised server strings",
			src:  "[server]\npath_prefix = \"/analytics/\"\nlog_level = \"DEBUG\"\nlog_format = \" Text \"\n",
			check: func(t *testing.T, c *Config) {
				got := []string{c.Server.PathPrefix, c.Server.LogLevel, c.Server.LogFormat}
				if diff := cmp.Diff([]string{"/analytics", "debug", "text"}, got); diff != "" {
					t.Error(diff)
				}
			},
		},
		{
			name: "environment expansion in server",
			src: "[server]\nlisten = \":${PORT}\"\nadmin_listen = \"${NOPE:-127.0.0.1:7070}\"\n" +
				"admin_token = \"${TAGD_ADMIN_TOKEN}\"\ncontainer_id = \"${EMPTY:-GTM-X}\"\n" +
				"environment_name = \"$${PORT} ${EMPTY}\"\ntag_timeout = \"${NOPE:-3s}\"\ntrusted_proxies = [\"${NOPE:-10.0.0.0/8}\"]\n",
			check: func(t *testing.T, c *Config) {
				s := c.Server
				got := []string{s.Listen, s.AdminListen, s.AdminToken, s.ContainerID, s.EnvironmentName, s.TagTimeout.String(), s.TrustedProxies[0]}
				want := []string{":9090", "127.0.0.1:7070", "s3cret", "GTM-X", "${PORT} ", "3s", "10.0.0.0/8"}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Error(diff)
				}
			},
		},
		{
			name: "environment expansion in free-form values only",
			src: "[[client]]\nname = \"${PORT}\"\ntemplate = \"${PORT}.tpl\"\n[client.settings]\nport = \"${PORT}\"\n" +
				"nested = { list = [\"a${PORT}\", 1, { deep = \"${META_TOKEN}\" }] }\nescaped = \"$${META_TOKEN}\"\n" +
				"[[variable]]\nname = \"C\"\ntype = \"constant\"\nvalue = \"${META_TOKEN}\"\ndefault = [\"${PORT}\"]\n",
			check: func(t *testing.T, c *Config) {
				cl := c.Clients[0]
				if cl.Name != "${PORT}" || cl.Template != "${PORT}.tpl" {
					t.Errorf("name/template expanded: %q %q", cl.Name, cl.Template)
				}
				want := map[string]any{
					"port":    "9090",
					"nested":  map[string]any{"list": []any{"a9090", int64(1), map[string]any{"deep": "meta-token"}}},
					"escaped": "${META_TOKEN}",
				}
				if diff := cmp.Diff(want, cl.Settings); diff != "" {
					t.Errorf("settings (-want +got):\n%s", diff)
				}
				v := c.Variables[0]
				if diff := cmp.Diff([]any{"meta-token", []any{"9090"}}, []any{v.Value, v.Default}); diff != "" {
					t.Errorf("value/default (-want +got):\n%s", diff)
				}
			},
		},
		{
			name: "operator aliases are normalised",
			src: okVar + "[[trigger]]\nname = \"T\"\n" + conditions(
				"EQUALS", "eq", "==", "Contains", "starts-with", "begins_with", "ends_with", "suffix",
				"regex", "MATCH_REGEX", "gt", "GREATER", "gte", "GREATER_OR_EQUALS", "lt", "less than", "lte", "LESS_OR_EQUALS"),
			check: func(t *testing.T, c *Config) {
				var got []string
				for _, cd := range c.Triggers[0].Conditions {
					got = append(got, cd.Operator)
				}
				want := []string{
					"equals", "equals", "equals", "contains", "starts_with", "starts_with", "ends_with", "ends_with",
					"matches_regex", "matches_regex", "greater_than", "greater_than", "greater_or_equal", "greater_or_equal",
					"less_than", "less_than", "less_or_equal", "less_or_equal",
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Error(diff)
				}
			},
		},
		{
			name: "condition shapes",
			src: "[[trigger]]\nname = \"T\"\nevent = \"purchase\"\n[[trigger.condition]]\nvariable = \"{{Event Name}}\"\n" +
				"operator = \"lt\"\nvalue = 2.5\nnegate = true\nignore_case = true\n",
			check: func(t *testing.T, c *Config) {
				want := Trigger{Name: "T", Events: []string{"purchase"}, Line: 1, Conditions: []Condition{{
					Variable: "Event Name", Operator: OpLessThan, Value: "2.5", Negate: true, IgnoreCase: true, Line: 4,
				}}}
				if diff := cmp.Diff(want, c.Triggers[0]); diff != "" {
					t.Error(diff)
				}
			},
		},
		{
			name: "tags: single trigger string, timeout, inline parameters, tables in parameters",
			src: okTrigger + "\n[[tag]]\nname = \"G\"\ntemplate = \"tags/g.tpl\"\ntriggers = \"T\"\npriority = -3\ntimeout = \"1500ms\"\n" +
				"[tag.parameters]\nplain = \"x\"\n[[tag.parameters.items]]\nid = \"{{item_id}}\"\n[[tag.parameters.items]]\nid = \"b\"\n",
			check: func(t *testing.T, c *Config) {
				want := Tag{
					Name: "G", Template: "tags/g.tpl", Triggers: []string{"T"}, Priority: -3, Timeout: 1500 * time.Millisecond,
					Parameters: map[string]any{"plain": "x", "items": []any{
						map[string]any{"id": "{{item_id}}"}, map[string]any{"id": "b"},
					}},
					Line: 5,
				}
				if diff := cmp.Diff(want, c.Tags[0]); diff != "" {
					t.Error(diff)
				}
				if got := c.TagTimeout(&c.Tags[0]); got != 1500*time.Millisecond {
					t.Errorf("TagTimeout = %v", got)
				}
			},
		},
		{
			name: "inline arrays of tables and multi-line inline tables (TOML 1.1)",
			src: "client = [\n  { name = \"A\", type = \"ga4\" },\n  {\n    name = \"B\",\n    template = \"b.tpl\",\n  },\n]\n" +
				"server = { listen = \":1234\" }\n",
			check: func(t *testing.T, c *Config) {
				got := []any{c.Clients[0].Name, c.Clients[0].Line, c.Clients[1].Name, c.Clients[1].Line, c.Server.Listen}
				if diff := cmp.Diff([]any{"A", 2, "B", 3, ":1234"}, got); diff != "" {
					t.Error(diff)
				}
			},
		},
		{
			name: "lookup and regex tables",
			src: "[[variable]]\nname = \"Pixel\"\ntype = \"lookup_table\"\ninput = \"{{Page Hostname}}\"\ndefault = \"0\"\n" +
				"[[variable.row]]\nkey = \"a.example\"\nvalue = \"1\"\n[[variable.row]]\nkey = \"b.example\"\nvalue = 2\n" +
				"[[variable]]\nname = \"Section\"\ntype = \"regex_table\"\ninput = \"{{Page Path}}\"\nfull_match = true\nignore_case = true\n" +
				"row = [{ key = \"^/shop/.*\", value = \"shop\" }]\n",
			check: func(t *testing.T, c *Config) {
				want := []Variable{
					{Name: "Pixel", Type: VarLookupTable, Input: "{{Page Hostname}}", Default: "0", Line: 1,
						Rows: []Row{{Key: "a.example", Value: "1", Line: 6}, {Key: "b.example", Value: int64(2), Line: 9}}},
					{Name: "Section", Type: VarRegexTable, Input: "{{Page Path}}", FullMatch: true, IgnoreCase: true, Line: 12,
						Rows: []Row{{Key: "^/shop/.*", Value: "shop", Line: 18}}},
				}
				if diff := cmp.Diff(want, c.Variables); diff != "" {
					t.Error(diff)
				}
			},
		},
		{
			name: "loopback admin listener needs no token",
			src:  "[server]\nadmin_listen = \"localhost:9\"\n",
			check: func(t *testing.T, c *Config) {
				if c.Server.AdminToken != "" || c.Server.AdminListen != "localhost:9" {
					t.Errorf("%+v", c.Server)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseTest(t, tt.src)
			if err != nil {
				t.Fatalf("unexpected error:\n%v", err)
			}
			tt.check(t, c)
		})
	}
}

// conditions renders one [[trigger.condition]] on variable V per operator.
func conditions(ops ...string) string {
	var b strings.Builder
	for _, op := range ops {
		b.WriteString("[[trigger.condition]]\nvariable = \"V\"\noperator = \"" + op + "\"\nvalue = \"1\"\n")
	}
	return b.String()
}

func TestNormalizeOperator(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"equals", OpEquals, true}, {"EQ", OpEquals, true}, {" Equal ", OpEquals, true},
		{"contains", OpContains, true}, {"Starts With", OpStartsWith, true}, {"ENDS-WITH", OpEndsWith, true},
		{"Regex", OpMatchesRegex, true}, {"match_regex", OpMatchesRegex, true}, {"=~", OpMatchesRegex, true},
		{">", OpGreaterThan, true}, {"GTE", OpGreaterOrEqual, true}, {"<", OpLessThan, true}, {"le", OpLessOrEqual, true},
		{"", "", false}, {"css_selector", "", false}, {"equalsx", "", false}, {"not_equals", "", false},
	}
	for _, tt := range tests {
		got, ok := NormalizeOperator(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NormalizeOperator(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	for _, op := range Operators {
		if got, ok := NormalizeOperator(op); !ok || got != op {
			t.Errorf("canonical %q does not map to itself (%q, %v)", op, got, ok)
		}
	}
}

func TestExpandEnv(t *testing.T) {
	tests := []struct {
		in       string
		want     string
		problems []string
	}{
		{in: "plain", want: "plain"},
		{in: "$HOME and $", want: "$HOME and $"},
		{in: "${PORT}", want: "9090"},
		{in: "a${PORT}b${PORT}", want: "a9090b9090"},
		{in: "${NOPE:-fallback}", want: "fallback"},
		{in: "${NOPE:-}", want: ""},
		{in: "${EMPTY:-used when empty}", want: "used when empty"},
		{in: "${EMPTY}", want: ""},
		{in: "${PORT:-ignored}", want: "9090"},
		{in: "$${PORT}", want: "${PORT}"},
		{in: "$${PORT} ${PORT}", want: "${PORT} 9090"},
		{in: "${NOPE:-a:-b}", want: "a:-b"},
		{in: "${NOPE}", want: "", problems: []string{"environment variable NOPE is not set (write ${NOPE:-default} for a fallback)"}},
		{in: "${}", want: "", problems: []string{`invalid environment variable name "" in ${}`}},
		{in: "${A-B}", want: "", problems: []string{`invalid environment variable name "A-B" in ${A-B}`}},
		{in: "x${PORT", want: "x${PORT", problems: []string{`unterminated ${ in "${PORT"`}},
	}
	for _, tt := range tests {
		got, problems := expandEnv(tt.in, lookupIn(testEnv))
		if got != tt.want || !cmp.Equal(problems, tt.problems) {
			t.Errorf("expandEnv(%q) = %q, %q; want %q, %q", tt.in, got, problems, tt.want, tt.problems)
		}
	}
}

func TestVarRefs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"no refs", nil},
		{"{{Event Name}}", []string{"Event Name"}},
		{"a {{x}} b {{user_data.email}}", []string{"x", "user_data.email"}},
		{"{{}} {{ spaced }}", []string{" spaced "}},
		{"{{{x}}}", []string{"x"}},
		{"{{open", nil},
		{"{{a}b}}", nil},
	}
	for _, tt := range tests {
		if got := VarRefs(tt.in); !cmp.Equal(got, tt.want) {
			t.Errorf("VarRefs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for name, want := range map[string]bool{
		"transaction_id": true, "user_data.email_address": true, "x-y": true, "0": true,
		"Not A Var": false, ".lead": false, "a/b": false, "": false,
	} {
		if got := IsEventKeyPath(name); got != want {
			t.Errorf("IsEventKeyPath(%q) = %v", name, got)
		}
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tagd.toml")
	src := "[server]\nlisten = \":8080\"\n\n[[client]]\nname = \"A\"\ntemplate = \"clients/a.tpl\"\n"
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Path != path || c.Dir != dir {
		t.Errorf("Path, Dir = %q, %q; want %q, %q", c.Path, c.Dir, path, dir)
	}
	if got, want := c.ResolvePath(c.Clients[0].Template), filepath.Join(dir, "clients", "a.tpl"); got != want {
		t.Errorf("ResolvePath = %q, want %q", got, want)
	}
	if got := c.ResolvePath("/abs/x.tpl"); got != "/abs/x.tpl" {
		t.Errorf("ResolvePath(abs) = %q", got)
	}
	if got, want := c.Pos(c.Clients[0].Line), path+":4"; got != want {
		t.Errorf("Pos = %q, want %q", got, want)
	}

	if err := os.WriteFile(path, []byte("[server]\nlisten = 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Load(path)
	var es Errors
	if !errors.As(err, &es) || len(es) != 1 || es[0].File != path || es[0].Line != 2 {
		t.Errorf("Load(bad) = %v, want one Error at %s:2", err, path)
	}
	var one *Error
	if !errors.As(err, &one) || one.Msg != "server: listen must be a string, not an integer" {
		t.Errorf("errors.As(*Error) = %v", one)
	}

	if _, err := Load(filepath.Join(dir, "missing.toml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want ErrNotExist", err)
	}
}

func TestParseName(t *testing.T) {
	c, err := Parse("conf/x.toml", "", []byte("[[client]]\nname = \"A\"\ntype = \"ga4\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Path != "conf/x.toml" || c.Dir != "conf" || c.Pos(3) != "conf/x.toml:3" {
		t.Errorf("Path %q Dir %q Pos %q", c.Path, c.Dir, c.Pos(3))
	}
	_, err = Parse("", "", []byte("[server]\nnope = 1\n"))
	if got, want := err.Error(), `<input>:2: server: unknown key "nope"`; got != want {
		t.Errorf("unnamed error = %q, want %q", got, want)
	}
}

func TestValidateBuiltInCode(t *testing.T) {
	c := Default()
	c.Triggers = []Trigger{{Name: "T", Line: 7, Conditions: []Condition{{Variable: "Event Name", Operator: "eq", Line: 8}}}}
	c.Tags = []Tag{{Name: "G", Template: "t", Triggers: []string{"T", "U"}, Line: 12}}
	err := c.Validate()
	want := []string{`<input>:12: tag "G": triggers: unknown trigger "U"`}
	if diff := cmp.Diff(want, errLines(t, err)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestTrustedProxyPrefixes(t *testing.T) {
	s := Server{TrustedProxies: []string{"10.1.2.3/8", "192.0.2.1", "::1"}}
	got, err := s.TrustedProxyPrefixes()
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.1/32"), netip.MustParsePrefix("::1/128"),
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
		t.Error(diff)
	}
	s.TrustedProxies = []string{"nope"}
	if _, err := s.TrustedProxyPrefixes(); err == nil {
		t.Error("want an error for an invalid proxy")
	}
}

func TestErrorFormatting(t *testing.T) {
	es := Errors{
		{File: "b.toml", Line: 0, Msg: "whole file"},
		{File: "a.toml", Line: 9, Msg: "late"},
		{File: "a.toml", Line: 2, Msg: "early"},
		{File: "a.toml", Line: 2, Msg: "early"},
	}
	want := "a.toml:2: early\na.toml:9: late\nb.toml: whole file"
	if got := es.sorted().Error(); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if Errors(nil).asError() != nil {
		t.Error("empty Errors must be a nil error")
	}
}
