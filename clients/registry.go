package clients

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/tagd-dev/tagd/runtime"
)

// Factory builds a built-in client from its configured name and settings.
type Factory func(name string, settings map[string]any) (runtime.Client, error)

var (
	mu        sync.RWMutex
	factories = map[string]Factory{}
)

// Register makes a built-in client type available to configs. It panics on duplicates.
func Register(typ string, f Factory) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := factories[typ]; dup {
		panic("clients: duplicate client type " + typ)
	}
	factories[typ] = f
}

// Types lists the built-in client types.
func Types() []string {
	mu.RLock()
	defer mu.RUnlock()
	var out []string
	for t := range factories {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// New builds a built-in client.
func New(typ, name string, settings map[string]any) (runtime.Client, error) {
	mu.RLock()
	f, ok := factories[typ]
	mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("unknown client type %q (built-in types: %s)", typ, strings.Join(Types(), ", "))
	}
	return f(name, settings)
}

// settingStrings reads a list-of-strings setting (a single string is a one-item list).
func settingStrings(settings map[string]any, key string) ([]string, error) {
	switch v := settings[key].(type) {
	case nil:
		return nil, nil
	case string:
		return []string{v}, nil
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			s, ok := x.(string)
			if !ok {
				return nil, fmt.Errorf("setting %q: want a list of strings", key)
			}
			out = append(out, s)
		}
		return out, nil
	case []string:
		return v, nil
	}
	return nil, fmt.Errorf("setting %q: want a string or a list of strings", key)
}

func checkKnown(settings map[string]any, known ...string) error {
	for k := range settings {
		ok := false
		for _, kn := range known {
			if k == kn {
				ok = true
				break
			}
		}
		if !ok {
			return fmt.Errorf("unknown setting %q (known: %s)", k, strings.Join(known, ", "))
		}
	}
	return nil
}
