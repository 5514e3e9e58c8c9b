package api

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tagd-dev/tagd/runtime/cloud"
)

func TestFirestoreAPI(t *testing.T) {
	const pre = "const Firestore = require('Firestore');\n"
	tests := []struct {
		name string
		code string
		want any
	}{
		{"write then read", `return Firestore.write('users/alice', {name: 'Alice', n: 2, tags: ['a']}).then(id =>
			Firestore.read('users/alice').then(doc => [id, doc]));`,
			[]any{"alice", map[string]any{"id": "alice", "data": map[string]any{"name": "Alice", "n": int64(2), "tags": []any{"a"}}}}},
		{"write to a collection makes an id", `return Firestore.write('events', {k: 1}).then(id =>
			Firestore.read('events/' + id).then(doc => [id.length, doc.id === id, doc.data.k]));`,
			[]any{int64(20), true, int64(1)}},
		{"merge", `return Firestore.write('c/d', {a: {x: 1, y: 2}, keep: true})
			.then(() => Firestore.write('c/d', {a: {y: 3}}, {merge: true}))
			.then(() => Firestore.read('c/d', {disableCache: true})).then(d => d.data);`,
			map[string]any{"a": map[string]any{"x": int64(1), "y": int64(3)}, "keep": true}},
		{"overwrite is the default", `return Firestore.write('c/d', {a: 1})
			.then(() => Firestore.write('c/d', {b: 2}))
			.then(() => Firestore.read('c/d')).then(d => d.data);`,
			map[string]any{"b": int64(2)}},
		{"missing document rejects", `return Firestore.read('users/nobody').then(() => 'resolved', e => e.reason);`, "not_found"},
		{"delete", `return Firestore.write('c/gone', {a: 1})
			.then(() => Firestore.delete('c/gone'))
			.then(() => Firestore.read('c/gone')).then(() => 'still there', e => e.reason);`, "not_found"},
		{"query", `return Promise.all([1, 2, 3, 4, 5, 6, 7].map(i => Firestore.write('people/p' + i, {age: i * 10, city: i % 2 ? 'Oslo' : 'Bergen'})))
			.then(() => Promise.all([
				Firestore.query('people', [['city', '==', 'Oslo'], ['age', '>', 20]]),
				Firestore.query('people', []),
				Firestore.query('people', [['age', '>=', 0]], {limit: 2}),
				Firestore.query('people', [['city', 'in', ['Rome']]]),
			])).then(rs => [rs[0].map(d => d.id), rs[1].length, rs[2].map(d => d.data.age), rs[3]]);`,
			[]any{[]any{"p3", "p5", "p7"}, int64(5), []any{int64(10), int64(20)}, []any{}}},
		{"explicit project and database", `return Firestore.write('a/b', {v: 'other'}, {projectId: 'elsewhere', databaseId: 'db2'})
			.then(() => Promise.all([
				Firestore.read('a/b', {projectId: 'elsewhere', databaseId: 'db2'}).then(d => d.data.v),
				Firestore.read('a/b').then(() => 'default project has it', e => e.reason),
			]));`, []any{"other", "not_found"}},
		{"transaction", `return Firestore.write('counters/c', {n: 1}).then(() =>
			Firestore.runTransaction(tx => Firestore.read('counters/c', {transaction: tx}).then(d =>
				Promise.all([
					Firestore.write('counters/c', {n: d.data.n + 1}, {transaction: tx}),
					Firestore.write('counters/log', {saw: d.data.n}, {transaction: tx}),
				])))).then(ids => Firestore.read('counters/c', {disableCache: true}).then(d => [ids, d.data.n]));`,
			[]any{[]any{"c", "log"}, int64(2)}},
		{"transaction callback rejects", `return Firestore.runTransaction(tx =>
			Firestore.write('t/x', {a: 1}, {transaction: tx}).then(() => Promise.reject({reason: 'mine'})))
			.then(() => 'committed', e => Firestore.read('t/x').then(() => 'written', () => e.reason));`, "mine"},
		{"transaction callback throws", `return Firestore.runTransaction(tx => { throw 'boom'; }).then(() => 'ok', e => e);`, "boom"},
		{"transaction with a plain return value", `return Firestore.runTransaction(tx => {
			Firestore.write('plain/doc', {a: 1}, {transaction: tx}); return 5; })
			.then(ids => Firestore.read('plain/doc').then(d => [ids, d.data.a]));`, []any{[]any{"doc"}, int64(1)}},
		{"unknown transaction rejects", `return Firestore.read('a/b', {transaction: 'nope'}).then(() => 'ok', e => e.reason);`, "failed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clBackends(t, "proj")
			got := clValue(t, nil, pre+"const Promise = require('Promise');\n"+tc.code, clFirestoreAll)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Fatalf("value (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFirestoreCacheAndRetries(t *testing.T) {
	b := clBackends(t, "proj")
	cf := &clCountingFS{Firestore: b.Firestore}
	b.Firestore = cf
	ctx := context.Background()
	if err := cf.Firestore.Set(ctx, cloud.Ref{Project: "proj", Path: "c/d"}, map[string]any{"n": 1.0}, false, ""); err != nil {
		t.Fatal(err)
	}
	got := clValue(t, nil, `const F = require('Firestore');
		return F.read('c/d').then(() => F.read('c/d')).then(() => F.query('c', [])).then(() => F.query('c', []))
			.then(() => F.read('c/d', {disableCache: true}))
			.then(() => F.write('c/e', {n: 2})).then(() => F.read('c/d')).then(d => d.data.n);`, clFirestoreAll)
	gets, queries, _, _ := cf.counts()
	if got != int64(1) || gets != 3 || queries != 1 {
		t.Fatalf("value %v, %d gets (want 3: cached, disableCache, after write), %d queries (want 1)", got, gets, queries)
	}

	// Two conflicts, then success: the callback runs three times.
	cf.conflicts = 2
	got = clValue(t, nil, `const F = require('Firestore'); let runs = 0;
		return F.runTransaction(tx => { runs++; return F.write('c/t', {runs: runs}, {transaction: tx}); })
			.then(ids => [ids, runs]);`, clFirestoreAll)
	if diff := cmp.Diff([]any{[]any{"t"}, int64(3)}, got); diff != "" {
		t.Fatalf("retried transaction (-want +got):\n%s", diff)
	}
	// Three conflicts: sGTM gives up after two retries.
	cf.conflicts = 3
	got = clValue(t, nil, `const F = require('Firestore'); let runs = 0;
		return F.runTransaction(tx => { runs++; return F.write('c/t', {}, {transaction: tx}); })
			.then(() => 'ok', e => [e.reason, runs]);`, clFirestoreAll)
	if diff := cmp.Diff([]any{"aborted", int64(3)}, got); diff != "" {
		t.Fatalf("exhausted retries (-want +got):\n%s", diff)
	}
	// A rejected callback rolls the transaction back.
	_, _, _, before := cf.counts()
	clValue(t, nil, `return require('Firestore').runTransaction(tx => require('Promise').reject('no')).catch(e => e);`, clFirestoreAll)
	for {
		if _, _, _, after := cf.counts(); after > before {
			break
		}
		time.Sleep(time.Millisecond) // the rollback is fire-and-forget; the test timeout bounds this wait
	}
}

func TestFirestoreBadCalls(t *testing.T) {
	clBackends(t, "proj")
	tests := []struct {
		code string
		frag string
	}{
		{`require('Firestore').read('/users/a')`, "must not start or end with '/'"},
		{`require('Firestore').read('users/a/')`, "must not start or end with '/'"},
		{`require('Firestore').read('users')`, "read needs a document path"},
		{`require('Firestore').read(42)`, "path must be a string"},
		{`require('Firestore').write('users/a', 'text')`, "input must be an object"},
		{`require('Firestore').query('users/a', [])`, "query needs a collection path"},
		{`require('Firestore').query('users', [['a', 'like', 1]])`, `unknown operator "like"`},
		{`require('Firestore').query('users', [['a', '==']])`, "must be [field, operator, value]"},
		{`require('Firestore').query('users', 'a == 1')`, "must be an array"},
		{`require('Firestore').delete('users')`, "delete needs a document path"},
		{`require('Firestore').runTransaction('x')`, "must be a function"},
	}
	for _, tc := range tests {
		clErr(t, nil, tc.code, []string{tc.frag}, clFirestoreAll)
	}
	// No default project: a call without projectId cannot be resolved.
	b := clBackends(t, "")
	b.Project = ""
	clErr(t, nil, `require('Firestore').read('a/b')`, []string{"no projectId given"}, clFirestoreAll)
}

func TestFirestorePermissionDenied(t *testing.T) {
	clBackends(t, "proj")
	readUsers := clPerm("access_firestore", map[string]any{"allowedOptions": []any{
		map[string]any{"projectId": "GOOGLE_CLOUD_PROJECT", "path": "users/*", "operation": "read"},
	}})
	clErr(t, nil, `require('Firestore').read('users/a')`, []string{`Permission denied: Firestore.read requires permission "access_firestore"`})
	clErr(t, nil, `require('Firestore').write('users/a', {})`, []string{"Firestore.write", `write of "users/a" in project "proj"`}, readUsers)
	clErr(t, nil, `require('Firestore').read('orders/a')`, []string{`read of "orders/a"`}, readUsers)
	clErr(t, nil, `require('Firestore').read('users/a', {projectId: 'other'})`, []string{`in project "other"`}, readUsers)
	clErr(t, nil, `require('Firestore').runTransaction(() => 1)`, []string{`Firestore.runTransaction requires permission "access_firestore"`})
	// Allowed: the document is missing, so the read rejects (a permission error would throw).
	if got := clValue(t, nil, `return require('Firestore').read('users/a').catch(e => e.reason);`, readUsers); got != "not_found" {
		t.Fatalf("allowed read: %v", got)
	}
}

func TestAccessFirestoreChecker(t *testing.T) {
	clBackends(t, "default-proj")
	entries := []any{
		map[string]any{"projectId": "GOOGLE_CLOUD_PROJECT", "path": "users/*", "operation": "read"},
		map[string]any{"projectId": "shop-*", "path": "orders", "operation": "write"},
		map[string]any{"projectId": "p3", "path": "*", "operation": "read_write", "databaseId": "analytics"},
	}
	check, err := newAccessFirestore(map[string]any{"allowedOptions": entries})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		op     string
		target map[string]any
		ok     bool
	}{
		{"read", map[string]any{"path": "users/alice"}, true},
		{"read", map[string]any{"path": "users/alice/orders/1"}, true},
		{"read", map[string]any{"path": "users"}, false},
		{"write", map[string]any{"path": "users/alice"}, false},
		{"read", map[string]any{"projectId": "default-proj", "path": "users/a"}, true},
		{"read", map[string]any{"projectId": "GOOGLE_CLOUD_PROJECT", "path": "users/a"}, false},
		{"read", map[string]any{"projectId": "other", "path": "users/a"}, false},
		{"write", map[string]any{"projectId": "shop-eu", "path": "orders"}, true},
		{"write", map[string]any{"projectId": "shop-eu", "path": "orders/1"}, false},
		{"read", map[string]any{"projectId": "shop-eu", "path": "orders"}, false},
		{"write", map[string]any{"projectId": "p3", "path": "x/y", "databaseId": "analytics"}, true},
		{"write", map[string]any{"projectId": "p3", "path": "x/y"}, false},
		{"read", map[string]any{"path": "users/a", "databaseId": "other"}, false},
		{"read", nil, false},
	}
	for _, tc := range tests {
		if err := check(tc.op, tc.target); (err == nil) != tc.ok {
			t.Errorf("check(%s, %v) = %v, want ok=%v", tc.op, tc.target, err, tc.ok)
		}
	}
	if err := check(); err == nil {
		t.Error("no arguments allowed")
	}
	if _, err := newAccessFirestore(map[string]any{"allowedOptions": []any{map[string]any{"path": "*", "operation": "delete"}}}); err == nil || !strings.Contains(err.Error(), `operation "delete"`) {
		t.Errorf("bad operation: %v", err)
	}
	if _, err := newAccessFirestore(map[string]any{"allowedOptions": []any{"x"}}); err == nil {
		t.Error("non-map entry accepted")
	}
}

func TestGcGlob(t *testing.T) {
	tests := []struct {
		pat, s string
		ok     bool
	}{
		{"*", "", true}, {"*", "a/b/c", true}, {"users/*", "users/a", true}, {"users/*", "users", false},
		{"users/*/orders", "users/a/orders", true}, {"users/*/orders", "users/a/b/orders", true},
		{"a*b*c", "axxbyyc", true}, {"a*b*c", "axxbyy", false}, {"abc", "abc", true}, {"abc", "abcd", false},
		{"", "", true}, {"", "x", false}, {"**", "x", true},
	}
	for _, tc := range tests {
		if got := gcGlob(tc.pat, tc.s); got != tc.ok {
			t.Errorf("gcGlob(%q, %q) = %v", tc.pat, tc.s, got)
		}
	}
}

// FuzzGcGlob compares the matcher with a straightforward recursive definition.
func FuzzGcGlob(f *testing.F) {
	f.Add("users/*", "users/alice")
	f.Add("a*b*c", "aXbYc")
	f.Add("*x*", "yyy")
	f.Fuzz(func(t *testing.T, pat, s string) {
		if len(pat) > 12 || len(s) > 24 {
			return
		}
		var ref func(p, s string) bool
		ref = func(p, s string) bool {
			if p == "" {
				return s == ""
			}
			if p[0] == '*' {
				return ref(p[1:], s) || (s != "" && ref(p, s[1:]))
			}
			return s != "" && p[0] == s[0] && ref(p[1:], s[1:])
		}
		if got, want := gcGlob(pat, s), ref(pat, s); got != want {
			t.Fatalf("gcGlob(%q, %q) = %v, want %v", pat, s, got, want)
		}
	})
}
