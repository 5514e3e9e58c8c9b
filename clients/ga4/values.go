package ga4

import (
	"math"
	"strconv"
)

// Numbers in event data: int64 for integer protocol fields (exact beyond
// 2^53, which _p needs), float64 for decimal values. A value that is not a
// number is kept as the string the client sent (protocols.md rule 1: never
// reject a hit over a parameter's content).

// intOrRaw parses a base-10 integer, falls back to a decimal float, and
// otherwise returns the raw string.
func intOrRaw(s string) any {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n
	}
	return floatOrRaw(s)
}

// floatOrRaw parses a plain decimal number ("-1.5e3" but not "0x1p3", "NaN",
// "Inf" or "1_000", which strconv would accept) into a finite float64.
func floatOrRaw(s string) any {
	if !isDecimal(s) {
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return s
	}
	return f
}

// pageID keeps _p exact: int64 or, if it does not fit, the raw string.
func pageID(s string) any {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n
	}
	return s
}

// boolOrRaw maps the protocol's 0/1 flags.
func boolOrRaw(s string) any {
	switch s {
	case "1", "true":
		return true
	case "0", "false":
		return false
	}
	return s
}

// isDecimal reports whether s matches [+-]?(digits[.digits?]|.digits)([eE][+-]?digits)?.
func isDecimal(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	intDigits := digits(s[i:])
	i += intDigits
	fracDigits := 0
	if i < len(s) && s[i] == '.' {
		i++
		fracDigits = digits(s[i:])
		i += fracDigits
	}
	if intDigits == 0 && fracDigits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		n := digits(s[i:])
		if n == 0 {
			return false
		}
		i += n
	}
	return i == len(s)
}

func digits(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}
