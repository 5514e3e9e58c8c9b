package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/dop251/goja"
	"github.com/tagd-dev/tagd/runtime/cloud"
	"github.com/tagd-dev/tagd/sandbox"
)

// Firestore: read, write, query, delete and runTransaction over cloud.Default().Firestore,
// each returning a promise. Reads and queries outside transactions are cached for the
// execution unless options.disableCache; any write clears that cache.

func init() {
	sandbox.RegisterPermission("access_firestore", newAccessFirestore)
	sandbox.Register(sandbox.API{Name: "Firestore", Permission: "access_firestore", New: newFirestoreAPI})
}

type fsPermEntry struct{ project, path, op, db string }

// newAccessFirestore compiles allowedOptions [{projectId, path, operation, databaseId}].
// Checker arguments: (operation "read"|"write", {projectId?, path, databaseId?}).
func newAccessFirestore(p map[string]any) (sandbox.Checker, error) {
	var entries []fsPermEntry
	for i, it := range sandbox.ParamList(p, "allowedOptions") {
		m, ok := it.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("allowedOptions[%d] is not a map", i)
		}
		e := fsPermEntry{project: gcStr(m["projectId"]), path: gcStr(m["path"]), op: gcStr(m["operation"]), db: gcStr(m["databaseId"])}
		switch e.op {
		case "read", "write", "read_write":
		default:
			return nil, fmt.Errorf("allowedOptions[%d]: operation %q is not read, write or read_write", i, e.op)
		}
		entries = append(entries, e)
	}
	return func(args ...any) error {
		op, target := "", map[string]any(nil)
		if len(args) > 0 {
			op, _ = args[0].(string)
		}
		if len(args) > 1 {
			target, _ = args[1].(map[string]any)
		}
		path, project, db := gcStr(target["path"]), gcStr(target["projectId"]), gcStr(target["databaseId"])
		if db == "" {
			db = cloud.DefaultDatabase
		}
		for _, e := range entries {
			edb := e.db
			if edb == "" {
				edb = cloud.DefaultDatabase
			}
			if gcOpMatches(e.op, op) && gcProjectMatches(e.project, project) && gcGlob(e.path, path) && gcGlob(edb, db) {
				return nil
			}
		}
		if project == "" {
			project = cloud.Default().Project
		}
		return fmt.Errorf("%s of %q in project %q (database %q) is not among the allowed options", op, path, project, db)
	}, nil
}

func gcStr(v any) string {
	s, _ := v.(string)
	return s
}

// fsOpts are the options every Firestore method takes.
type fsOpts struct {
	projectID, databaseID, tx string
	disableCache, merge       bool
	limit                     int
}

func parseFSOpts(v goja.Value) fsOpts {
	m, _ := sandbox.FromJS(v).(map[string]any)
	o := fsOpts{projectID: gcStr(m["projectId"]), databaseID: gcStr(m["databaseId"]), tx: gcStr(m["transaction"])}
	o.disableCache, _ = m["disableCache"].(bool)
	o.merge, _ = m["merge"].(bool)
	switch n := m["limit"].(type) {
	case int64:
		o.limit = int(min(n, cloud.MaxQueryLimit))
	case float64:
		o.limit = int(min(n, cloud.MaxQueryLimit))
	}
	return o
}

// fsRef validates a template path and resolves the project; bad input throws.
func fsRef(vu *sandbox.VU, api string, pathVal goja.Value, o fsOpts) cloud.Ref {
	path, ok := pathVal.Export().(string)
	if !ok {
		vu.Throwf("%s: path must be a string", api)
	}
	if _, err := cloud.ParsePath(path); err != nil {
		vu.Throwf("%s: %v", api, err)
	}
	ref := cloud.Ref{Project: cloud.Default().ResolveProject(o.projectID), Database: o.databaseID, Path: path}
	if ref.Project == "" {
		vu.Throwf("%s: no projectId given and no default project (GOOGLE_CLOUD_PROJECT) configured", api)
	}
	return ref
}

func fsPermTarget(ref cloud.Ref, path string) map[string]any {
	return map[string]any{"projectId": ref.Project, "path": path, "databaseId": ref.DB()}
}

func fsDoc(d cloud.Doc) map[string]any {
	return map[string]any{"id": d.ID, "data": d.Data}
}

// fsCache is the execution-local read cache.
func fsCache(vu *sandbox.VU) map[string]any {
	ex := vu.Exec()
	if ex == nil {
		return nil
	}
	if ex.Locals == nil {
		ex.Locals = map[string]any{}
	}
	c, _ := ex.Locals["firestore.cache"].(map[string]any)
	if c == nil {
		c = map[string]any{}
		ex.Locals["firestore.cache"] = c
	}
	return c
}

func fsClearCache(vu *sandbox.VU) {
	if ex := vu.Exec(); ex != nil && ex.Locals != nil {
		delete(ex.Locals, "firestore.cache")
	}
}

func newFirestoreAPI(vu *sandbox.VU) goja.Value {
	rt := vu.Runtime()
	o := rt.NewObject()
	_ = o.Set("read", func(c goja.FunctionCall) goja.Value { return fsRead(vu, c) })
	_ = o.Set("write", func(c goja.FunctionCall) goja.Value { return fsWrite(vu, c) })
	_ = o.Set("query", func(c goja.FunctionCall) goja.Value { return fsQuery(vu, c) })
	_ = o.Set("delete", func(c goja.FunctionCall) goja.Value { return fsDelete(vu, c) })
	_ = o.Set("runTransaction", func(c goja.FunctionCall) goja.Value { return fsRunTransaction(vu, c) })
	return freeze(vu, o)
}

func fsRead(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
	const api = "Firestore.read"
	o := parseFSOpts(c.Argument(1))
	ref := fsRef(vu, api, c.Argument(0), o)
	if !ref.IsDocument() {
		vu.Throwf("%s: %q is a collection path; read needs a document path (an even number of segments)", api, ref.Path)
	}
	vu.MustCheck(api, "access_firestore", "read", fsPermTarget(ref, ref.Path))
	cacheable := o.tx == "" && !o.disableCache
	key := "read\x00" + ref.String()
	if cacheable {
		if v, ok := fsCache(vu)[key]; ok {
			return gcResolved(vu, v)
		}
	}
	fs := cloud.Default().Firestore
	return gcAsync(vu, api, func(ctx context.Context) (any, error) {
		d, err := fs.Get(ctx, ref, o.tx)
		if err != nil {
			return nil, err
		}
		return fsDoc(*d), nil
	}, func(err error) any { return gcReason(err) }, func(v any, err error) {
		if err == nil && cacheable {
			fsCache(vu)[key] = v
		}
	})
}

func fsWrite(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
	const api = "Firestore.write"
	o := parseFSOpts(c.Argument(2))
	ref := fsRef(vu, api, c.Argument(0), o)
	data, ok := sandbox.FromJS(c.Argument(1)).(map[string]any)
	if !ok {
		vu.Throwf("%s: input must be an object", api)
	}
	given := ref.Path
	if !ref.IsDocument() {
		ref = ref.Child(cloud.NewDocumentID())
	}
	// A write into a collection is allowed by an entry for the collection or for the new
	// document's path.
	if err := vu.Check(api, "access_firestore", "write", fsPermTarget(ref, given)); err != nil {
		if vu.Check(api, "access_firestore", "write", fsPermTarget(ref, ref.Path)) != nil {
			vu.Throw(err)
		}
	}
	fsClearCache(vu)
	fs := cloud.Default().Firestore
	if o.tx != "" {
		// Inside a transaction a write is only buffered (no I/O): do it now, so writes
		// keep the order the template issued them in and are in place when the
		// transaction's callback settles.
		if err := fs.Set(vu.Context(), ref, data, o.merge, o.tx); err != nil {
			return gcRejected(vu, gcReason(err))
		}
		return gcResolved(vu, ref.ID())
	}
	return gcAsync(vu, api, func(ctx context.Context) (any, error) {
		if err := fs.Set(ctx, ref, data, o.merge, o.tx); err != nil {
			return nil, err
		}
		return ref.ID(), nil
	}, func(err error) any { return gcReason(err) }, nil)
}

func fsDelete(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
	const api = "Firestore.delete"
	o := parseFSOpts(c.Argument(1))
	ref := fsRef(vu, api, c.Argument(0), o)
	if !ref.IsDocument() {
		vu.Throwf("%s: %q is a collection path; delete needs a document path", api, ref.Path)
	}
	vu.MustCheck(api, "access_firestore", "write", fsPermTarget(ref, ref.Path))
	fsClearCache(vu)
	fs := cloud.Default().Firestore
	if o.tx != "" {
		if err := fs.Delete(vu.Context(), ref, o.tx); err != nil {
			return gcRejected(vu, gcReason(err))
		}
		return gcResolved(vu, nil)
	}
	return gcAsync(vu, api, func(ctx context.Context) (any, error) {
		return nil, fs.Delete(ctx, ref, o.tx)
	}, func(err error) any { return gcReason(err) }, nil)
}

// fsFilters reads [[field, op, value], ...]; bad shapes throw.
func fsFilters(vu *sandbox.VU, api string, v goja.Value) []cloud.Filter {
	if isNullish(v) {
		return nil
	}
	list, ok := sandbox.FromJS(v).([]any)
	if !ok {
		vu.Throwf("%s: query conditions must be an array of [field, operator, value]", api)
	}
	out := make([]cloud.Filter, 0, len(list))
	for i, it := range list {
		cond, ok := it.([]any)
		if !ok || len(cond) != 3 {
			vu.Throwf("%s: condition %d must be [field, operator, value]", api, i)
		}
		field, fok := cond[0].(string)
		op, ook := cond[1].(string)
		if !fok || !ook {
			vu.Throwf("%s: condition %d: field and operator must be strings", api, i)
		}
		f := cloud.Filter{Field: field, Op: op, Value: cond[2]}
		if err := f.Validate(); err != nil {
			vu.Throwf("%s: condition %d: %v", api, i, err)
		}
		out = append(out, f)
	}
	return out
}

func fsQuery(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
	const api = "Firestore.query"
	o := parseFSOpts(c.Argument(2))
	ref := fsRef(vu, api, c.Argument(0), o)
	if ref.IsDocument() {
		vu.Throwf("%s: %q is a document path; query needs a collection path (an odd number of segments)", api, ref.Path)
	}
	filters := fsFilters(vu, api, c.Argument(1))
	vu.MustCheck(api, "access_firestore", "read", fsPermTarget(ref, ref.Path))
	limit := o.limit
	if limit <= 0 {
		limit = cloud.DefaultQueryLimit
	}
	cacheable := o.tx == "" && !o.disableCache
	fj, _ := json.Marshal(filtersKey(filters))
	key := fmt.Sprintf("query\x00%s\x00%d\x00%s", ref.String(), limit, fj)
	if cacheable {
		if v, ok := fsCache(vu)[key]; ok {
			return gcResolved(vu, v)
		}
	}
	fs := cloud.Default().Firestore
	return gcAsync(vu, api, func(ctx context.Context) (any, error) {
		docs, err := fs.Query(ctx, cloud.Query{Collection: ref, Filters: filters, Limit: limit}, o.tx)
		if err != nil {
			return nil, err
		}
		out := make([]any, len(docs))
		for i, d := range docs {
			out[i] = fsDoc(d)
		}
		return out, nil
	}, func(err error) any { return gcReason(err) }, func(v any, err error) {
		if err == nil && cacheable {
			fsCache(vu)[key] = v
		}
	})
}

func filtersKey(fs []cloud.Filter) [][3]any {
	out := make([][3]any, len(fs))
	for i, f := range fs {
		out[i] = [3]any{f.Field, f.Op, f.Value}
	}
	return out
}

// fsMaxAttempts: sGTM retries a transaction up to two times on conflict.
const fsMaxAttempts = 3

// fsRunTransaction calls fn(transactionId), waits for the promise it returns, commits, and
// resolves with the ids of the documents written; on a conflict it runs fn again.
func fsRunTransaction(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
	const api = "Firestore.runTransaction"
	rt := vu.Runtime()
	fn, ok := goja.AssertFunction(c.Argument(0))
	if !ok {
		vu.Throwf("%s: the first argument must be a function", api)
	}
	o := parseFSOpts(c.Argument(1))
	if ex := vu.Exec(); ex == nil || ex.Program == nil || !ex.Program.Perms.Has("access_firestore") {
		vu.Throw(&sandbox.PermissionError{API: api, Permission: "access_firestore"})
	}
	project := cloud.Default().ResolveProject(o.projectID)
	if project == "" {
		vu.Throwf("%s: no projectId given and no default project (GOOGLE_CLOUD_PROJECT) configured", api)
	}
	fs := cloud.Default().Firestore
	p, resolve, reject := rt.NewPromise()

	var attempt func(n int)
	// call runs on the loop: invoke fn and follow the promise it returns.
	call := func(n int, tx string) error {
		fail := func(reason goja.Value) error {
			go func() { _ = fs.Rollback(context.Background(), tx) }()
			return reject(reason)
		}
		ret, err := fn(goja.Undefined(), rt.ToValue(tx))
		if err != nil {
			var ex *goja.Exception
			if errors.As(err, &ex) {
				return fail(ex.Value())
			}
			return err // interrupted: let RunTask record it
		}
		commit := func() {
			enqueue := vu.Register()
			ctx, cancel := context.WithTimeout(vu.Context(), vu.Limits().HTTPTimeout)
			go func() {
				defer cancel()
				ids, err := fs.Commit(ctx, tx)
				enqueue(func() {
					vu.RunTask(func() error {
						switch {
						case err == nil:
							return resolve(vu.ToJS(gcAnyList(ids)))
						case errors.Is(err, cloud.ErrConflict) && n < fsMaxAttempts:
							attempt(n + 1)
							return nil
						}
						return reject(vu.ToJS(gcReason(err)))
					})
				})
			}()
		}
		if obj, ok := ret.(*goja.Object); ok {
			if then, ok := goja.AssertFunction(obj.Get("then")); ok {
				_, err := then(obj,
					rt.ToValue(func(goja.FunctionCall) goja.Value { commit(); return goja.Undefined() }),
					rt.ToValue(func(fc goja.FunctionCall) goja.Value { _ = fail(fc.Argument(0)); return goja.Undefined() }))
				return err
			}
		}
		commit()
		return nil
	}
	attempt = func(n int) {
		if !gcOutbound(vu, api) {
			enqueue := vu.Register()
			enqueue(func() { vu.RunTask(func() error { return reject(vu.ToJS(gcReason(errOutboundLimit))) }) })
			return
		}
		enqueue := vu.Register()
		ctx, cancel := context.WithTimeout(vu.Context(), vu.Limits().HTTPTimeout)
		go func() {
			defer cancel()
			tx, err := fs.Begin(ctx, project, o.databaseID)
			enqueue(func() {
				vu.RunTask(func() error {
					if err != nil {
						return reject(vu.ToJS(gcReason(err)))
					}
					return call(n, tx)
				})
			})
		}()
	}
	attempt(1)
	return rt.ToValue(p)
}
