package sandbox

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/tagd-dev/tagd/templates"
)

// Checker evaluates one permission instance for the arguments of an API call. It returns
// nil when the call is allowed, or an error saying what was not granted.
type Checker func(args ...any) error

// PermissionFactory compiles a permission's declared parameters into a Checker.
type PermissionFactory func(params map[string]any) (Checker, error)

var (
	permMu    sync.RWMutex
	permTypes = map[string]PermissionFactory{}
)

// RegisterPermission makes a permission type known. It panics on a duplicate id, so two
// packages cannot silently disagree about a permission's meaning.
func RegisterPermission(id string, f PermissionFactory) {
	permMu.Lock()
	defer permMu.Unlock()
	if id == "" || f == nil {
		panic("sandbox: RegisterPermission with empty id or nil factory")
	}
	if _, dup := permTypes[id]; dup {
		panic("sandbox: duplicate permission " + id)
	}
	permTypes[id] = f
}

// PermissionIDs lists the registered permission types.
func PermissionIDs() []string {
	permMu.RLock()
	defer permMu.RUnlock()
	ids := make([]string, 0, len(permTypes))
	for id := range permTypes {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Permissions is a template's compiled ___SERVER_PERMISSIONS___.
type Permissions struct {
	checkers map[string]Checker
	// Unknown lists declared permission ids no factory knows: granted by presence only.
	Unknown []string
}

// CompilePermissions compiles declared permissions. Ids without a registered factory are
// treated as presence-only grants (their APIs decide), and listed in Unknown.
func CompilePermissions(ps []templates.Permission) (*Permissions, error) {
	out := &Permissions{checkers: map[string]Checker{}}
	permMu.RLock()
	defer permMu.RUnlock()
	for _, p := range ps {
		f, ok := permTypes[p.ID]
		if !ok {
			out.Unknown = append(out.Unknown, p.ID)
			out.checkers[p.ID] = func(...any) error { return nil }
			continue
		}
		c, err := f(p.Params)
		if err != nil {
			return nil, fmt.Errorf("permission %s: %w", p.ID, err)
		}
		out.checkers[p.ID] = c
	}
	return out, nil
}

// PermissionError is thrown into the template when a call is not allowed.
type PermissionError struct {
	API, Permission, Detail string
}

func (e *PermissionError) Error() string {
	if e.Detail != "" {
		return fmt.Sprintf("Permission denied: %s requires permission %q: %s", e.API, e.Permission, e.Detail)
	}
	return fmt.Sprintf("Permission denied: %s requires permission %q, which the template does not declare", e.API, e.Permission)
}

// Has reports whether the permission is declared at all.
func (p *Permissions) Has(id string) bool {
	if p == nil {
		return false
	}
	_, ok := p.checkers[id]
	return ok
}

// Check evaluates permission id for an API call.
func (p *Permissions) Check(api, id string, args ...any) error {
	if p == nil {
		return &PermissionError{API: api, Permission: id}
	}
	c, ok := p.checkers[id]
	if !ok {
		return &PermissionError{API: api, Permission: id}
	}
	if err := c(args...); err != nil {
		return &PermissionError{API: api, Permission: id, Detail: err.Error()}
	}
	return nil
}

// Param helpers for permission factories.

// ParamString returns a string parameter.
func ParamString(params map[string]any, key string) string {
	s, _ := params[key].(string)
	return s
}

// ParamBool returns a boolean parameter (absent = false).
func ParamBool(params map[string]any, key string) bool {
	switch v := params[key].(type) {
	case bool:
		return v
	case string:
		return strings.EqualFold(v, "true")
	}
	return false
}

// ParamList returns a list parameter.
func ParamList(params map[string]any, key string) []any {
	l, _ := params[key].([]any)
	return l
}

// ParamStrings returns a list of strings, also taking string fields out of maps by field.
func ParamStrings(params map[string]any, key, field string) []string {
	var out []string
	for _, it := range ParamList(params, key) {
		switch v := it.(type) {
		case string:
			out = append(out, v)
		case map[string]any:
			if s, ok := v[field].(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}
