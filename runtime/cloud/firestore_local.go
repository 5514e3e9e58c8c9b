package cloud

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// LocalFirestore is the embedded document store: a bbolt file (OpenLocalFirestore) or
// memory (NewMemoryFirestore). Every write stamps the document with a fresh global
// sequence number; a transaction remembers the stamps of what it read and commits only if
// they are unchanged (optimistic concurrency, so a conflicting transaction is retried by
// the caller instead of blocking).
type LocalFirestore struct {
	kv kvStore

	mu        sync.Mutex
	txs       map[string]*localTx
	TxTimeout time.Duration // an unfinished transaction is dropped after this (default 2 min)
	MaxOpenTx int           // default 10000
	now       func() time.Time
}

type localTx struct {
	project, db string
	reads       map[string]uint64 // storage key → version read (0: absent)
	writes      []localWrite
	started     time.Time
}

type localWrite struct {
	key, id string
	data    map[string]any
	merge   bool
	del     bool
}

// record is the stored form of a document.
type record struct {
	Version uint64         `json:"v"`
	Data    map[string]any `json:"d"`
}

// NewMemoryFirestore returns an empty in-memory store.
func NewMemoryFirestore() *LocalFirestore {
	return newLocalFirestore(&memKV{data: map[string][]byte{}})
}

// OpenLocalFirestore opens (creating if needed) a bbolt file. It fails after a second if
// another process holds the file.
func OpenLocalFirestore(path string) (*LocalFirestore, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return nil, fmt.Errorf("open firestore store %s: %w", path, err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(boltDocs)
		return err
	}); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open firestore store %s: %w", path, err)
	}
	return newLocalFirestore(&boltKV{db: db}), nil
}

func newLocalFirestore(kv kvStore) *LocalFirestore {
	return &LocalFirestore{kv: kv, txs: map[string]*localTx{}, TxTimeout: 2 * time.Minute, MaxOpenTx: 10000, now: time.Now}
}

// Close releases the store.
func (f *LocalFirestore) Close() error { return f.kv.close() }

func storageKey(r Ref) string {
	return r.Project + "\x00" + r.DB() + "\x00" + r.Path
}

func decodeRecord(b []byte) (*record, error) {
	if b == nil {
		return nil, nil
	}
	var rec record
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("corrupt stored document: %w", err)
	}
	if rec.Data == nil {
		rec.Data = map[string]any{}
	}
	return &rec, nil
}

func (f *LocalFirestore) tx(id string, r Ref) (*localTx, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.txs[id]
	if !ok || f.now().Sub(t.started) > f.TxTimeout {
		return nil, fmt.Errorf("%w: %q", ErrNoTransaction, id)
	}
	if t.project != r.Project || t.db != r.DB() {
		return nil, fmt.Errorf("transaction %q belongs to project %q database %q, not %q %q", id, t.project, t.db, r.Project, r.DB())
	}
	return t, nil
}

// Get implements Firestore.
func (f *LocalFirestore) Get(ctx context.Context, doc Ref, tx string) (*Doc, error) {
	if err := validateRef(doc); err != nil {
		return nil, err
	}
	var t *localTx
	if tx != "" {
		var err error
		if t, err = f.tx(tx, doc); err != nil {
			return nil, err
		}
	}
	key := storageKey(doc)
	var rec *record
	err := f.kv.view(func(kt kvTx) error {
		var err error
		rec, err = decodeRecord(kt.get(key))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", doc.Path, err)
	}
	if t != nil {
		f.mu.Lock()
		if rec != nil {
			t.reads[key] = rec.Version
		} else {
			t.reads[key] = 0
		}
		f.mu.Unlock()
	}
	if rec == nil {
		return nil, fmt.Errorf("%s: %w", doc.Path, ErrNotFound)
	}
	return &Doc{ID: doc.ID(), Path: doc.Path, Data: rec.Data}, nil
}

// Set implements Firestore.
func (f *LocalFirestore) Set(ctx context.Context, doc Ref, data map[string]any, merge bool, tx string) error {
	if err := validateRef(doc); err != nil {
		return err
	}
	if data == nil {
		data = map[string]any{}
	}
	if _, err := json.Marshal(data); err != nil {
		return fmt.Errorf("write %s: value cannot be stored: %w", doc.Path, err)
	}
	w := localWrite{key: storageKey(doc), id: doc.ID(), data: data, merge: merge}
	if tx != "" {
		return f.buffer(tx, doc, w)
	}
	return f.kv.update(func(kt kvTx) error { return applyWrite(kt, w) })
}

// Delete implements Firestore.
func (f *LocalFirestore) Delete(ctx context.Context, doc Ref, tx string) error {
	if err := validateRef(doc); err != nil {
		return err
	}
	w := localWrite{key: storageKey(doc), id: doc.ID(), del: true}
	if tx != "" {
		return f.buffer(tx, doc, w)
	}
	return f.kv.update(func(kt kvTx) error { return applyWrite(kt, w) })
}

func (f *LocalFirestore) buffer(tx string, doc Ref, w localWrite) error {
	t, err := f.tx(tx, doc)
	if err != nil {
		return err
	}
	f.mu.Lock()
	t.writes = append(t.writes, w)
	f.mu.Unlock()
	return nil
}

func applyWrite(kt kvTx, w localWrite) error {
	if w.del {
		return kt.del(w.key)
	}
	data := w.data
	if w.merge {
		cur, err := decodeRecord(kt.get(w.key))
		if err != nil {
			return err
		}
		if cur != nil {
			data = mergeData(cur.Data, data)
		}
	}
	seq, err := kt.nextSeq()
	if err != nil {
		return err
	}
	b, err := json.Marshal(record{Version: seq, Data: data})
	if err != nil {
		return fmt.Errorf("value cannot be stored: %w", err)
	}
	if len(b) > maxDocBytes {
		return fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, len(b), maxDocBytes)
	}
	return kt.put(w.key, b)
}

// Query implements Firestore.
func (f *LocalFirestore) Query(ctx context.Context, q Query, tx string) ([]Doc, error) {
	if err := validateRef(q.Collection); err != nil {
		return nil, err
	}
	if q.Collection.IsDocument() {
		return nil, fmt.Errorf("%w: %q is a document path, not a collection", ErrBadQuery, q.Collection.Path)
	}
	for _, fl := range q.Filters {
		if err := fl.Validate(); err != nil {
			return nil, err
		}
	}
	var t *localTx
	if tx != "" {
		var err error
		if t, err = f.tx(tx, q.Collection); err != nil {
			return nil, err
		}
	}
	limit := checkLimit(q.Limit)
	prefix := storageKey(q.Collection) + "/"
	var out []Doc
	versions := map[string]uint64{}
	err := f.kv.view(func(kt kvTx) error {
		return kt.scan(prefix, func(k string, v []byte) (bool, error) {
			if err := ctx.Err(); err != nil {
				return false, err
			}
			id := k[len(prefix):]
			if strings.IndexByte(id, '/') >= 0 {
				return true, nil // a document of a subcollection
			}
			rec, err := decodeRecord(v)
			if err != nil {
				return false, err
			}
			for _, fl := range q.Filters {
				if !fl.Matches(rec.Data) {
					return true, nil
				}
			}
			out = append(out, Doc{ID: id, Path: q.Collection.Path + "/" + id, Data: rec.Data})
			versions[k] = rec.Version
			return len(out) < limit, nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("query %s: %w", q.Collection.Path, err)
	}
	if t != nil {
		f.mu.Lock()
		for k, v := range versions {
			t.reads[k] = v
		}
		f.mu.Unlock()
	}
	return out, nil
}

// Begin implements Firestore.
func (f *LocalFirestore) Begin(ctx context.Context, project, database string) (string, error) {
	r := Ref{Project: project, Database: database, Path: "x"}
	if err := validateRef(r); err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	for id, t := range f.txs {
		if now.Sub(t.started) > f.TxTimeout {
			delete(f.txs, id)
		}
	}
	if len(f.txs) >= f.MaxOpenTx {
		return "", fmt.Errorf("too many open transactions (%d)", len(f.txs))
	}
	id := newTxID()
	f.txs[id] = &localTx{project: project, db: r.DB(), reads: map[string]uint64{}, started: now}
	return id, nil
}

func newTxID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Commit implements Firestore.
func (f *LocalFirestore) Commit(ctx context.Context, tx string) ([]string, error) {
	f.mu.Lock()
	t, ok := f.txs[tx]
	delete(f.txs, tx)
	f.mu.Unlock()
	if !ok || f.now().Sub(t.started) > f.TxTimeout {
		return nil, fmt.Errorf("%w: %q", ErrNoTransaction, tx)
	}
	ids := make([]string, 0, len(t.writes))
	err := f.kv.update(func(kt kvTx) error {
		for key, want := range t.reads {
			rec, err := decodeRecord(kt.get(key))
			if err != nil {
				return err
			}
			var have uint64
			if rec != nil {
				have = rec.Version
			}
			if have != want {
				return ErrConflict
			}
		}
		for _, w := range t.writes {
			if err := applyWrite(kt, w); err != nil {
				return err
			}
			ids = append(ids, w.id)
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrConflict) {
			return nil, err
		}
		return nil, fmt.Errorf("commit: %w", err)
	}
	return ids, nil
}

// Rollback implements Firestore.
func (f *LocalFirestore) Rollback(ctx context.Context, tx string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.txs[tx]; !ok {
		return fmt.Errorf("%w: %q", ErrNoTransaction, tx)
	}
	delete(f.txs, tx)
	return nil
}

// kvStore is the little a LocalFirestore needs from its storage: atomic read and write
// transactions over sorted string keys, and a sequence.
type kvStore interface {
	view(func(kvTx) error) error
	update(func(kvTx) error) error
	close() error
}

type kvTx interface {
	get(key string) []byte
	put(key string, val []byte) error
	del(key string) error
	// scan visits keys with the prefix in ascending order until fn returns false.
	scan(prefix string, fn func(key string, val []byte) (bool, error)) error
	nextSeq() (uint64, error)
}

// memKV keeps everything in a map guarded by one lock.
type memKV struct {
	mu   sync.RWMutex
	data map[string][]byte
	seq  uint64
}

type memTx struct {
	m        *memKV
	writable bool
}

func (m *memKV) view(fn func(kvTx) error) error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return fn(memTx{m: m})
}

// update stages writes in a copy-on-write overlay so a failed function leaves no trace.
func (m *memKV) update(fn func(kvTx) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	o := &memOverlay{base: m, puts: map[string][]byte{}, seq: m.seq}
	if err := fn(o); err != nil {
		return err
	}
	for k, v := range o.puts {
		if v == nil {
			delete(m.data, k)
		} else {
			m.data[k] = v
		}
	}
	m.seq = o.seq
	return nil
}

func (m *memKV) close() error { return nil }

func (t memTx) get(key string) []byte    { return t.m.data[key] }
func (t memTx) put(string, []byte) error { return errors.New("read-only transaction") }
func (t memTx) del(string) error         { return errors.New("read-only transaction") }
func (t memTx) nextSeq() (uint64, error) { return 0, errors.New("read-only transaction") }
func (t memTx) scan(p string, fn func(string, []byte) (bool, error)) error {
	return scanSorted(t.m.data, nil, p, fn)
}

type memOverlay struct {
	base *memKV
	puts map[string][]byte // nil value: deleted
	seq  uint64
}

func (o *memOverlay) get(key string) []byte {
	if v, ok := o.puts[key]; ok {
		return v
	}
	return o.base.data[key]
}
func (o *memOverlay) put(key string, val []byte) error { o.puts[key] = val; return nil }
func (o *memOverlay) del(key string) error             { o.puts[key] = nil; return nil }
func (o *memOverlay) nextSeq() (uint64, error)         { o.seq++; return o.seq, nil }
func (o *memOverlay) scan(p string, fn func(string, []byte) (bool, error)) error {
	return scanSorted(o.base.data, o.puts, p, fn)
}

func scanSorted(base, overlay map[string][]byte, prefix string, fn func(string, []byte) (bool, error)) error {
	keys := make([]string, 0)
	seen := map[string]bool{}
	for k := range overlay {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
			seen[k] = true
		}
	}
	for k := range base {
		if strings.HasPrefix(k, prefix) && !seen[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		v, ok := overlay[k]
		if !ok {
			v = base[k]
		}
		if v == nil {
			continue
		}
		more, err := fn(k, v)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

var boltDocs = []byte("firestore_docs")

// boltKV stores documents in one bucket of a bbolt file.
type boltKV struct{ db *bolt.DB }

type boltTx struct{ b *bolt.Bucket }

func (s *boltKV) view(fn func(kvTx) error) error {
	return s.db.View(func(tx *bolt.Tx) error { return fn(boltTx{b: tx.Bucket(boltDocs)}) })
}

func (s *boltKV) update(fn func(kvTx) error) error {
	return s.db.Update(func(tx *bolt.Tx) error { return fn(boltTx{b: tx.Bucket(boltDocs)}) })
}

func (s *boltKV) close() error { return s.db.Close() }

func (t boltTx) get(key string) []byte { return t.b.Get([]byte(key)) }
func (t boltTx) put(key string, val []byte) error {
	return t.b.Put([]byte(key), val)
}
func (t boltTx) del(key string) error     { return t.b.Delete([]byte(key)) }
func (t boltTx) nextSeq() (uint64, error) { return t.b.NextSequence() }
func (t boltTx) scan(prefix string, fn func(string, []byte) (bool, error)) error {
	c := t.b.Cursor()
	p := []byte(prefix)
	for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
		more, err := fn(string(k), v)
		if err != nil || !more {
			return err
		}
	}
	return nil
}
