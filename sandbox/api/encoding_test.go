package api

import "testing"

// encodeUriComponent/encodeUri return a string with nothing to escape as the same value;
// everything else is escaped as ECMAScript's functions do, and wrapper objects become
// primitive strings.
func TestEncodeUri(t *testing.T) {
	tests := []struct{ code, want string }{
		{"const e = require('encodeUriComponent'); return [e('abc-_.!~*\\'()'), e('a b'), e('a/b?c=d&e'), e('é'), e(12), e(null), e(undefined)].join('|')",
			"abc-_.!~*'()|a%20b|a%2Fb%3Fc%3Dd%26e|%C3%A9|12|null|undefined"},
		{"const e = require('encodeUri'); return [e('https://x.example/a b?c=d&e#f'), e('plain')].join('|')",
			"https://x.example/a%20b?c=d&e#f|plain"},
		{"const e = require('encodeUriComponent'); const w = e(new (''.constructor)('x')); return typeof w + w", "stringx"},
	}
	checkValues(t, tests)
}

// FuzzNeedsEscape: the fast path's test agrees with the encoder on every input.
func FuzzNeedsEscape(f *testing.F) {
	for _, s := range []string{"", "abc", "a b", "é", "-_.!~*'()", ";/?:@&=+$,#", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, safe := range []string{uriComponentSafe, uriSafe} {
			if got, want := needsEscape(s, safe), encodeURI(s, safe) != s; got != want {
				t.Fatalf("needsEscape(%q, %q) = %v, but encodeURI changes it: %v", s, safe, got, want)
			}
		}
	})
}
