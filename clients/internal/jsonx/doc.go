// Package jsonx decodes JSON request bodies for the built-in clients into event-data
// values (map[string]any, []any, string, bool, nil, float64, and int64 for integers beyond
// 2^53 that a float64 would round), reporting duplicate object keys and syntax errors with
// line and column.
//
// It imports the standard library only; it must not import any tagd package.
package jsonx
