package config

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

const transformBase = `
[[variable]]
name = "Value"
type = "event_data"
key = "value"

[[tag]]
name = "Hook"
template = "http-request"
triggers = ["All Events"]

[[tag]]
name = "Prepare"
template = "http-request"
paused = true
`

func TestTransformationsAndPacksParse(t *testing.T) {
	c, err := parseTest(t, transformBase+`
[[transformation]]
name = "Trim"
type = "Exclude"
priority = 3
keys = ["user_data", "ip_override"]
tags = ["Hook"]
[[transformation.condition]]
variable = "Value"
operator = "GREATER"
value = 10

[[transformation]]
name = "Add"
type = "augment"
tag_templates = "http-request"
[[transformation.param]]
key = "shop.id"
value = "${META_TOKEN}-{{Value}}"

[packs]
directory = "vendor/packs"
prefer = { webhook = "acme" }
`)
	if err != nil {
		t.Fatal(err)
	}
	want := []Transformation{
		{Name: "Trim", Type: TransformExclude, Priority: 3, Keys: []string{"user_data", "ip_override"}, Tags: []string{"Hook"},
			Conditions: []Condition{{Variable: "Value", Operator: OpGreaterThan, Value: "10", Line: 23}}, Line: 17},
		{Name: "Add", Type: TransformAugment, TagTemplates: []string{"http-request"},
			Params: []TransformParam{{Key: "shop.id", Value: "meta-token-{{Value}}", Line: 32}}, Line: 28},
	}
	if diff := cmp.Diff(want, c.Transformations); diff != "" {
		t.Errorf("transformations (-want +got):\n%s", diff)
	}
	if c.Packs.Directory != "vendor/packs" || !cmp.Equal(c.Packs.Prefer, map[string]string{"webhook": "acme"}) {
		t.Errorf("packs %+v", c.Packs)
	}
	if got := c.PacksDir(); got != "/cfg/vendor/packs" {
		t.Errorf("PacksDir %q", got)
	}
	if got := c.LockPath(); got != "/cfg/tagd.lock" {
		t.Errorf("LockPath %q", got)
	}
}

func TestSequenceKeysParse(t *testing.T) {
	c, err := parseTest(t, transformBase+`
[[tag]]
name = "Main"
template = "http-request"
triggers = "All Events"
setup_tag = "Prepare"
stop_on_setup_failure = true
teardown_tag = "Hook"
stop_teardown_on_failure = true
firing_option = "UNLIMITED"
`)
	if err != nil {
		t.Fatal(err)
	}
	m := c.Tags[2]
	if m.SetupTag != "Prepare" || !m.StopOnSetupFailure || m.TeardownTag != "Hook" || !m.StopTeardownOnFailure || m.FiringOption != FireUnlimited {
		t.Errorf("tag %+v", m)
	}
}

func TestTransformationAndSequenceErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{
			name: "transformation problems",
			src: transformBase + `
[[transformation]]
name = "A"
type = "rename"

[[transformation]]
name = "B"
type = "allow"
tags = ["Nope"]
[[transformation.param]]
key = "x"
value = 1

[[transformation]]
name = "C"
type = "augment"
keys = ["x"]
[[transformation.condition]]
variable = "Missing"
operator = "regex"
value = "("

[[transformation]]
name = "A"
type = "exclude"
keys = [""]
colour = "red"
`,
			want: []string{
				`c.toml:19: transformation "A": unknown type "rename" (want one of allow, exclude, augment)`,
				`c.toml:21: transformation "B": type allow needs keys (the event-data key paths it keeps)`,
				`c.toml:24: transformation "B": tags: unknown tag "Nope"`,
				`c.toml:25: transformation "B": param is not used by type allow (use keys)`,
				`c.toml:29: transformation "C": type augment needs at least one [[transformation.param]] with key and value`,
				`c.toml:32: transformation "C": keys is not used by type augment (use [[transformation.param]])`,
				`c.toml:34: transformation "C" condition 1: unknown variable "Missing" (define it as a [[variable]] or use a built-in one)`,
				`c.toml:36: transformation "C" condition 1: invalid regex "(": missing closing ): "("`,
				`c.toml:38: transformation "A": duplicate name (first defined at c.toml:17)`,
				`c.toml:41: transformation "A": keys[0] is empty`,
				`c.toml:42: transformation "A": unknown key "colour"`,
			},
		},
		{
			name: "sequence problems",
			src: transformBase + `
[[tag]]
name = "Loop A"
template = "http-request"
triggers = ["All Events"]
setup_tag = "Loop B"
firing_option = "sometimes"

[[tag]]
name = "Loop B"
template = "http-request"
teardown_tag = "Loop A"
stop_on_setup_failure = true

[[tag]]
name = "Self"
template = "http-request"
triggers = ["All Events"]
setup_tag = "Self"
teardown_tag = "Ghost"
`,
			want: []string{
				`c.toml:22: tag "Loop A": firing_option "sometimes" must be once_per_event or unlimited`,
				`c.toml:24: tag "Loop B": setup/teardown chain through "Loop A" leads back to itself`,
				`c.toml:28: tag "Loop B": stop_on_setup_failure needs setup_tag`,
				`c.toml:34: tag "Self": setup_tag: a tag cannot sequence itself`,
				`c.toml:35: tag "Self": teardown_tag: unknown tag "Ghost"`,
			},
		},
		{
			name: "packs problems",
			src: `
[packs]
directory = "  "
prefer = { webhook = "Not A Pack", other = 3 }
`,
			want: []string{
				`c.toml:3: packs: directory must not be blank`,
				`c.toml:4: packs: prefer.other must be a pack name string, not an integer`,
				`c.toml:4: packs: prefer.webhook: "Not A Pack" is not a pack name (lower-case letters, digits, '.', '_' and '-')`,
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
