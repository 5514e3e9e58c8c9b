package main

import (
	"regexp"
	"strings"
)

// Failure causes, in the order the report prints them.
const (
	causeMissingAPI = "missing API"
	causePermission = "permission"
	causeLanguage   = "language feature"
	causeMatcher    = "matcher"
	causeTimeout    = "timeout"
	causeAssertion  = "assertion (behaviour differs)"
	causeLoad       = "template load"
	causeOther      = "other"
)

var causeOrder = []string{causeLoad, causeMissingAPI, causePermission, causeLanguage, causeMatcher, causeTimeout, causeAssertion, causeOther}

var (
	reNotImpl   = regexp.MustCompile(`([A-Za-z0-9_.]+): sGTM API not implemented by tagd`)
	rePerm      = regexp.MustCompile(`Permission denied: (\S+) requires permission "([^"]+)"`)
	reNoMember  = regexp.MustCompile(`Object has no member '([^']+)'`)
	reAssert    = regexp.MustCompile(`^(assert(?:That|Api)\([^)]*\)\.[A-Za-z]+\([^)]*\)) failed`)
	reLocation  = regexp.MustCompile(`\s+\(at .*$|\s+at \S+:\d+.*$`)
	reNotFunc   = regexp.MustCompile(`TypeError: ([^ ]+) is not a function`)
	matcherName = map[string]bool{}
)

func init() {
	for _, m := range []string{"isUndefined", "isDefined", "isNull", "isNotNull", "isTrue", "isFalse", "isTruthy",
		"isFalsy", "isNaN", "isNotNaN", "isInfinity", "isNotInfinity", "isEqualTo", "isNotEqualTo", "isAnyOf",
		"isNoneOf", "isStrictlyEqualTo", "isNotStrictlyEqualTo", "isGreaterThan", "isGreaterThanOrEqualTo",
		"isLessThan", "isLessThanOrEqualTo", "contains", "doesNotContain", "containsExactly",
		"doesNotContainExactly", "hasLength", "isEmpty", "isNotEmpty", "isArray", "isBoolean", "isFunction",
		"isNumber", "isObject", "isString", "wasCalled", "wasNotCalled", "wasCalledWith", "wasNotCalledWith",
		"matches", "isInstanceOf", "hasProperty"} {
		matcherName[m] = true
	}
}

// classify returns a failure's cause and a grouping key within the cause (an API name,
// a permission, a matcher, or the message without its source position).
func classify(msg string) (cause, key string) {
	first, _, _ := strings.Cut(msg, "\n")
	switch {
	case reNotImpl.MatchString(msg):
		return causeMissingAPI, reNotImpl.FindStringSubmatch(msg)[1]
	case rePerm.MatchString(msg):
		m := rePerm.FindStringSubmatch(msg)
		return causePermission, m[1] + " needs " + m[2]
	case strings.HasPrefix(msg, "timeout:"):
		return causeTimeout, strip(first)
	case strings.Contains(msg, "SyntaxError") || strings.HasPrefix(msg, "compile test code"):
		return causeLanguage, strip(first)
	case strings.Contains(msg, "ReferenceError") && strings.Contains(msg, "is not defined"):
		// Strict mode or a global tagd removed (the sandbox has only require + test API).
		return causeLanguage, strip(first)
	}
	if m := reNoMember.FindStringSubmatch(msg); m != nil && matcherName[m[1]] {
		return causeMatcher, m[1]
	}
	if m := reAssert.FindStringSubmatch(msg); m != nil {
		return causeAssertion, m[1]
	}
	if strings.HasPrefix(msg, "fail() called") {
		return causeAssertion, "fail()"
	}
	if m := reNotFunc.FindStringSubmatch(msg); m != nil {
		return causeOther, "TypeError: " + m[1] + " is not a function"
	}
	return causeOther, strip(first)
}

// strip removes a trailing source position and shortens the key.
func strip(s string) string {
	s = reLocation.ReplaceAllString(s, "")
	if len(s) > 140 {
		s = s[:140] + "…"
	}
	return s
}
