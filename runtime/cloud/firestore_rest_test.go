package cloud

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
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

var update = flag.Bool("update", false, "rewrite golden files")

// fakeFirestore is a Firestore v1 REST server backed by a LocalFirestore, enough for the
// REST client's calls. It records request bodies by endpoint.
type fakeFirestore struct {
	t     *testing.T
	local *LocalFirestore
	token string

	mu     sync.Mutex
	bodies map[string][]json.RawMessage
}

func newFakeFirestore(t *testing.T, token string) (*fakeFirestore, *httptest.Server) {
	f := &fakeFirestore{t: t, local: NewMemoryFirestore(), token: token, bodies: map[string][]json.RawMessage{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeFirestore) fail(w http.ResponseWriter, code int, status, msg string) {
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": code, "status": status, "message": msg}})
}

func (f *fakeFirestore) failErr(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, ErrNotFound):
		f.fail(w, 404, "NOT_FOUND", err.Error())
	case errors.Is(err, ErrConflict):
		f.fail(w, 409, "ABORTED", err.Error())
	default:
		f.fail(w, 400, "INVALID_ARGUMENT", err.Error())
	}
}

func (f *fakeFirestore) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.token != "" && r.Header.Get("Authorization") != "Bearer "+f.token {
		f.fail(w, 401, "UNAUTHENTICATED", "bad token")
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/v1/projects/")
	if !ok {
		f.fail(w, 404, "NOT_FOUND", "no such endpoint")
		return
	}
	parts := strings.SplitN(rest, "/", 4) // project, "databases", db, "documents..."
	if len(parts) < 4 || parts[1] != "databases" || !strings.HasPrefix(parts[3], "documents") {
		f.fail(w, 404, "NOT_FOUND", "bad path "+r.URL.Path)
		return
	}
	project, db := parts[0], parts[2]
	docPath := strings.TrimPrefix(strings.TrimPrefix(parts[3], "documents"), "/")
	action := ""
	if i := strings.LastIndexByte(docPath, ':'); i >= 0 {
		docPath, action = docPath[:i], docPath[i+1:]
	} else if strings.HasPrefix(parts[3], "documents:") {
		action = strings.TrimPrefix(parts[3], "documents:")
		docPath = ""
	}
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	key := r.Method + " " + action
	f.bodies[key] = append(f.bodies[key], body)
	f.mu.Unlock()
	ctx := r.Context()
	ref := Ref{Project: project, Database: db, Path: docPath}

	switch {
	case r.Method == http.MethodGet && action == "":
		d, err := f.local.Get(ctx, ref, f.localTx(r.URL.Query().Get("transaction")))
		if err != nil {
			f.failErr(w, err)
			return
		}
		f.writeDoc(w, ref, d)
	case action == "beginTransaction":
		id, err := f.local.Begin(ctx, project, db)
		if err != nil {
			f.failErr(w, err)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"transaction": base64.StdEncoding.EncodeToString([]byte(id))})
	case action == "rollback":
		var req struct{ Transaction string }
		_ = json.Unmarshal(body, &req)
		if err := f.local.Rollback(ctx, f.localTx(req.Transaction)); err != nil {
			f.failErr(w, err)
			return
		}
		_, _ = w.Write([]byte("{}"))
	case action == "commit":
		f.commit(w, r, project, db, body)
	case action == "runQuery":
		f.runQuery(w, r, project, db, docPath, body)
	default:
		f.fail(w, 404, "NOT_FOUND", "unsupported "+r.Method+" "+action)
	}
}

func (f *fakeFirestore) localTx(remote string) string {
	if remote == "" {
		return ""
	}
	b, err := base64.StdEncoding.DecodeString(remote)
	if err != nil {
		return "bad"
	}
	return string(b)
}

func (f *fakeFirestore) writeDoc(w http.ResponseWriter, ref Ref, d *Doc) {
	fields, err := encodeFields(d.Data)
	if err != nil {
		f.failErr(w, err)
		return
	}
	doc := ref
	doc.Path = d.Path
	_ = json.NewEncoder(w).Encode(map[string]any{"name": doc.String(), "fields": fields})
}

func docPathOf(name string) string {
	_, p, _ := strings.Cut(name, "/documents/")
	return p
}

func (f *fakeFirestore) commit(w http.ResponseWriter, r *http.Request, project, db string, body []byte) {
	var req struct {
		Transaction string `json:"transaction"`
		Writes      []struct {
			Update *struct {
				Name   string                     `json:"name"`
				Fields map[string]json.RawMessage `json:"fields"`
			} `json:"update"`
			UpdateMask *struct {
				FieldPaths []string `json:"fieldPaths"`
			} `json:"updateMask"`
			Delete string `json:"delete"`
		} `json:"writes"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		f.fail(w, 400, "INVALID_ARGUMENT", err.Error())
		return
	}
	ctx := r.Context()
	tx := f.localTx(req.Transaction)
	if tx == "" {
		var err error
		if tx, err = f.local.Begin(ctx, project, db); err != nil {
			f.failErr(w, err)
			return
		}
	}
	for _, wr := range req.Writes {
		var err error
		if wr.Update != nil {
			var data map[string]any
			if data, err = decodeFields(wr.Update.Fields); err == nil {
				// The client only sends masks that list the leaves of its data, which is
				// exactly a deep merge.
				err = f.local.Set(ctx, Ref{Project: project, Database: db, Path: docPathOf(wr.Update.Name)}, data, wr.UpdateMask != nil, tx)
			}
		} else {
			err = f.local.Delete(ctx, Ref{Project: project, Database: db, Path: docPathOf(wr.Delete)}, tx)
		}
		if err != nil {
			f.failErr(w, err)
			return
		}
	}
	if _, err := f.local.Commit(ctx, tx); err != nil {
		f.failErr(w, err)
		return
	}
	_, _ = w.Write([]byte(`{"commitTime":"2026-01-01T00:00:00Z"}`))
}

type fakeFilter struct {
	FieldFilter *struct {
		Field struct {
			FieldPath string `json:"fieldPath"`
		} `json:"field"`
		Op    string          `json:"op"`
		Value json.RawMessage `json:"value"`
	} `json:"fieldFilter"`
	UnaryFilter *struct {
		Op    string `json:"op"`
		Field struct {
			FieldPath string `json:"fieldPath"`
		} `json:"field"`
	} `json:"unaryFilter"`
	CompositeFilter *struct {
		Filters []fakeFilter `json:"filters"`
	} `json:"compositeFilter"`
}

func (f *fakeFirestore) filters(ff *fakeFilter, out *[]Filter) error {
	switch {
	case ff == nil:
	case ff.CompositeFilter != nil:
		for i := range ff.CompositeFilter.Filters {
			if err := f.filters(&ff.CompositeFilter.Filters[i], out); err != nil {
				return err
			}
		}
	case ff.UnaryFilter != nil:
		op := "=="
		if ff.UnaryFilter.Op == "IS_NOT_NULL" {
			op = "!="
		}
		*out = append(*out, Filter{Field: ff.UnaryFilter.Field.FieldPath, Op: op})
	case ff.FieldFilter != nil:
		op := ""
		for k, v := range restOps {
			if v == ff.FieldFilter.Op {
				op = k
			}
		}
		v, err := decodeValue(ff.FieldFilter.Value, 0)
		if err != nil {
			return err
		}
		*out = append(*out, Filter{Field: strings.Trim(ff.FieldFilter.Field.FieldPath, "`"), Op: op, Value: v})
	}
	return nil
}

func (f *fakeFirestore) runQuery(w http.ResponseWriter, r *http.Request, project, db, parent string, body []byte) {
	var req struct {
		Transaction     string `json:"transaction"`
		StructuredQuery struct {
			From []struct {
				CollectionID string `json:"collectionId"`
			} `json:"from"`
			Where *fakeFilter `json:"where"`
			Limit int         `json:"limit"`
		} `json:"structuredQuery"`
	}
	if err := json.Unmarshal(body, &req); err != nil || len(req.StructuredQuery.From) != 1 {
		f.fail(w, 400, "INVALID_ARGUMENT", "bad query")
		return
	}
	coll := req.StructuredQuery.From[0].CollectionID
	if parent != "" {
		coll = parent + "/" + coll
	}
	var filters []Filter
	if err := f.filters(req.StructuredQuery.Where, &filters); err != nil {
		f.failErr(w, err)
		return
	}
	docs, err := f.local.Query(r.Context(), Query{Collection: Ref{Project: project, Database: db, Path: coll}, Filters: filters, Limit: req.StructuredQuery.Limit}, f.localTx(req.Transaction))
	if err != nil {
		f.failErr(w, err)
		return
	}
	out := []any{map[string]any{"readTime": "2026-01-01T00:00:00Z"}}
	for _, d := range docs {
		fields, _ := encodeFields(d.Data)
		out = append(out, map[string]any{"document": map[string]any{"name": Ref{Project: project, Database: db, Path: d.Path}.String(), "fields": fields}})
	}
	_ = json.NewEncoder(w).Encode(out)
}

func (f *fakeFirestore) lastBody(key string) json.RawMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	b := f.bodies[key]
	if len(b) == 0 {
		return nil
	}
	return b[len(b)-1]
}

func TestRESTFirestoreContract(t *testing.T) {
	firestoreContract(t, func(t *testing.T) Firestore {
		_, srv := newFakeFirestore(t, "tok")
		return NewRESTFirestore(srv.URL+"/v1", srv.Client(), StaticToken("tok"))
	})
}

// TestRESTFirestoreWire pins the request bodies against golden files so the wire format
// does not depend only on our own fake's reading of it.
func TestRESTFirestoreWire(t *testing.T) {
	ctx := context.Background()
	fake, srv := newFakeFirestore(t, "")
	fs := NewRESTFirestore(srv.URL+"/v1/", srv.Client(), nil)
	doc := Ref{Project: "p1", Path: "users/alice"}
	must(t, fs.Set(ctx, doc, map[string]any{"name": "A", "n": 2.0, "f": 1.5, "ok": true, "none": nil, "tags": []any{"x"}, "addr": map[string]any{"city": "Oslo", "zip code": "1"}}, true, ""))
	golden(t, "firestore_merge_commit.json", fake.lastBody("POST commit"))

	_, err := fs.Query(ctx, Query{Collection: Ref{Project: "p1", Path: "users/alice/orders"}, Filters: []Filter{{"total", ">=", int64(10)}, {"state", "in", []any{"new", "paid"}}, {"coupon", "==", nil}}, Limit: 3}, "")
	must(t, err)
	golden(t, "firestore_runquery.json", fake.lastBody("POST runQuery"))

	must(t, fs.Delete(ctx, doc, ""))
	golden(t, "firestore_delete_commit.json", fake.lastBody("POST commit"))
}

func TestRESTFirestoreErrors(t *testing.T) {
	ctx := context.Background()
	_, srv := newFakeFirestore(t, "right")
	fs := NewRESTFirestore(srv.URL+"/v1", srv.Client(), StaticToken("wrong"))
	_, err := fs.Get(ctx, Ref{Project: "p", Path: "a/b"}, "")
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != 401 || ae.Status != "UNAUTHENTICATED" || !strings.Contains(err.Error(), "bad token") {
		t.Fatalf("err = %v, want a 401 APIError", err)
	}
	srv2 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(502)
		_, _ = w.Write([]byte("<html>gateway</html>"))
	}))
	defer srv2.Close()
	fs = NewRESTFirestore(srv2.URL, srv2.Client(), nil)
	if _, err := fs.Get(ctx, Ref{Project: "p", Path: "a/b"}, ""); err == nil || !strings.Contains(err.Error(), "HTTP 502") {
		t.Fatalf("err = %v, want HTTP 502", err)
	}
	fs = NewRESTFirestore(srv2.URL, srv2.Client(), tokenErr{})
	if _, err := fs.Get(ctx, Ref{Project: "p", Path: "a/b"}, ""); err == nil || !strings.Contains(err.Error(), "credentials") {
		t.Fatalf("err = %v, want a credentials error", err)
	}
}

type tokenErr struct{}

func (tokenErr) Token(context.Context) (string, error) { return "", errors.New("no key") }

// golden compares a JSON body with testdata/<name> semantically; -update rewrites it.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	var gv any
	if err := json.Unmarshal(got, &gv); err != nil {
		t.Fatalf("%s: body is not JSON: %v: %s", name, err, got)
	}
	if *update {
		b, _ := json.MarshalIndent(gv, "", "  ")
		must(t, os.MkdirAll("testdata", 0o755))
		must(t, os.WriteFile(p, append(b, '\n'), 0o644))
	}
	want, err := os.ReadFile(p)
	must(t, err)
	var wv any
	if err := json.Unmarshal(want, &wv); err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	if diff := cmp.Diff(wv, gv); diff != "" {
		t.Fatalf("%s (-want +got):\n%s", p, diff)
	}
}
