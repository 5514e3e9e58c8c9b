package cloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// DefaultFirestoreURL is the Firestore v1 REST endpoint.
const DefaultFirestoreURL = "https://firestore.googleapis.com/v1"

// FirestoreScope is the OAuth scope the REST client asks for.
const FirestoreScope = "https://www.googleapis.com/auth/datastore"

// RESTFirestore talks to the Firestore v1 REST API. Every write goes through :commit, so a
// merge is an update mask of the written leaf fields and a transaction's buffered writes
// are applied in one call.
type RESTFirestore struct {
	rc      restClient
	baseURL string

	mu        sync.Mutex
	txs       map[string]*restTx
	TxTimeout time.Duration
}

type restTx struct {
	project, db string
	remote      string
	writes      []map[string]any
	ids         []string
	started     time.Time
}

// NewRESTFirestore returns a client for baseURL ("" = DefaultFirestoreURL) that
// authenticates with tokens (nil: no Authorization header, for emulators and tests).
func NewRESTFirestore(baseURL string, client *http.Client, tokens TokenSource) *RESTFirestore {
	if baseURL == "" {
		baseURL = DefaultFirestoreURL
	}
	return &RESTFirestore{
		rc:        restClient{service: "firestore", client: client, tokens: tokens},
		baseURL:   strings.TrimSuffix(baseURL, "/"),
		txs:       map[string]*restTx{},
		TxTimeout: 2 * time.Minute,
	}
}

// Close implements Firestore.
func (f *RESTFirestore) Close() error { return nil }

func (f *RESTFirestore) docsURL(project, db string) string {
	return f.baseURL + "/projects/" + url.PathEscape(project) + "/databases/" + url.PathEscape(db) + "/documents"
}

func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

type restDoc struct {
	Name   string                     `json:"name"`
	Fields map[string]json.RawMessage `json:"fields"`
}

func (d *restDoc) toDoc() (*Doc, error) {
	data, err := decodeFields(d.Fields)
	if err != nil {
		return nil, fmt.Errorf("firestore: document %s: %w", d.Name, err)
	}
	_, rel, _ := strings.Cut(d.Name, "/documents/")
	return &Doc{ID: d.Name[strings.LastIndexByte(d.Name, '/')+1:], Path: rel, Data: data}, nil
}

func (f *RESTFirestore) tx(id string, r Ref) (*restTx, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.txs[id]
	if !ok || time.Since(t.started) > f.TxTimeout {
		return nil, fmt.Errorf("%w: %q", ErrNoTransaction, id)
	}
	if t.project != r.Project || t.db != r.DB() {
		return nil, fmt.Errorf("transaction %q belongs to project %q database %q, not %q %q", id, t.project, t.db, r.Project, r.DB())
	}
	return t, nil
}

// Get implements Firestore.
func (f *RESTFirestore) Get(ctx context.Context, doc Ref, tx string) (*Doc, error) {
	if err := validateRef(doc); err != nil {
		return nil, err
	}
	target := f.docsURL(doc.Project, doc.DB()) + "/" + escapePath(doc.Path)
	if tx != "" {
		t, err := f.tx(tx, doc)
		if err != nil {
			return nil, err
		}
		target += "?transaction=" + url.QueryEscape(t.remote)
	}
	var d restDoc
	if err := f.rc.do(ctx, http.MethodGet, target, nil, &d); err != nil {
		if isStatus(err, http.StatusNotFound, "NOT_FOUND") {
			return nil, fmt.Errorf("%s: %w", doc.Path, ErrNotFound)
		}
		return nil, err
	}
	return d.toDoc()
}

// Set implements Firestore.
func (f *RESTFirestore) Set(ctx context.Context, doc Ref, data map[string]any, merge bool, tx string) error {
	if err := validateRef(doc); err != nil {
		return err
	}
	fields, err := encodeFields(data)
	if err != nil {
		return fmt.Errorf("write %s: %w", doc.Path, err)
	}
	w := map[string]any{"update": map[string]any{"name": doc.String(), "fields": fields}}
	if merge {
		var leaves [][]string
		leafPaths(data, nil, &leaves)
		paths := make([]string, len(leaves))
		for i, l := range leaves {
			paths[i] = fieldPath(l)
		}
		w["updateMask"] = map[string]any{"fieldPaths": paths}
	}
	return f.write(ctx, doc, w, tx)
}

// Delete implements Firestore.
func (f *RESTFirestore) Delete(ctx context.Context, doc Ref, tx string) error {
	if err := validateRef(doc); err != nil {
		return err
	}
	return f.write(ctx, doc, map[string]any{"delete": doc.String()}, tx)
}

func (f *RESTFirestore) write(ctx context.Context, doc Ref, w map[string]any, tx string) error {
	if tx != "" {
		t, err := f.tx(tx, doc)
		if err != nil {
			return err
		}
		f.mu.Lock()
		t.writes = append(t.writes, w)
		t.ids = append(t.ids, doc.ID())
		f.mu.Unlock()
		return nil
	}
	body := map[string]any{"writes": []any{w}}
	return f.rc.do(ctx, http.MethodPost, f.docsURL(doc.Project, doc.DB())+":commit", body, nil)
}

var restOps = map[string]string{
	"==": "EQUAL", "!=": "NOT_EQUAL", "<": "LESS_THAN", "<=": "LESS_THAN_OR_EQUAL",
	">": "GREATER_THAN", ">=": "GREATER_THAN_OR_EQUAL", "array-contains": "ARRAY_CONTAINS",
	"array-contains-any": "ARRAY_CONTAINS_ANY", "in": "IN", "not-in": "NOT_IN",
}

func restFilter(fl Filter) (map[string]any, error) {
	field := map[string]any{"fieldPath": fieldPath(strings.Split(fl.Field, "."))}
	if fl.Value == nil && (fl.Op == "==" || fl.Op == "!=") {
		op := "IS_NULL"
		if fl.Op == "!=" {
			op = "IS_NOT_NULL"
		}
		return map[string]any{"unaryFilter": map[string]any{"op": op, "field": field}}, nil
	}
	v, err := encodeValue(fl.Value, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: value for %q: %v", ErrBadQuery, fl.Field, err)
	}
	return map[string]any{"fieldFilter": map[string]any{"field": field, "op": restOps[fl.Op], "value": v}}, nil
}

// Query implements Firestore.
func (f *RESTFirestore) Query(ctx context.Context, q Query, tx string) ([]Doc, error) {
	c := q.Collection
	if err := validateRef(c); err != nil {
		return nil, err
	}
	if c.IsDocument() {
		return nil, fmt.Errorf("%w: %q is a document path, not a collection", ErrBadQuery, c.Path)
	}
	var filters []any
	for _, fl := range q.Filters {
		if err := fl.Validate(); err != nil {
			return nil, err
		}
		rf, err := restFilter(fl)
		if err != nil {
			return nil, err
		}
		filters = append(filters, rf)
	}
	sq := map[string]any{"from": []any{map[string]any{"collectionId": c.ID()}}, "limit": checkLimit(q.Limit)}
	switch len(filters) {
	case 0:
	case 1:
		sq["where"] = filters[0]
	default:
		sq["where"] = map[string]any{"compositeFilter": map[string]any{"op": "AND", "filters": filters}}
	}
	body := map[string]any{"structuredQuery": sq}
	if tx != "" {
		t, err := f.tx(tx, c)
		if err != nil {
			return nil, err
		}
		body["transaction"] = t.remote
	}
	target := f.docsURL(c.Project, c.DB())
	if parent := c.Parent(); parent != "" {
		target += "/" + escapePath(parent)
	}
	var resp []struct {
		Document *restDoc `json:"document"`
	}
	if err := f.rc.do(ctx, http.MethodPost, target+":runQuery", body, &resp); err != nil {
		return nil, err
	}
	out := make([]Doc, 0, len(resp))
	for _, r := range resp {
		if r.Document == nil {
			continue // a progress or read-time only entry
		}
		d, err := r.Document.toDoc()
		if err != nil {
			return nil, err
		}
		out = append(out, *d)
	}
	return out, nil
}

// Begin implements Firestore.
func (f *RESTFirestore) Begin(ctx context.Context, project, database string) (string, error) {
	r := Ref{Project: project, Database: database, Path: "x"}
	if err := validateRef(r); err != nil {
		return "", err
	}
	var resp struct {
		Transaction string `json:"transaction"`
	}
	body := map[string]any{"options": map[string]any{"readWrite": map[string]any{}}}
	if err := f.rc.do(ctx, http.MethodPost, f.docsURL(project, r.DB())+":beginTransaction", body, &resp); err != nil {
		return "", err
	}
	if resp.Transaction == "" {
		return "", errors.New("firestore: beginTransaction returned no transaction")
	}
	id := newTxID()
	f.mu.Lock()
	defer f.mu.Unlock()
	for k, t := range f.txs {
		if time.Since(t.started) > f.TxTimeout {
			delete(f.txs, k)
		}
	}
	f.txs[id] = &restTx{project: project, db: r.DB(), remote: resp.Transaction, started: time.Now()}
	return id, nil
}

func (f *RESTFirestore) take(id string) (*restTx, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.txs[id]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrNoTransaction, id)
	}
	delete(f.txs, id)
	return t, nil
}

// Commit implements Firestore. Firestore answers a contended transaction with 409 ABORTED.
func (f *RESTFirestore) Commit(ctx context.Context, tx string) ([]string, error) {
	t, err := f.take(tx)
	if err != nil {
		return nil, err
	}
	writes := t.writes
	if writes == nil {
		writes = []map[string]any{}
	}
	body := map[string]any{"writes": writes, "transaction": t.remote}
	if err := f.rc.do(ctx, http.MethodPost, f.docsURL(t.project, t.db)+":commit", body, nil); err != nil {
		if isStatus(err, http.StatusConflict, "ABORTED") {
			return nil, fmt.Errorf("%w (%v)", ErrConflict, err)
		}
		return nil, err
	}
	return append([]string{}, t.ids...), nil
}

// Rollback implements Firestore.
func (f *RESTFirestore) Rollback(ctx context.Context, tx string) error {
	t, err := f.take(tx)
	if err != nil {
		return err
	}
	return f.rc.do(ctx, http.MethodPost, f.docsURL(t.project, t.db)+":rollback", map[string]any{"transaction": t.remote}, nil)
}
