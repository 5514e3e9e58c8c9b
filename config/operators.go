package config

import "strings"

// operatorAliases maps every accepted spelling (after lower-casing and turning "-" and spaces
// into "_") to its canonical operator. GTM's export names (MATCH_REGEX, GREATER_OR_EQUALS, ...)
// are included so conditions can be copied from a GTM container.
var operatorAliases = map[string]string{
	"equals": OpEquals, "equal": OpEquals, "eq": OpEquals, "is": OpEquals, "==": OpEquals, "=": OpEquals,
	"contains": OpContains, "contain": OpContains, "includes": OpContains,
	"starts_with": OpStartsWith, "startswith": OpStartsWith, "start_with": OpStartsWith,
	"begins_with": OpStartsWith, "prefix": OpStartsWith,
	"ends_with": OpEndsWith, "endswith": OpEndsWith, "end_with": OpEndsWith, "suffix": OpEndsWith,
	"matches_regex": OpMatchesRegex, "match_regex": OpMatchesRegex, "matches_regexp": OpMatchesRegex,
	"regex": OpMatchesRegex, "regexp": OpMatchesRegex, "matches": OpMatchesRegex, "=~": OpMatchesRegex,
	"greater_than": OpGreaterThan, "greater": OpGreaterThan, "gt": OpGreaterThan, ">": OpGreaterThan,
	"greater_or_equal": OpGreaterOrEqual, "greater_or_equals": OpGreaterOrEqual,
	"greater_than_or_equal": OpGreaterOrEqual, "gte": OpGreaterOrEqual, "ge": OpGreaterOrEqual, ">=": OpGreaterOrEqual,
	"less_than": OpLessThan, "less": OpLessThan, "lt": OpLessThan, "<": OpLessThan,
	"less_or_equal": OpLessOrEqual, "less_or_equals": OpLessOrEqual,
	"less_than_or_equal": OpLessOrEqual, "lte": OpLessOrEqual, "le": OpLessOrEqual, "<=": OpLessOrEqual,
}

// Operators lists the canonical condition operators.
var Operators = []string{
	OpEquals, OpContains, OpStartsWith, OpEndsWith, OpMatchesRegex,
	OpGreaterThan, OpGreaterOrEqual, OpLessThan, OpLessOrEqual,
}

// NormalizeOperator maps an operator as written (any case, aliases such as "eq", "regex",
// "gte", or GTM's "MATCH_REGEX") to its canonical name. ok is false for unknown operators.
func NormalizeOperator(op string) (canonical string, ok bool) {
	k := strings.ToLower(strings.TrimSpace(op))
	k = strings.NewReplacer("-", "_", " ", "_").Replace(k)
	canonical, ok = operatorAliases[k]
	return canonical, ok
}

// IsNumericOperator reports whether op (canonical) compares numbers.
func IsNumericOperator(op string) bool {
	switch op {
	case OpGreaterThan, OpGreaterOrEqual, OpLessThan, OpLessOrEqual:
		return true
	}
	return false
}
