package config

import (
	"testing"

	"github.com/BurntSushi/toml"
)

func TestScanPositions(t *testing.T) {
	src := `# comment [[not.a.table]]
title = """
[[client]]
name = "fake \""" inside"
"""
lit = '''
x = 1 '''
"quoted.key" = 1
'lit key' = 1
a.b.c = 2
arr = [
  1,
  # comment ]
  "two",
  [3, 4],
]
date = 1979-05-27 07:32:00Z
[[client]]
name = "real"
inline = { x = { y = 1 }, z = [ {w = 1} ] }
[client.settings]
k = "v"
[[client]]
name = "second"
multi = {
  a = 1,   # TOML 1.1
  b = "}",
}
[server]
listen = "\"quoted\" ]"
"esc\u0041ped" = 1
[ dotted . "with space" ]
v = 1
`
	var m map[string]any
	if _, err := toml.Decode(src, &m); err != nil {
		t.Fatalf("test document is not valid TOML: %v", err)
	}
	root := scanPositions(src)
	tests := []struct {
		path []any
		want int
	}{
		{[]any{"title"}, 2},
		{[]any{"lit"}, 6},
		{[]any{"quoted.key"}, 8},
		{[]any{"lit key"}, 9},
		{[]any{"a"}, 10},
		{[]any{"a", "b", "c"}, 10},
		{[]any{"arr"}, 11},
		{[]any{"arr", 0}, 12},
		{[]any{"arr", 1}, 14},
		{[]any{"arr", 2}, 15},
		{[]any{"arr", 2, 1}, 15},
		{[]any{"date"}, 17},
		{[]any{"client"}, 18},
		{[]any{"client", 0}, 18},
		{[]any{"client", 0, "name"}, 19},
		{[]any{"client", 0, "inline", "x", "y"}, 20},
		{[]any{"client", 0, "inline", "z", 0, "w"}, 20},
		{[]any{"client", 0, "settings"}, 21},
		{[]any{"client", 0, "settings", "k"}, 22},
		{[]any{"client", 1}, 23},
		{[]any{"client", 1, "name"}, 24},
		{[]any{"client", 1, "multi", "b"}, 27},
		{[]any{"server"}, 29},
		{[]any{"server", "listen"}, 30},
		{[]any{"server", "escAped"}, 31},
		{[]any{"dotted", "with space"}, 32},
		{[]any{"dotted", "with space", "v"}, 33},
		// Unknown paths fall back to the nearest known ancestor.
		{[]any{"client", 1, "nope"}, 23},
		{[]any{"client", 5}, 18},
		{[]any{"nowhere"}, 0},
	}
	for _, tt := range tests {
		if got := root.lineOf(tt.path...); got != tt.want {
			t.Errorf("lineOf(%v) = %d, want %d", tt.path, got, tt.want)
		}
	}
	var nilTree *posNode
	if got := nilTree.lineOf("x"); got != 0 {
		t.Errorf("nil tree lineOf = %d", got)
	}
}
