package cloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// BigQuery limits of the streaming insert API that we enforce for every backend.
const (
	MaxInsertRows  = 50000
	MaxInsertBytes = 10 << 20
)

// Table names a BigQuery table.
type Table struct {
	Project, Dataset, Table string
}

func (t Table) String() string { return t.Project + "." + t.Dataset + "." + t.Table }

func (t Table) validate() error {
	if err := validateName("project id", t.Project); err != nil {
		return err
	}
	if err := validateName("dataset id", t.Dataset); err != nil {
		return err
	}
	return validateName("table id", t.Table)
}

// InsertOptions are BigQuery.insert's options.
type InsertOptions struct {
	IgnoreUnknownValues bool
	SkipInvalidRows     bool
}

// RowError is one rejected row.
type RowError struct {
	Index   int            // position in the rows passed to Insert
	Reason  string         // "invalid", "stopped" (not inserted because another row was invalid), or the service's reason
	Message string         //
	Row     map[string]any // the row, when it was an object
}

// InsertError reports rows that were not inserted. With SkipInvalidRows the other rows
// were inserted; without it none were.
type InsertError struct {
	Table Table
	Rows  []RowError
}

func (e *InsertError) Error() string {
	var first string
	for _, r := range e.Rows {
		if r.Reason != "stopped" {
			first = fmt.Sprintf(": row %d: %s: %s", r.Index, r.Reason, r.Message)
			break
		}
	}
	return fmt.Sprintf("bigquery insert into %s: %d row(s) rejected%s", e.Table, len(e.Rows), first)
}

// BigQuery is a streaming-insert sink.
type BigQuery interface {
	// Insert appends rows (each should be a JSON object) to a table. A row-level problem
	// is reported as *InsertError; anything else (bad table name, transport) as a plain
	// error, with nothing inserted.
	Insert(ctx context.Context, t Table, rows []any, opts InsertOptions) error
	Close() error
}

// checkedRows splits rows into valid objects (with their JSON) and row errors.
type checkedRows struct {
	objs  []map[string]any
	lines [][]byte
	index []int
	errs  []RowError
}

func checkRows(t Table, rows []any, opts InsertOptions) (*checkedRows, error) {
	if err := t.validate(); err != nil {
		return nil, fmt.Errorf("bigquery table %s: %w", t, err)
	}
	if len(rows) == 0 {
		return nil, errors.New("bigquery insert: no rows")
	}
	if len(rows) > MaxInsertRows {
		return nil, fmt.Errorf("bigquery insert: %d rows, more than %d", len(rows), MaxInsertRows)
	}
	c := &checkedRows{}
	total := 0
	for i, r := range rows {
		obj, ok := r.(map[string]any)
		if !ok {
			c.errs = append(c.errs, RowError{Index: i, Reason: "invalid", Message: fmt.Sprintf("row is %s, not an object", kindOf(r))})
			continue
		}
		b, err := json.Marshal(obj)
		if err != nil {
			c.errs = append(c.errs, RowError{Index: i, Reason: "invalid", Message: err.Error(), Row: obj})
			continue
		}
		total += len(b) + 1
		c.objs, c.lines, c.index = append(c.objs, obj), append(c.lines, b), append(c.index, i)
	}
	if total > MaxInsertBytes {
		return nil, fmt.Errorf("bigquery insert: %d bytes of rows, more than %d", total, MaxInsertBytes)
	}
	if len(c.errs) > 0 && !opts.SkipInvalidRows {
		// BigQuery inserts nothing and marks the valid rows as stopped.
		for j, i := range c.index {
			c.errs = append(c.errs, RowError{Index: i, Reason: "stopped", Row: c.objs[j]})
		}
		c.objs, c.lines, c.index = nil, nil, nil
	}
	return c, nil
}

func (c *checkedRows) result(t Table) error {
	if len(c.errs) == 0 {
		return nil
	}
	return &InsertError{Table: t, Rows: c.errs}
}

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case float64, int64, int:
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}

// JSONLBigQuery appends rows as JSON lines to <dir>/<project>/<dataset>/<table>.jsonl,
// one write per insert so concurrent inserts never interleave within a line.
type JSONLBigQuery struct {
	Dir   string
	Fsync bool // sync the file after each insert

	mu    sync.Mutex
	locks map[string]*sync.Mutex
}

// NewJSONLBigQuery stores tables under dataDir/bigquery.
func NewJSONLBigQuery(dataDir string, fsync bool) *JSONLBigQuery {
	return &JSONLBigQuery{Dir: filepath.Join(dataDir, "bigquery"), Fsync: fsync, locks: map[string]*sync.Mutex{}}
}

// Path is the file that holds a table.
func (b *JSONLBigQuery) Path(t Table) string {
	return filepath.Join(b.Dir, t.Project, t.Dataset, t.Table+".jsonl")
}

func (b *JSONLBigQuery) lock(p string) *sync.Mutex {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.locks == nil {
		b.locks = map[string]*sync.Mutex{}
	}
	l, ok := b.locks[p]
	if !ok {
		l = &sync.Mutex{}
		b.locks[p] = l
	}
	return l
}

// Insert implements BigQuery.
func (b *JSONLBigQuery) Insert(ctx context.Context, t Table, rows []any, opts InsertOptions) error {
	c, err := checkRows(t, rows, opts)
	if err != nil {
		return err
	}
	if len(c.lines) > 0 {
		var buf bytes.Buffer
		for _, l := range c.lines {
			buf.Write(l)
			buf.WriteByte('\n')
		}
		if err := b.appendFile(b.Path(t), buf.Bytes()); err != nil {
			return fmt.Errorf("bigquery insert into %s: %w", t, err)
		}
	}
	return c.result(t)
}

func (b *JSONLBigQuery) appendFile(p string, data []byte) error {
	l := b.lock(p)
	l.Lock()
	defer l.Unlock()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	if b.Fsync {
		if err := f.Sync(); err != nil {
			_ = f.Close()
			return err
		}
	}
	return f.Close()
}

// Close implements BigQuery.
func (b *JSONLBigQuery) Close() error { return nil }

// MemoryBigQuery keeps inserted rows in memory (tests and `tagd test`).
type MemoryBigQuery struct {
	mu     sync.Mutex
	tables map[Table][]map[string]any
}

// NewMemoryBigQuery returns an empty sink.
func NewMemoryBigQuery() *MemoryBigQuery {
	return &MemoryBigQuery{tables: map[Table][]map[string]any{}}
}

// Insert implements BigQuery.
func (m *MemoryBigQuery) Insert(ctx context.Context, t Table, rows []any, opts InsertOptions) error {
	c, err := checkRows(t, rows, opts)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, l := range c.lines {
		// Store a decoded copy so later changes by the caller cannot reach the table.
		var row map[string]any
		_ = json.Unmarshal(l, &row)
		m.tables[t] = append(m.tables[t], row)
	}
	return c.result(t)
}

// Rows returns the rows of a table, oldest first.
func (m *MemoryBigQuery) Rows(t Table) []map[string]any {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]map[string]any(nil), m.tables[t]...)
}

// Close implements BigQuery.
func (m *MemoryBigQuery) Close() error { return nil }
