package sandbox

import (
	"sort"
	"sync"

	"github.com/dop251/goja"
)

// API is one require()-able sGTM API.
type API struct {
	Name       string // exactly what templates pass to require()
	Permission string // the permission it checks ("" = none); documentation and lint
	Status     string // "implemented" or "partial" (see docs/COMPATIBILITY.md)
	// New builds the API's value for one runtime. It is called once per pooled runtime;
	// the value must read per-execution state through vu at call time.
	New func(vu *VU) goja.Value
}

var (
	apiMu sync.RWMutex
	apis  = map[string]API{}
)

// Register adds an API. It panics on an empty or duplicate name.
func Register(a API) {
	apiMu.Lock()
	defer apiMu.Unlock()
	if a.Name == "" || a.New == nil {
		panic("sandbox: Register with empty name or nil constructor")
	}
	if _, dup := apis[a.Name]; dup {
		panic("sandbox: duplicate API " + a.Name)
	}
	if a.Status == "" {
		a.Status = "implemented"
	}
	apis[a.Name] = a
}

// LookupAPI returns a registered API.
func LookupAPI(name string) (API, bool) {
	apiMu.RLock()
	defer apiMu.RUnlock()
	a, ok := apis[name]
	return a, ok
}

// APIs returns all registered APIs sorted by name.
func APIs() []API {
	apiMu.RLock()
	defer apiMu.RUnlock()
	out := make([]API, 0, len(apis))
	for _, a := range apis {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
