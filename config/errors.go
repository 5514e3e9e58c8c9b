package config

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// unnamedFile is used in messages when a config was parsed from bytes without a name.
const unnamedFile = "<input>"

// Position is a place in a config file.
type Position struct {
	File string
	Line int // 1-based; 0 when unknown
}

// String formats the position as "file:line", or just "file" when the line is unknown.
func (p Position) String() string {
	f := p.File
	if f == "" {
		f = unnamedFile
	}
	if p.Line <= 0 {
		return f
	}
	return f + ":" + strconv.Itoa(p.Line)
}

// Error is one problem found in a config file.
type Error struct {
	File string
	Line int // 1-based; 0 when the problem has no single line (e.g. a missing section)
	Msg  string
}

// Error formats the problem as "file:line: msg".
func (e *Error) Error() string {
	return Position{File: e.File, Line: e.Line}.String() + ": " + e.Msg
}

// Errors is every problem found in a config file, ordered by line.
type Errors []*Error

// Error joins the problems with newlines.
func (es Errors) Error() string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap exposes the individual problems to errors.As and errors.Is.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// sorted orders problems by file and line, keeping discovery order for equal lines, and drops
// exact duplicates (the same problem can be found through two paths, e.g. a key path that
// repeats across [[array tables]]).
func (es Errors) sorted() Errors {
	seen := make(map[Error]bool, len(es))
	out := make(Errors, 0, len(es))
	for _, e := range es {
		if !seen[*e] {
			seen[*e] = true
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line))
	})
	return out
}

// asError returns nil for an empty list, so callers never see a non-nil error holding nothing.
func (es Errors) asError() error {
	if len(es) == 0 {
		return nil
	}
	return es.sorted()
}
