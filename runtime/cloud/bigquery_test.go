package cloud

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var tbl = Table{Project: "p1", Dataset: "ds", Table: "events"}

func TestJSONLBigQuery(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	bq := NewJSONLBigQuery(dir, true)
	must(t, bq.Insert(ctx, tbl, []any{map[string]any{"a": 1.0, "b": "x"}, map[string]any{"nested": map[string]any{"c": []any{true}}}}, InsertOptions{}))
	must(t, bq.Insert(ctx, tbl, []any{map[string]any{"a": 2.0}}, InsertOptions{}))
	p := filepath.Join(dir, "bigquery", "p1", "ds", "events.jsonl")
	if bq.Path(tbl) != p {
		t.Fatalf("Path = %s, want %s", bq.Path(tbl), p)
	}
	b, err := os.ReadFile(p)
	must(t, err)
	want := "{\"a\":1,\"b\":\"x\"}\n{\"nested\":{\"c\":[true]}}\n{\"a\":2}\n"
	if string(b) != want {
		t.Fatalf("file = %q, want %q", b, want)
	}
}

func TestJSONLBigQueryConcurrentLines(t *testing.T) {
	ctx := context.Background()
	bq := NewJSONLBigQuery(t.TempDir(), false)
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			rows := make([]any, 50)
			for j := range rows {
				rows[j] = map[string]any{"writer": float64(i), "pad": strings.Repeat("x", 500)}
			}
			if err := bq.Insert(ctx, tbl, rows, InsertOptions{}); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	b, err := os.ReadFile(bq.Path(tbl))
	must(t, err)
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) != 1000 {
		t.Fatalf("%d lines, want 1000", len(lines))
	}
	for i, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %d is not a JSON object: %v", i+1, err)
		}
	}
}

func TestBigQueryInvalidRows(t *testing.T) {
	ctx := context.Background()
	rows := []any{map[string]any{"ok": 1.0}, "not a row", map[string]any{"ok": 2.0}, nil}
	tests := []struct {
		name     string
		opts     InsertOptions
		inserted []map[string]any
		reasons  map[int]string
	}{
		{"all or nothing", InsertOptions{}, nil, map[int]string{1: "invalid", 3: "invalid", 0: "stopped", 2: "stopped"}},
		{"skip invalid", InsertOptions{SkipInvalidRows: true}, []map[string]any{{"ok": 1.0}, {"ok": 2.0}}, map[int]string{1: "invalid", 3: "invalid"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMemoryBigQuery()
			err := m.Insert(ctx, tbl, rows, tc.opts)
			var ie *InsertError
			if !errors.As(err, &ie) {
				t.Fatalf("err = %v, want *InsertError", err)
			}
			got := map[int]string{}
			for _, r := range ie.Rows {
				got[r.Index] = r.Reason
			}
			if diff := cmp.Diff(tc.reasons, got); diff != "" {
				t.Fatalf("row reasons (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.inserted, m.Rows(tbl)); diff != "" {
				t.Fatalf("inserted (-want +got):\n%s", diff)
			}
			if !strings.Contains(err.Error(), "row 1: invalid: row is a string, not an object") {
				t.Fatalf("error text %q", err)
			}
		})
	}
}

func TestBigQueryBadRequests(t *testing.T) {
	ctx := context.Background()
	m := NewMemoryBigQuery()
	bad := []struct {
		name string
		t    Table
		rows []any
	}{
		{"no rows", tbl, nil},
		{"path traversal", Table{Project: "..", Dataset: "d", Table: "t"}, []any{map[string]any{}}},
		{"slash", Table{Project: "p", Dataset: "a/b", Table: "t"}, []any{map[string]any{}}},
		{"empty table", Table{Project: "p", Dataset: "d"}, []any{map[string]any{}}},
		{"too many", tbl, make([]any, MaxInsertRows+1)},
		{"too big", tbl, []any{map[string]any{"x": strings.Repeat("y", MaxInsertBytes)}}},
	}
	for _, tc := range bad {
		err := m.Insert(ctx, tc.t, tc.rows, InsertOptions{})
		var ie *InsertError
		if err == nil || errors.As(err, &ie) {
			t.Errorf("%s: err = %v, want a request error", tc.name, err)
		}
	}
	// Memory keeps its own copy.
	row := map[string]any{"k": "v"}
	must(t, m.Insert(ctx, tbl, []any{row}, InsertOptions{}))
	row["k"] = "changed"
	if m.Rows(tbl)[0]["k"] != "v" {
		t.Fatal("stored row aliases the caller's map")
	}
}

func TestRESTBigQuery(t *testing.T) {
	ctx := context.Background()
	var gotBody []byte
	var gotPath, gotAuth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPath, gotAuth = r.URL.EscapedPath(), r.Header.Get("Authorization")
		gotBody, _ = io.ReadAll(r.Body)
		_, _ = w.Write([]byte(`{"kind":"bigquery#tableDataInsertAllResponse","insertErrors":[{"index":1,"errors":[{"reason":"invalid","location":"n","message":"no such field: n."}]}]}`))
	}))
	defer srv.Close()
	bq := NewRESTBigQuery(srv.URL+"/bigquery/v2/", srv.Client(), StaticToken("bqtok"))
	rows := []any{map[string]any{"a": "x"}, "skip me", map[string]any{"n": 1.0}}
	err := bq.Insert(ctx, Table{Project: "my-proj", Dataset: "ds", Table: "t 1"}, rows, InsertOptions{SkipInvalidRows: true, IgnoreUnknownValues: true})
	if gotPath != "/bigquery/v2/projects/my-proj/datasets/ds/tables/t%201/insertAll" || gotAuth != "Bearer bqtok" {
		t.Fatalf("path %q auth %q", gotPath, gotAuth)
	}
	golden(t, "bigquery_insertall.json", gotBody)
	var ie *InsertError
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v, want *InsertError", err)
	}
	want := []RowError{
		{Index: 1, Reason: "invalid", Message: "row is a string, not an object"},
		{Index: 2, Reason: "invalid", Message: "no such field: n.", Row: map[string]any{"n": 1.0}},
	}
	if diff := cmp.Diff(want, ie.Rows); diff != "" {
		t.Fatalf("row errors (-want +got):\n%s", diff)
	}

	srv2 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(404)
		_, _ = w.Write([]byte(`{"error":{"code":404,"message":"Not found: Table my-proj:ds.t","errors":[{"reason":"notFound"}]}}`))
	}))
	defer srv2.Close()
	err = NewRESTBigQuery(srv2.URL, srv2.Client(), nil).Insert(ctx, tbl, []any{map[string]any{}}, InsertOptions{})
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != "notFound" || !strings.Contains(err.Error(), "Not found: Table") {
		t.Fatalf("err = %v, want a notFound APIError", err)
	}
}
