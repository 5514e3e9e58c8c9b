package api

import (
	"github.com/dop251/goja"
	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/sandbox"
)

// localStorage is the Execution.Locals key of the throw-away store used in preview and
// when the environment has none.
const localStorage = "tagd.templateStorage"

func init() {
	sandbox.RegisterPermission("access_template_storage", presence)
	sandbox.Register(sandbox.API{Name: "templateDataStorage", Permission: "access_template_storage", New: newTemplateDataStorage})
}

// templateDataStorage shares data between executions of one template (namespace = the
// template's file name, or its display name) with copy semantics both ways. Preview
// requests and environments without a store get a store that lives for one execution.
func newTemplateDataStorage(vu *sandbox.VU) goja.Value {
	rt := vu.Runtime()
	store := func(api string) (*runtime.TemplateStorage, string) {
		vu.MustCheck("templateDataStorage."+api, "access_template_storage")
		ex := vu.Exec()
		ns := ex.Program.Name
		if ex.Env != nil && ex.Env.Storage != nil && !ex.Debug {
			return ex.Env.Storage, ns
		}
		s, ok := ex.Locals[localStorage].(*runtime.TemplateStorage)
		if !ok {
			if ex.Locals == nil {
				ex.Locals = map[string]any{}
			}
			s = runtime.NewTemplateStorage(0)
			ex.Locals[localStorage] = s
		}
		return s, ns
	}
	o := rt.NewObject()
	_ = o.Set("getItemCopy", func(c goja.FunctionCall) goja.Value {
		s, ns := store("getItemCopy")
		v, ok := s.Get(ns, jsString(c.Argument(0)))
		if !ok || v == nil {
			return goja.Null()
		}
		return vu.ToJS(v)
	})
	_ = o.Set("setItemCopy", func(c goja.FunctionCall) goja.Value {
		s, ns := store("setItemCopy")
		key := jsString(c.Argument(0))
		v := sandbox.FromJS(c.Argument(1))
		if v == nil {
			s.Remove(ns, key)
			return undef
		}
		s.Set(ns, key, v)
		return undef
	})
	_ = o.Set("removeItem", func(c goja.FunctionCall) goja.Value {
		s, ns := store("removeItem")
		s.Remove(ns, jsString(c.Argument(0)))
		return undef
	})
	_ = o.Set("clear", func(c goja.FunctionCall) goja.Value {
		s, ns := store("clear")
		s.Clear(ns)
		return undef
	})
	return freeze(vu, o)
}
