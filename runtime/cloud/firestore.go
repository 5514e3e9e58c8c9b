package cloud

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
)

// Firestore is a document store with sGTM's Firestore semantics. Paths in Refs are
// validated by the caller with ParsePath. A non-empty tx runs the call inside a transaction
// from Begin: reads are recorded for conflict detection, writes are buffered until Commit.
// Buffering a write (Set or Delete with a tx) must not do I/O or block: callers do it on
// a JavaScript runtime's goroutine to keep the writes in program order.
type Firestore interface {
	// Get reads a document; ErrNotFound if it does not exist.
	Get(ctx context.Context, doc Ref, tx string) (*Doc, error)
	// Set writes a document: overwrite, or deep-merge into the existing one with merge.
	Set(ctx context.Context, doc Ref, data map[string]any, merge bool, tx string) error
	// Delete removes a document; deleting a missing one is not an error.
	Delete(ctx context.Context, doc Ref, tx string) error
	// Query returns the documents directly in q.Collection matching every filter, in
	// document-id order, at most q.Limit of them.
	Query(ctx context.Context, q Query, tx string) ([]Doc, error)
	// Begin starts a read-write transaction and returns its id.
	Begin(ctx context.Context, project, database string) (string, error)
	// Commit applies the transaction's writes atomically and returns the ids of the
	// documents written, in order. ErrConflict means a document read in the transaction
	// changed meanwhile; the caller may retry the whole transaction.
	Commit(ctx context.Context, tx string) ([]string, error)
	// Rollback abandons a transaction.
	Rollback(ctx context.Context, tx string) error
	Close() error
}

// Errors reported by Firestore backends.
var (
	ErrNotFound      = errors.New("document not found")
	ErrConflict      = errors.New("transaction aborted: a document it read was changed concurrently")
	ErrNoTransaction = errors.New("unknown, finished or expired transaction")
	ErrTooLarge      = errors.New("document too large")
	ErrBadQuery      = errors.New("invalid query")
)

// Doc is one document.
type Doc struct {
	ID   string         `json:"id"`
	Path string         `json:"path"`
	Data map[string]any `json:"data"`
}

// Filter is one query condition [field, op, value] as templates write it. Field is a
// dotted path into nested maps.
type Filter struct {
	Field string
	Op    string
	Value any
}

// Query selects documents of one collection.
type Query struct {
	Collection Ref
	Filters    []Filter
	Limit      int
}

// DefaultQueryLimit is sGTM's default Firestore.query limit; MaxQueryLimit bounds what a
// template may ask for.
const (
	DefaultQueryLimit = 5
	MaxQueryLimit     = 10000
	maxDocBytes       = 1 << 20
)

// queryOps are the operators Firestore supports.
var queryOps = map[string]bool{
	"==": true, "!=": true, "<": true, "<=": true, ">": true, ">=": true,
	"array-contains": true, "array-contains-any": true, "in": true, "not-in": true,
}

// Validate checks the operator and, for list operators, the operand.
func (f Filter) Validate() error {
	if f.Field == "" {
		return fmt.Errorf("%w: empty field name", ErrBadQuery)
	}
	if !queryOps[f.Op] {
		return fmt.Errorf("%w: unknown operator %q (use ==, !=, <, <=, >, >=, array-contains, array-contains-any, in, not-in)", ErrBadQuery, f.Op)
	}
	switch f.Op {
	case "in", "not-in", "array-contains-any":
		l, ok := f.Value.([]any)
		if !ok {
			return fmt.Errorf("%w: operator %q needs an array value", ErrBadQuery, f.Op)
		}
		if len(l) == 0 || len(l) > 30 {
			return fmt.Errorf("%w: operator %q needs 1 to 30 values, got %d", ErrBadQuery, f.Op, len(l))
		}
	}
	return nil
}

// Matches reports whether data satisfies the filter, with Firestore's rules: range
// operators compare only values of the same type; != and not-in exclude documents that
// lack the field.
func (f Filter) Matches(data map[string]any) bool {
	v, ok := lookupField(data, f.Field)
	switch f.Op {
	case "==":
		return ok && equalValues(v, f.Value)
	case "!=":
		return ok && !equalValues(v, f.Value)
	case "<", "<=", ">", ">=":
		if !ok {
			return false
		}
		c, same := compareValues(v, f.Value)
		if !same {
			return false
		}
		switch f.Op {
		case "<":
			return c < 0
		case "<=":
			return c <= 0
		case ">":
			return c > 0
		}
		return c >= 0
	case "array-contains":
		arr, isArr := v.([]any)
		return ok && isArr && containsValue(arr, f.Value)
	case "array-contains-any":
		arr, isArr := v.([]any)
		want, _ := f.Value.([]any)
		if !ok || !isArr {
			return false
		}
		for _, w := range want {
			if containsValue(arr, w) {
				return true
			}
		}
		return false
	case "in":
		want, _ := f.Value.([]any)
		return ok && containsValue(want, v)
	case "not-in":
		want, _ := f.Value.([]any)
		return ok && !containsValue(want, v)
	}
	return false
}

func lookupField(data map[string]any, path string) (any, bool) {
	var cur any = data
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		cur, ok = m[part]
		if !ok {
			return nil, false
		}
	}
	return cur, true
}

func containsValue(list []any, v any) bool {
	for _, x := range list {
		if equalValues(x, v) {
			return true
		}
	}
	return false
}

// toNumber reports the numeric value of the numeric types that reach the store (JSON and
// goja exports produce float64 and int64; Go callers may use others).
func toNumber(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case int32:
		return float64(n), true
	case uint64:
		return float64(n), true
	}
	return 0, false
}

// equalValues compares numbers numerically and everything else structurally.
func equalValues(a, b any) bool {
	if x, ok := toNumber(a); ok {
		y, ok := toNumber(b)
		return ok && x == y
	}
	switch av := a.(type) {
	case []any:
		bv, ok := b.([]any)
		if !ok || len(av) != len(bv) {
			return false
		}
		for i := range av {
			if !equalValues(av[i], bv[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok || len(av) != len(bv) {
			return false
		}
		for k, x := range av {
			y, ok := bv[k]
			if !ok || !equalValues(x, y) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// compareValues orders two values of the same kind (numbers, strings, booleans); same is
// false for values of different kinds, which never satisfy a range filter.
func compareValues(a, b any) (c int, same bool) {
	if x, ok := toNumber(a); ok {
		y, ok := toNumber(b)
		if !ok || math.IsNaN(x) || math.IsNaN(y) {
			return 0, false
		}
		switch {
		case x < y:
			return -1, true
		case x > y:
			return 1, true
		}
		return 0, true
	}
	switch av := a.(type) {
	case string:
		bv, ok := b.(string)
		if !ok {
			return 0, false
		}
		return strings.Compare(av, bv), true
	case bool:
		bv, ok := b.(bool)
		if !ok {
			return 0, false
		}
		switch {
		case av == bv:
			return 0, true
		case !av:
			return -1, true
		}
		return 1, true
	}
	return 0, false
}

// mergeData deep-merges src into a copy of dst, as Firestore's set with merge does: maps
// merge recursively, everything else (arrays included) is replaced.
func mergeData(dst, src map[string]any) map[string]any {
	out := make(map[string]any, len(dst)+len(src))
	for k, v := range dst {
		out[k] = v
	}
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := out[k].(map[string]any); ok {
				out[k] = mergeData(dm, sm)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// leafPaths lists the field paths a merge writes: every non-map value and every empty map,
// as segment lists, sorted for stable output.
func leafPaths(data map[string]any, prefix []string, out *[][]string) {
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p := append(append([]string(nil), prefix...), k)
		if m, ok := data[k].(map[string]any); ok && len(m) > 0 {
			leafPaths(m, p, out)
			continue
		}
		*out = append(*out, p)
	}
}

func checkLimit(n int) int {
	switch {
	case n <= 0:
		return DefaultQueryLimit
	case n > MaxQueryLimit:
		return MaxQueryLimit
	}
	return n
}
