package config

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// minimal pieces that make a config valid, so each case can focus on one problem.
const (
	okVar     = "[[variable]]\nname = \"V\"\ntype = \"event_data\"\nkey = \"v\"\n"
	okTrigger = "[[trigger]]\nname = \"T\"\nevent = \"purchase\"\n"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{
			name: "syntax error",
			src:  "[server]\nlisten = \":8080\"\nlog_level = \n",
			want: []string{`c.toml:3: invalid TOML: expected value but found '\n' instead`},
		},
		{
			name: "duplicate key is a syntax error",
			src:  "[server]\nlisten = \":1\"\nlisten = \":2\"\n",
			want: []string{`c.toml:3: invalid TOML: Key 'server.listen' has already been defined.`},
		},
		{
			name: "unknown top-level key with suggestion",
			src:  "[[clients]]\nname = \"x\"\n",
			want: []string{`c.toml:1: unknown top-level key "clients" (did you mean "client"?)`},
		},
		{
			name: "unknown key in server",
			src:  "[server]\nlisten = \":8080\"\nlisen = \":8081\"\n",
			want: []string{`c.toml:3: server: unknown key "lisen" (did you mean "listen"?)`},
		},
		{
			name: "unknown table inside server",
			src:  "[server]\n\n[server.tls]\ncert = \"x\"\n",
			want: []string{`c.toml:3: server: unknown key "tls"`},
		},
		{
			name: "unknown key in sandbox",
			src:  "[sandbox]\nmax_stack = 10\n",
			want: []string{`c.toml:2: sandbox: unknown key "max_stack"`},
		},
		{
			name: "unknown key in second client",
			src:  "[[client]]\nname = \"a\"\ntype = \"ga4\"\n\n[[client]]\nname = \"b\"\ntype = \"ga4\"\nprio = 3\n",
			want: []string{`c.toml:8: client "b": unknown key "prio"`},
		},
		{
			name: "unknown key in trigger and condition",
			src: okVar + "[[trigger]]\nname = \"T\"\nevents = [\"x\"]\n[[trigger.condition]]\nvariable = \"V\"\n" +
				"operator = \"eq\"\nvalue = \"1\"\nnegated = true\n",
			want: []string{
				`c.toml:7: trigger "T": unknown key "events" (did you mean "event"?)`,
				`c.toml:12: trigger "T" condition 1: unknown key "negated" (did you mean "negate"?)`,
			},
		},
		{
			name: "unknown key in variable and row",
			src: "[[variable]]\nname = \"L\"\ntype = \"lookup_table\"\ninput = \"{{Event Name}}\"\nkeypath = \"x\"\n" +
				"[[variable.row]]\nkey = \"a\"\nvalue = 1\nother = 2\n",
			want: []string{
				`c.toml:5: variable "L": unknown key "keypath"`,
				`c.toml:9: variable "L" row 1: unknown key "other"`,
			},
		},
		{
			name: "unknown key in tag",
			src:  okTrigger + "[[tag]]\nname = \"G\"\ntemplate = \"t\"\ntriggers = [\"T\"]\ntrigger = [\"T\"]\n",
			want: []string{`c.toml:8: tag "G": unknown key "trigger" (did you mean "triggers"?)`},
		},
		{
			name: "unknown key in inline array of tables",
			src:  "tag = [\n  {name = \"G\", template = \"t\", triggers = [\"T\"]},\n  {name = \"H\", template = \"t\",\n   triggers = [\"T\"], colour = 1},\n]\n" + okTrigger,
			want: []string{`c.toml:4: tag "H": unknown key "colour"`},
		},
		{
			name: "table instead of array of tables",
			src:  "[client]\nname = \"x\"\n",
			want: []string{`c.toml:1: client must be an array of tables: write [[client]], not [client]`},
		},
		{
			name: "array element that is not a table",
			src:  "client = [\n  \"GA4\",\n  { name = \"B\", type = \"ga4\", colour = 1 },\n]\n",
			want: []string{
				`c.toml:2: client[0] must be a table, not a string`,
				`c.toml:3: client "B": unknown key "colour"`,
			},
		},
		{
			name: "nested table instead of array of tables",
			src:  "[[trigger]]\nname = \"T\"\n[trigger.condition]\nvariable = \"Event Name\"\n",
			want: []string{`c.toml:3: trigger "T": condition must be an array of tables: write [[trigger.condition]], not [trigger.condition]`},
		},
		{
			name: "type errors",
			src: "[server]\nlisten = 8080\nmax_body_bytes = \"1MB\"\ntag_timeout = 5\ntrusted_proxies = \"10.0.0.0/8\"\n" +
				okTrigger + "[[tag]]\nname = \"G\"\ntemplate = \"t\"\ntriggers = [\"T\", 7]\npaused = \"yes\"\nparameters = \"x\"\n",
			want: []string{
				`c.toml:2: server: listen must be a string, not an integer`,
				`c.toml:3: server: max_body_bytes must be an integer, not a string`,
				`c.toml:4: server: tag_timeout must be a duration string such as "5s", not an integer`,
				`c.toml:5: server: trusted_proxies must be a list of strings, not a string`,
				`c.toml:12: tag "G": triggers[1] must be a string, not an integer`,
				`c.toml:13: tag "G": paused must be true or false, not a string`,
				`c.toml:14: tag "G": parameters must be a table, not a string`,
			},
		},
		{
			name: "invalid durations",
			src:  "[sandbox]\ncpu_budget = \"half a second\"\n[server]\nclient_timeout = \"-1s\"\n",
			want: []string{
				`c.toml:2: sandbox: cpu_budget: invalid duration "half a second" (use a value such as "5s" or "250ms")`,
				`c.toml:4: server: client_timeout must be positive, not -1s`,
			},
		},
		{
			name: "missing environment variables",
			src: "[server]\nadmin_token = \"${NOPE}\"\n" + okTrigger +
				"[[tag]]\nname = \"G\"\ntemplate = \"t\"\ntriggers = [\"T\"]\n[tag.parameters]\nlist = [\n  \"ok\",\n  \"${MISSING_A}/${MISSING_B}\",\n]\n",
			want: []string{
				`c.toml:2: server: admin_token: environment variable NOPE is not set (write ${NOPE:-default} for a fallback)`,
				`c.toml:13: tag "G": parameters.list[1]: environment variable MISSING_A is not set (write ${MISSING_A:-default} for a fallback)`,
				`c.toml:13: tag "G": parameters.list[1]: environment variable MISSING_B is not set (write ${MISSING_B:-default} for a fallback)`,
			},
		},
		{
			name: "malformed environment references",
			src:  "[server]\ndata_dir = \"${1BAD}\"\ncontainer_id = \"x${OPEN\"\n",
			want: []string{
				`c.toml:2: server: data_dir: invalid environment variable name "1BAD" in ${1BAD}`,
				`c.toml:3: server: container_id: unterminated ${ in "${OPEN"`,
			},
		},
		{
			name: "missing environment variable in variable value and default",
			src:  "[[variable]]\nname = \"C\"\ntype = \"constant\"\nvalue = { a = [\"${NOPE}\"] }\ndefault = \"${NOPE2}\"\n",
			want: []string{
				`c.toml:4: variable "C": value.a[0]: environment variable NOPE is not set (write ${NOPE:-default} for a fallback)`,
				`c.toml:5: variable "C": default: environment variable NOPE2 is not set (write ${NOPE2:-default} for a fallback)`,
			},
		},
		{
			name: "names: missing, duplicate, reserved",
			src: "[[client]]\ntype = \"ga4\"\n[[client]]\nname = \"A\"\ntype = \"ga4\"\n[[client]]\nname = \"A\"\ntype = \"ga4\"\n" +
				"[[trigger]]\nname = \"All Events\"\n" +
				"[[variable]]\nname = \"Event Name\"\ntype = \"event_data\"\nkey = \"event_name\"\n" +
				"[[variable]]\nname = \"{{x}}\"\ntype = \"event_data\"\nkey = \"x\"\n",
			want: []string{
				`c.toml:1: client #1: name is required`,
				`c.toml:6: client "A": duplicate name (first defined at c.toml:3)`,
				`c.toml:9: trigger "All Events": name is reserved for the built-in trigger`,
				`c.toml:11: variable "Event Name": name is taken by a built-in variable`,
				`c.toml:15: variable "{{x}}": name must not contain braces`,
			},
		},
		{
			name: "client needs exactly one of type and template",
			src:  "[[client]]\nname = \"A\"\n[[client]]\nname = \"B\"\ntype = \"ga4\"\ntemplate = \"c.tpl\"\n",
			want: []string{
				`c.toml:1: client "A": set type (a built-in client) or template (a CLIENT .tpl file)`,
				`c.toml:6: client "B": set only one of type and template`,
			},
		},
		{
			name: "condition problems",
			src: okVar + "[[trigger]]\nname = \"T\"\n" +
				"[[trigger.condition]]\nvariable = \"Nope\"\noperator = \"eq\"\n" +
				"[[trigger.condition]]\nvariable = \"V\"\noperator = \"roughly\"\n" +
				"[[trigger.condition]]\nvariable = \"V\"\noperator = \"regex\"\nvalue = \"a(\"\n" +
				"[[trigger.condition]]\nvariable = \"V\"\noperator = \"gte\"\nvalue = \"ten\"\n" +
				"[[trigger.condition]]\noperator = \"eq\"\n" +
				"[[trigger.condition]]\nvariable = \"V\"\noperator = \"eq\"\nvalue = \"{{Missing Var}}\"\n" +
				"[[trigger.condition]]\nvariable = \"V\"\nvalue = [1]\n",
			want: []string{
				`c.toml:8: trigger "T" condition 1: unknown variable "Nope" (define it as a [[variable]] or use a built-in one)`,
				`c.toml:12: trigger "T" condition 2: unknown operator "roughly" (want one of equals, contains, starts_with, ends_with, matches_regex, greater_than, greater_or_equal, less_than, less_or_equal)`,
				`c.toml:16: trigger "T" condition 3: invalid regex "a(": missing closing ): "a("`,
				`c.toml:20: trigger "T" condition 4: operator greater_or_equal needs a number, not "ten"`,
				`c.toml:21: trigger "T" condition 5: variable is required`,
				`c.toml:26: trigger "T" condition 6: value: unknown variable {{Missing Var}}`,
				`c.toml:27: trigger "T" condition 7: operator is required`,
				`c.toml:29: trigger "T" condition 7: value must be a string, number or boolean, not an array`,
			},
		},
		{
			name: "empty event list",
			src:  "[[trigger]]\nname = \"T\"\nevent = []\n[[trigger]]\nname = \"U\"\nevent = [\"a\", \" \"]\n",
			want: []string{
				`c.toml:3: trigger "T": event is an empty list (leave it out to match every event)`,
				`c.toml:6: trigger "U": event[1] is empty`,
			},
		},
		{
			name: "variable problems",
			src: "[[variable]]\nname = \"A\"\ntype = \"event_data\"\n" +
				"[[variable]]\nname = \"B\"\ntype = \"constant\"\n" +
				"[[variable]]\nname = \"C\"\ntype = \"template\"\n" +
				"[[variable]]\nname = \"D\"\ntype = \"lookup_table\"\n" +
				"[[variable]]\nname = \"E\"\ntype = \"javascript\"\n" +
				"[[variable]]\nname = \"F\"\n" +
				"[[variable]]\nname = \"G\"\ntype = \"cookie\"\nkey = \"_fbp\"\ntemplate = \"x.tpl\"\n" +
				"[[variable]]\nname = \"H\"\ntype = \"regex_table\"\ninput = \"{{Page Path}}\"\n[[variable.row]]\nkey = \"[\"\nvalue = \"x\"\n",
			want: []string{
				`c.toml:1: variable "A": type event_data needs key`,
				`c.toml:4: variable "B": type constant needs value`,
				`c.toml:7: variable "C": type template needs template (a built-in name or a MACRO .tpl path)`,
				`c.toml:10: variable "D": type lookup_table needs input (e.g. "{{Page Hostname}}")`,
				`c.toml:15: variable "E": unknown type "javascript" (want one of event_data, request_header, cookie, query_parameter, constant, template, lookup_table, regex_table)`,
				`c.toml:16: variable "F": type is required`,
				`c.toml:22: variable "G": template is not used by type cookie`,
				`c.toml:28: variable "H" row 1: invalid regex "[": missing closing ]: "["`,
			},
		},
		{
			name: "references in parameters",
			src: okVar + okTrigger + "[[tag]]\nname = \"G\"\ntemplate = \"t\"\ntriggers = [\"T\"]\n[tag.parameters]\n" +
				"a = \"{{V}} {{Event Name}} {{user_data.email_address}} {{transaction_id}}\"\n" +
				"b = { c = [\"{{Not A Var}}\"] }\n",
			want: []string{`c.toml:14: tag "G": parameters.b.c[0]: unknown variable {{Not A Var}}`},
		},
		{
			name: "variable reference cycle",
			src: "[[variable]]\nname = \"A\"\ntype = \"template\"\ntemplate = \"a.tpl\"\nparameters = { x = \"{{B}}\" }\n" +
				"[[variable]]\nname = \"B\"\ntype = \"lookup_table\"\ninput = \"{{A}}\"\n" +
				"[[variable]]\nname = \"Self\"\ntype = \"template\"\ntemplate = \"a.tpl\"\nparameters = { x = \"{{Self}}\" }\n",
			want: []string{
				`c.toml:1: variable "A": reference cycle A -> B -> A`,
				`c.toml:10: variable "Self": reference cycle Self -> Self`,
			},
		},
		{
			name: "tag problems",
			src: okTrigger + "[[tag]]\nname = \"G\"\n" +
				"[[tag]]\nname = \"H\"\ntemplate = \"t\"\ntriggers = [\"T\", \"Nope\"]\nblocking_triggers = [\"Gone\"]\ntimeout = \"-2s\"\n",
			want: []string{
				`c.toml:4: tag "G": template is required (a built-in name or a TAG .tpl path)`,
				`c.toml:4: tag "G": triggers is empty, so the tag never fires (use ["All Events"] to fire on every event)`,
				`c.toml:9: tag "H": triggers: unknown trigger "Nope"`,
				`c.toml:10: tag "H": blocking_triggers: unknown trigger "Gone"`,
				`c.toml:11: tag "H": timeout must be positive, not -2s`,
			},
		},
		{
			name: "server problems",
			src: "[server]\nlisten = \"8080\"\nadmin_listen = \":8081\"\noutbound_redirect = \"localhost:9000\"\n" +
				"path_prefix = \"api\"\nmax_body_bytes = -1\ntrusted_proxies = [\"10.0.0.0/8\", \"not-an-ip\"]\n" +
				"log_level = \"verbose\"\nlog_format = \"xml\"\n",
			want: []string{
				`c.toml:2: server: listen: invalid address "8080" (want host:port, e.g. ":8080")`,
				`c.toml:3: server: admin_listen ":8081" is not a loopback address, so admin_token is required`,
				`c.toml:4: server: outbound_redirect "localhost:9000" must be an absolute http:// or https:// URL`,
				`c.toml:5: server: path_prefix "api" must start with "/" and hold no query or fragment`,
				`c.toml:6: server: max_body_bytes must be positive, not -1`,
				`c.toml:7: server: trusted_proxies[1]: trusted proxy "not-an-ip" is neither a CIDR nor an IP address`,
				`c.toml:8: server: log_level "verbose" must be one of debug, info, warn, error`,
				`c.toml:9: server: log_format "xml" must be json or text`,
			},
		},
		{
			name: "admin listener shares the ingress address",
			src:  "[server]\nlisten = \"127.0.0.1:8080\"\nadmin_listen = \"127.0.0.1:8080\"\n",
			want: []string{`c.toml:3: server: admin_listen must differ from listen ("127.0.0.1:8080")`},
		},
		{
			name: "sandbox negatives",
			src:  "[sandbox]\nmax_call_stack = -1\nhttp_timeout = \"-1ms\"\n",
			want: []string{
				`c.toml:2: sandbox: max_call_stack must be positive, not -1`,
				`c.toml:3: sandbox: http_timeout must be positive, not -1ms`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseTest(t, tt.src)
			if diff := cmp.Diff(tt.want, errLines(t, err)); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}
