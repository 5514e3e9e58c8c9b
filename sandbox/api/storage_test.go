package api

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/sandbox"
	"github.com/tagd-dev/tagd/templates"
)

var fxStoragePerm = fxPerm{"access_template_storage", nil}

// fxStorageRun runs code in template name against env, in preview or not.
func fxStorageRun(t *testing.T, name string, env *runtime.Env, debug bool, code string) sandbox.Result {
	t.Helper()
	prog := fxProgram(t, name, templates.KindMacro, code, fxStoragePerm)
	return fxRun(t, &sandbox.Execution{Program: prog, Name: name, Env: env, Debug: debug})
}

func TestTemplateDataStorage(t *testing.T) {
	env := &runtime.Env{Storage: runtime.NewTemplateStorage(0)}
	res := fxStorageRun(t, "a", env, false, `
const s = require('templateDataStorage');
const v = {list: [1, 2], n: {k: 'v'}};
s.setItemCopy('obj', v);
v.list.push(3);                  // the stored copy must not change
const got = s.getItemCopy('obj');
got.n.k = 'changed';             // nor through a read copy
s.setItemCopy('gone', 1);
s.setItemCopy('gone', null);
s.setItemCopy('removed', 1);
s.removeItem('removed');
return [s.getItemCopy('obj'), s.getItemCopy('gone'), s.getItemCopy('removed'), s.getItemCopy('never')];`)
	want := []any{map[string]any{"list": []any{int64(1), int64(2)}, "n": map[string]any{"k": "v"}}, nil, nil, nil}
	if diff := cmp.Diff(want, res.Value); res.Err != nil || diff != "" {
		t.Fatalf("err %v (-want +got):\n%s", res.Err, diff)
	}

	// A later execution of the same template sees the data; another template does not.
	res = fxStorageRun(t, "a", env, false, `return require('templateDataStorage').getItemCopy('obj').n.k;`)
	if res.Err != nil || res.Value != "v" {
		t.Fatalf("same template: %v, %v", res.Value, res.Err)
	}
	res = fxStorageRun(t, "b", env, false, `return require('templateDataStorage').getItemCopy('obj');`)
	if res.Err != nil || res.Value != nil {
		t.Fatalf("other template: %v, %v", res.Value, res.Err)
	}

	// Preview runs get a throw-away store: they neither see nor change the shared one.
	res = fxStorageRun(t, "a", env, true, `const s = require('templateDataStorage');
const before = s.getItemCopy('obj'); s.setItemCopy('p', 1); s.clear(); return before;`)
	if res.Err != nil || res.Value != nil {
		t.Fatalf("preview: %v, %v", res.Value, res.Err)
	}
	if _, ok := env.Storage.Get("a.tpl", "obj"); !ok {
		t.Fatal("preview cleared the shared store")
	}
	res = fxStorageRun(t, "a", env, false, `require('templateDataStorage').clear(); return require('templateDataStorage').getItemCopy('obj');`)
	if res.Err != nil || res.Value != nil {
		t.Fatalf("clear: %v, %v", res.Value, res.Err)
	}

	// Without a store in the environment the store lives for one execution.
	res = fxStorageRun(t, "a", nil, false, `const s = require('templateDataStorage'); s.setItemCopy('k', 'v'); return s.getItemCopy('k');`)
	if res.Err != nil || res.Value != "v" {
		t.Fatalf("no env: %v, %v", res.Value, res.Err)
	}
}

func TestTemplateDataStorageDenied(t *testing.T) {
	prog := fxProgram(t, "a", templates.KindMacro, `require('templateDataStorage').getItemCopy('k');`)
	res := fxRun(t, &sandbox.Execution{Program: prog, Name: "a"})
	fxWantErr(t, res.Err, "Permission denied", `templateDataStorage.getItemCopy requires permission "access_template_storage"`)
}
