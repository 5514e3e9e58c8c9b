package cloud

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// firestoreContract runs the behaviour every Firestore backend must share.
func firestoreContract(t *testing.T, open func(t *testing.T) Firestore) {
	ctx := context.Background()
	ref := func(p string) Ref { return Ref{Project: "p1", Path: p} }

	t.Run("set get overwrite merge delete", func(t *testing.T) {
		fs := open(t)
		if _, err := fs.Get(ctx, ref("users/alice"), ""); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Get missing: err = %v, want ErrNotFound", err)
		}
		must(t, fs.Set(ctx, ref("users/alice"), map[string]any{"name": "Alice", "n": int64(1), "addr": map[string]any{"city": "Oslo", "zip": "0150"}}, false, ""))
		d, err := fs.Get(ctx, ref("users/alice"), "")
		must(t, err)
		want := &Doc{ID: "alice", Path: "users/alice", Data: map[string]any{"name": "Alice", "n": float64(1), "addr": map[string]any{"city": "Oslo", "zip": "0150"}}}
		if diff := cmp.Diff(want, normDoc(d)); diff != "" {
			t.Fatalf("Get after Set (-want +got):\n%s", diff)
		}
		// merge: nested maps merge, other fields stay.
		must(t, fs.Set(ctx, ref("users/alice"), map[string]any{"addr": map[string]any{"city": "Bergen"}, "tags": []any{"a"}}, true, ""))
		d, err = fs.Get(ctx, ref("users/alice"), "")
		must(t, err)
		wantData := map[string]any{"name": "Alice", "n": float64(1), "addr": map[string]any{"city": "Bergen", "zip": "0150"}, "tags": []any{"a"}}
		if diff := cmp.Diff(wantData, normDoc(d).Data); diff != "" {
			t.Fatalf("after merge (-want +got):\n%s", diff)
		}
		// overwrite: old fields go.
		must(t, fs.Set(ctx, ref("users/alice"), map[string]any{"only": true}, false, ""))
		d, err = fs.Get(ctx, ref("users/alice"), "")
		must(t, err)
		if diff := cmp.Diff(map[string]any{"only": true}, d.Data); diff != "" {
			t.Fatalf("after overwrite (-want +got):\n%s", diff)
		}
		// merge into a missing document creates it.
		must(t, fs.Set(ctx, ref("users/bob"), map[string]any{"x": "y"}, true, ""))
		if _, err := fs.Get(ctx, ref("users/bob"), ""); err != nil {
			t.Fatalf("merge did not create: %v", err)
		}
		must(t, fs.Delete(ctx, ref("users/alice"), ""))
		if _, err := fs.Get(ctx, ref("users/alice"), ""); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Get after Delete: err = %v, want ErrNotFound", err)
		}
		must(t, fs.Delete(ctx, ref("users/alice"), "")) // deleting a missing doc is fine
		// projects are separate.
		if _, err := fs.Get(ctx, Ref{Project: "p2", Path: "users/bob"}, ""); !errors.Is(err, ErrNotFound) {
			t.Fatalf("other project sees the document: %v", err)
		}
	})

	t.Run("query", func(t *testing.T) {
		fs := open(t)
		docs := map[string]map[string]any{
			"a": {"age": int64(30), "city": "Oslo", "tags": []any{"x", "y"}, "vip": true, "nested": map[string]any{"level": int64(2)}},
			"b": {"age": 25.5, "city": "Bergen", "tags": []any{"y"}},
			"c": {"age": "thirty", "city": "Oslo"},
			"d": {"age": int64(40), "city": nil},
			"e": {"age": int64(18), "city": "Oslo"},
			"f": {"age": int64(50), "city": "Oslo"},
			"g": {"age": int64(60), "city": "Oslo"},
		}
		for id, data := range docs {
			must(t, fs.Set(ctx, ref("people/"+id), data, false, ""))
		}
		must(t, fs.Set(ctx, ref("people/a/pets/rex"), map[string]any{"city": "Oslo"}, false, ""))
		must(t, fs.Set(ctx, ref("other/z"), map[string]any{"city": "Oslo"}, false, ""))

		tests := []struct {
			name    string
			filters []Filter
			limit   int
			want    []string
		}{
			{"no filter default limit 5", nil, 0, []string{"a", "b", "c", "d", "e"}},
			{"limit", nil, 2, []string{"a", "b"}},
			{"==", []Filter{{"city", "==", "Oslo"}}, 10, []string{"a", "c", "e", "f", "g"}},
			{"== number int/float", []Filter{{"age", "==", 30.0}}, 10, []string{"a"}},
			{"== null", []Filter{{"city", "==", nil}}, 10, []string{"d"}},
			{"!= skips missing", []Filter{{"vip", "!=", false}}, 10, []string{"a"}},
			{"> numbers only", []Filter{{"age", ">", int64(29)}}, 10, []string{"a", "d", "f", "g"}},
			{"<= mixed", []Filter{{"age", "<=", 25.5}}, 10, []string{"b", "e"}},
			{"string range", []Filter{{"age", ">=", "t"}}, 10, []string{"c"}},
			{"array-contains", []Filter{{"tags", "array-contains", "y"}}, 10, []string{"a", "b"}},
			{"array-contains-any", []Filter{{"tags", "array-contains-any", []any{"x", "q"}}}, 10, []string{"a"}},
			{"in", []Filter{{"city", "in", []any{"Bergen", "Paris"}}}, 10, []string{"b"}},
			{"not-in", []Filter{{"city", "not-in", []any{"Oslo"}}}, 10, []string{"b", "d"}},
			{"nested field", []Filter{{"nested.level", "==", int64(2)}}, 10, []string{"a"}},
			{"and", []Filter{{"city", "==", "Oslo"}, {"age", ">=", int64(50)}}, 10, []string{"f", "g"}},
			{"nothing", []Filter{{"city", "==", "Rome"}}, 10, nil},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				got, err := fs.Query(ctx, Query{Collection: ref("people"), Filters: tc.filters, Limit: tc.limit}, "")
				must(t, err)
				var ids []string
				for _, d := range got {
					ids = append(ids, d.ID)
					if d.Path != "people/"+d.ID {
						t.Errorf("doc %s has path %q", d.ID, d.Path)
					}
				}
				if diff := cmp.Diff(tc.want, ids); diff != "" {
					t.Fatalf("ids (-want +got):\n%s", diff)
				}
			})
		}
		got, err := fs.Query(ctx, Query{Collection: ref("people/a/pets"), Limit: 10}, "")
		must(t, err)
		if len(got) != 1 || got[0].ID != "rex" || got[0].Path != "people/a/pets/rex" {
			t.Fatalf("subcollection query = %+v", got)
		}
		if _, err := fs.Query(ctx, Query{Collection: ref("people/a")}, ""); !errors.Is(err, ErrBadQuery) {
			t.Fatalf("query on a document path: err = %v, want ErrBadQuery", err)
		}
		if _, err := fs.Query(ctx, Query{Collection: ref("people"), Filters: []Filter{{"a", "~=", 1}}}, ""); !errors.Is(err, ErrBadQuery) {
			t.Fatalf("unknown operator: err = %v, want ErrBadQuery", err)
		}
	})

	t.Run("transactions", func(t *testing.T) {
		fs := open(t)
		must(t, fs.Set(ctx, ref("c/doc"), map[string]any{"n": int64(1)}, false, ""))

		tx, err := fs.Begin(ctx, "p1", "")
		must(t, err)
		d, err := fs.Get(ctx, ref("c/doc"), tx)
		must(t, err)
		n, _ := toNumber(d.Data["n"])
		must(t, fs.Set(ctx, ref("c/doc"), map[string]any{"n": n + 1}, false, tx))
		must(t, fs.Set(ctx, ref("c/new"), map[string]any{"k": "v"}, true, tx))
		must(t, fs.Delete(ctx, ref("c/gone"), tx))
		// Buffered: not visible before commit.
		if d, _ := fs.Get(ctx, ref("c/doc"), ""); d.Data["n"] != float64(1) && d.Data["n"] != int64(1) {
			t.Fatalf("write visible before commit: %v", d.Data)
		}
		ids, err := fs.Commit(ctx, tx)
		must(t, err)
		if diff := cmp.Diff([]string{"doc", "new", "gone"}, ids); diff != "" {
			t.Fatalf("commit ids (-want +got):\n%s", diff)
		}
		d, err = fs.Get(ctx, ref("c/doc"), "")
		must(t, err)
		if got, _ := toNumber(d.Data["n"]); got != 2 {
			t.Fatalf("n = %v after commit, want 2", d.Data["n"])
		}
		if _, err := fs.Commit(ctx, tx); !errors.Is(err, ErrNoTransaction) {
			t.Fatalf("second commit: err = %v, want ErrNoTransaction", err)
		}

		// Conflict: a document read by the transaction changes before commit.
		tx2, err := fs.Begin(ctx, "p1", "")
		must(t, err)
		_, err = fs.Get(ctx, ref("c/doc"), tx2)
		must(t, err)
		must(t, fs.Set(ctx, ref("c/doc"), map[string]any{"n": int64(99)}, false, ""))
		must(t, fs.Set(ctx, ref("c/doc"), map[string]any{"n": int64(3)}, false, tx2))
		if _, err := fs.Commit(ctx, tx2); !errors.Is(err, ErrConflict) {
			t.Fatalf("conflicting commit: err = %v, want ErrConflict", err)
		}
		d, _ = fs.Get(ctx, ref("c/doc"), "")
		if got, _ := toNumber(d.Data["n"]); got != 99 {
			t.Fatalf("conflicting commit wrote: n = %v", d.Data["n"])
		}

		// A read of a missing document that is then created also conflicts.
		tx3, err := fs.Begin(ctx, "p1", "")
		must(t, err)
		if _, err := fs.Get(ctx, ref("c/later"), tx3); !errors.Is(err, ErrNotFound) {
			t.Fatalf("tx read of missing doc: %v", err)
		}
		must(t, fs.Set(ctx, ref("c/later"), map[string]any{}, false, ""))
		must(t, fs.Set(ctx, ref("c/x"), map[string]any{}, false, tx3))
		if _, err := fs.Commit(ctx, tx3); !errors.Is(err, ErrConflict) {
			t.Fatalf("phantom create: err = %v, want ErrConflict", err)
		}

		// Rollback and unknown transactions.
		tx4, err := fs.Begin(ctx, "p1", "")
		must(t, err)
		must(t, fs.Set(ctx, ref("c/rolled"), map[string]any{"a": "b"}, false, tx4))
		must(t, fs.Rollback(ctx, tx4))
		if _, err := fs.Get(ctx, ref("c/rolled"), ""); !errors.Is(err, ErrNotFound) {
			t.Fatalf("rolled-back write visible: %v", err)
		}
		if _, err := fs.Get(ctx, ref("c/doc"), "nope"); !errors.Is(err, ErrNoTransaction) {
			t.Fatalf("unknown tx: err = %v, want ErrNoTransaction", err)
		}
		tx5, err := fs.Begin(ctx, "p1", "")
		must(t, err)
		if _, err := fs.Get(ctx, Ref{Project: "p2", Path: "c/doc"}, tx5); err == nil {
			t.Fatal("transaction used for another project")
		}
	})

	t.Run("bad input", func(t *testing.T) {
		fs := open(t)
		for _, r := range []Ref{{Project: "p1", Path: "/a/b"}, {Project: "", Path: "a/b"}, {Project: "p/1", Path: "a/b"}, {Project: "p1", Path: "a//b"}} {
			if err := fs.Set(ctx, r, map[string]any{}, false, ""); err == nil {
				t.Errorf("Set(%+v) accepted", r)
			}
		}
	})
}

// normDoc makes numbers comparable across backends: JSON-backed stores return float64,
// REST returns int64 for integers.
func normDoc(d *Doc) *Doc {
	if d == nil {
		return nil
	}
	return &Doc{ID: d.ID, Path: d.Path, Data: normNumbers(d.Data).(map[string]any)}
}

func normNumbers(v any) any {
	switch t := v.(type) {
	case int64:
		return float64(t)
	case map[string]any:
		out := map[string]any{}
		for k, x := range t {
			out[k] = normNumbers(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = normNumbers(x)
		}
		return out
	}
	return v
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestMemoryFirestore(t *testing.T) {
	firestoreContract(t, func(t *testing.T) Firestore { return NewMemoryFirestore() })
}

func TestBoltFirestore(t *testing.T) {
	firestoreContract(t, func(t *testing.T) Firestore {
		fs, err := OpenLocalFirestore(filepath.Join(t.TempDir(), "fs.db"))
		must(t, err)
		t.Cleanup(func() { _ = fs.Close() })
		return fs
	})
}

func TestBoltFirestorePersists(t *testing.T) {
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "fs.db")
	fs, err := OpenLocalFirestore(p)
	must(t, err)
	must(t, fs.Set(ctx, Ref{Project: "p", Path: "a/b"}, map[string]any{"k": "v"}, false, ""))
	must(t, fs.Close())
	fs, err = OpenLocalFirestore(p)
	must(t, err)
	defer fs.Close()
	d, err := fs.Get(ctx, Ref{Project: "p", Path: "a/b"}, "")
	must(t, err)
	if d.Data["k"] != "v" {
		t.Fatalf("reopened data = %v", d.Data)
	}
}

func TestLocalFirestoreLimits(t *testing.T) {
	ctx := context.Background()
	fs := NewMemoryFirestore()
	big := make([]byte, maxDocBytes)
	for i := range big {
		big[i] = 'x'
	}
	if err := fs.Set(ctx, Ref{Project: "p", Path: "a/b"}, map[string]any{"big": string(big)}, false, ""); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("oversized doc: err = %v, want ErrTooLarge", err)
	}
	fs.MaxOpenTx = 1
	if _, err := fs.Begin(ctx, "p", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := fs.Begin(ctx, "p", ""); err == nil {
		t.Fatal("MaxOpenTx not enforced")
	}
}

func TestFilterValidate(t *testing.T) {
	tests := []struct {
		f  Filter
		ok bool
	}{
		{Filter{"a", "==", 1}, true},
		{Filter{"", "==", 1}, false},
		{Filter{"a", "like", 1}, false},
		{Filter{"a", "in", "x"}, false},
		{Filter{"a", "in", []any{}}, false},
		{Filter{"a", "not-in", []any{1}}, true},
		{Filter{"a", "array-contains-any", make([]any, 31)}, false},
	}
	for _, tc := range tests {
		if err := tc.f.Validate(); (err == nil) != tc.ok {
			t.Errorf("Validate(%+v) = %v, want ok=%v", tc.f, err, tc.ok)
		}
	}
}

func TestMergeAndLeafPaths(t *testing.T) {
	dst := map[string]any{"a": map[string]any{"x": 1, "y": 2}, "b": []any{1}, "c": "keep"}
	src := map[string]any{"a": map[string]any{"y": 3, "z": map[string]any{}}, "b": []any{2}}
	got := mergeData(dst, src)
	want := map[string]any{"a": map[string]any{"x": 1, "y": 3, "z": map[string]any{}}, "b": []any{2}, "c": "keep"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("merge (-want +got):\n%s", diff)
	}
	if dst["a"].(map[string]any)["y"] != 2 {
		t.Fatal("merge changed its input")
	}
	var leaves [][]string
	leafPaths(src, nil, &leaves)
	if diff := cmp.Diff([][]string{{"a", "y"}, {"a", "z"}, {"b"}}, leaves); diff != "" {
		t.Fatalf("leaf paths (-want +got):\n%s", diff)
	}
}
