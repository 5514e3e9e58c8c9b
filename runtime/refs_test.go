package runtime

import (
	"context"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// refSpec is the reference syntax nextRef implements, as a regular expression.
var refSpec = regexp.MustCompile(`\{\{\s*([^{}]+?)\s*\}\}`)

type refMatch struct {
	Start, End int
	Name       string
}

func scanRefs(s string) []refMatch {
	var out []refMatch
	for start, end, name, ok := nextRef(s, 0); ok; start, end, name, ok = nextRef(s, end) {
		out = append(out, refMatch{start, end, name})
	}
	return out
}

func specRefs(s string) []refMatch {
	var out []refMatch
	for _, m := range refSpec.FindAllStringSubmatchIndex(s, -1) {
		out = append(out, refMatch{m[0], m[1], s[m[2]:m[3]]})
	}
	return out
}

func TestNextRef(t *testing.T) {
	tests := []struct {
		in   string
		want []refMatch
	}{
		{"", nil},
		{"no refs", nil},
		{"{{a}}", []refMatch{{0, 5, "a"}}},
		{"x={{ Click ID }}&y={{value}}", []refMatch{{2, 16, "Click ID"}, {19, 28, "value"}}},
		{"{{{a}}", []refMatch{{1, 6, "a"}}},
		{"{{a}b}}", nil},
		{"{{a{{b}}", []refMatch{{3, 8, "b"}}},
		{"{{}}", nil},
		{"{{   }}", []refMatch{{0, 7, " "}}},
		{"{{\ta\v}}", []refMatch{{0, 7, "a\v"}}},
		{"{{a}}}}{{b}}", []refMatch{{0, 5, "a"}, {7, 12, "b"}}},
		{"{{é ü}}", []refMatch{{0, 9, "é ü"}}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, scanRefs(tt.in)); diff != "" {
			t.Errorf("nextRef(%q) (-want +got):\n%s", tt.in, diff)
		}
		if diff := cmp.Diff(specRefs(tt.in), scanRefs(tt.in)); diff != "" {
			t.Errorf("nextRef(%q) differs from the regexp (-regexp +scanner):\n%s", tt.in, diff)
		}
	}
}

// FuzzNextRef checks the scanner against the regular expression it replaces on any input
// (parameter strings come from config files and imported containers).
func FuzzNextRef(f *testing.F) {
	for _, s := range []string{"{{a}}", "x {{ b }} y {{c}}", "{{{a}}}", "{{a}b}}", "{{ }}", "{{\n}}", "}}{{", "{{\xff}}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if diff := cmp.Diff(specRefs(s), scanRefs(s)); diff != "" {
			t.Fatalf("nextRef(%q) differs from the regexp (-regexp +scanner):\n%s", s, diff)
		}
	})
}

func TestResolveParamsInterpolation(t *testing.T) {
	c := &Container{Variables: map[string]*VariableBinding{
		"Click ID": {Name: "Click ID", Variable: constVar{"clk-1"}},
		"Obj":      {Name: "Obj", Variable: constVar{map[string]any{"a": 1.0}}},
	}}
	ec := NewEventContext(nil, c, Event{"value": 12.5, "event_name": "purchase"})
	got := ec.ResolveParams(context.Background(), map[string]any{
		"url":    "https://x.example/?c={{Click ID}}&v={{ value }}&missing={{nope}}&n={{Event Name}}",
		"exact":  "{{Obj}}",
		"plain":  "no refs",
		"nested": []any{"{{value}}", map[string]any{"k": "a{{Click ID}}b"}},
	})
	want := map[string]any{
		"url":    "https://x.example/?c=clk-1&v=12.5&missing=&n=purchase",
		"exact":  map[string]any{"a": 1.0},
		"plain":  "no refs",
		"nested": []any{12.5, map[string]any{"k": "aclk-1b"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ResolveParams (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"a", "b c"}, References([]any{"{{a}}", map[string]any{"x": "-{{ b c }}-"}})); diff != "" {
		t.Errorf("References (-want +got):\n%s", diff)
	}
}
