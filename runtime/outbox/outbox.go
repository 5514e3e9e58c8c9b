package outbox

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/tagd-dev/tagd/runtime"
)

// Errors callers can test for.
var (
	ErrNotFound = errors.New("no such outbox item")
	ErrClosed   = errors.New("outbox is closed")
	ErrLocked   = errors.New("outbox store is locked by another process")
	ErrFull     = errors.New("outbox is full")
	ErrReadOnly = errors.New("outbox is open read-only")
)

// Bucket names. pending holds one nested bucket per destination host, keyed by item ID
// (big-endian, so a cursor walks a host's queue in the order it was filled); dead is keyed
// by ID too; meta holds the ID sequence and the store probe.
var (
	bucketPending = []byte("pending")
	bucketDead    = []byte("dead")
	bucketMeta    = []byte("meta")
)

// Defaults of Options.
const (
	DefaultMaxDeadBytes  = 256 << 20
	DefaultLockTimeout   = time.Second
	DefaultProbeInterval = 5 * time.Second
)

// Observation is one thing that happened to an item, for metrics.
type Observation struct {
	Kind   string // queued, retried, delivered, dead, not_queued, replayed, dropped, evicted
	ID     uint64
	Tag    string
	Host   string
	Status int
	Reason string
}

// Options configure Open.
type Options struct {
	// Path is the bbolt file. It is created (with its directory) on the first write, so a
	// tagd whose requests never fail leaves nothing on disk.
	Path string
	// Sender sends retries exactly as stored. It should refuse what the first attempts'
	// dispatcher refuses (the SSRF guard); nil means an HTTP dispatcher with the guard and no
	// allow-list.
	Sender runtime.Dispatcher
	// RedirectSender sends retries of requests whose URL came from server.outbound_redirect
	// (the operator's choice, so unguarded, as their first attempt was); nil means a plain
	// HTTP dispatcher.
	RedirectSender runtime.Dispatcher
	Logger         *slog.Logger
	// MaxDeadBytes caps the dead letters kept; beyond it the oldest are evicted, each with
	// a warning. 0 means DefaultMaxDeadBytes.
	MaxDeadBytes int64
	// NoDelivery opens the store without workers (the CLI editing a stopped tagd's store).
	NoDelivery bool
	// ReadOnly opens the store for reading only (list, show, stats).
	ReadOnly bool
	// LockTimeout is how long Open waits for another process's lock on the file.
	LockTimeout time.Duration
	// ProbeInterval is how often a failing store is tested again.
	ProbeInterval time.Duration
	// Observe, when set, is told about every item event (metrics hooks).
	Observe func(Observation)
	// Now and Jitter replace the clock and the random jitter in tests.
	Now    func() time.Time
	Jitter func() float64
}

// Outbox is a durable retry queue for outbound requests. It is process-wide: built once,
// shared by every container generation through Bind, and closed on shutdown.
type Outbox struct {
	opts     Options
	log      *slog.Logger
	now      func() time.Time
	jitter   func() float64
	sender   runtime.Dispatcher
	redirect runtime.Dispatcher

	dbMu   sync.RWMutex // guards db; writers hold it for reading, Close for writing
	db     *bolt.DB
	closed bool

	mu       sync.Mutex
	hosts    map[string]*hostQueue
	dead     counter
	storeErr error
	probing  bool
	active   int // Do calls between their first attempt and their write
	closing  bool
	idle     chan struct{}
	totals   Totals

	quit       chan struct{}
	sendCtx    context.Context
	cancelSend context.CancelFunc
	workers    sync.WaitGroup
}

type counter struct {
	count int
	bytes int64
}

// hostQueue is one destination's pending queue and its worker's wake-up channel.
type hostQueue struct {
	counter
	wake    chan struct{}
	started bool
}

// Totals are counts since the process started.
type Totals struct {
	Queued    uint64 `json:"queued"`     // failed first attempts written to the store
	Retried   uint64 `json:"retried"`    // background attempts that failed again
	Delivered uint64 `json:"delivered"`  // stored requests that were finally accepted
	Dead      uint64 `json:"dead"`       // requests moved to dead letters
	NotQueued uint64 `json:"not_queued"` // failed requests that could not be stored (full)
	Replayed  uint64 `json:"replayed"`
	Dropped   uint64 `json:"dropped"`
	Evicted   uint64 `json:"evicted"` // dead letters removed to stay under MaxDeadBytes
}

// Stats is a snapshot of the outbox.
type Stats struct {
	Path         string         `json:"path"`
	Pending      int            `json:"pending"`
	PendingBytes int64          `json:"pending_bytes"`
	Dead         int            `json:"dead"`
	DeadBytes    int64          `json:"dead_bytes"`
	Hosts        map[string]int `json:"hosts,omitempty"` // pending per destination host
	StoreError   string         `json:"store_error,omitempty"`
	Totals       Totals         `json:"totals"`
}

// Open opens (or prepares to create) the store at o.Path, counts what it holds and, unless
// NoDelivery or ReadOnly is set, starts delivering pending requests.
func Open(o Options) (*Outbox, error) {
	if o.Path == "" {
		return nil, errors.New("outbox: no store path")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MaxDeadBytes <= 0 {
		o.MaxDeadBytes = DefaultMaxDeadBytes
	}
	if o.LockTimeout <= 0 {
		o.LockTimeout = DefaultLockTimeout
	}
	if o.ProbeInterval <= 0 {
		o.ProbeInterval = DefaultProbeInterval
	}
	if o.ReadOnly {
		o.NoDelivery = true
	}
	ob := &Outbox{opts: o, log: o.Logger, now: o.Now, jitter: o.Jitter, sender: o.Sender, redirect: o.RedirectSender,
		hosts: map[string]*hostQueue{}, idle: make(chan struct{}), quit: make(chan struct{})}
	if ob.now == nil {
		ob.now = time.Now
	}
	if ob.jitter == nil {
		ob.jitter = rand.Float64
	}
	if ob.sender == nil {
		d, err := runtime.NewHTTPDispatcher("", 0, 0)
		if err != nil {
			return nil, fmt.Errorf("outbox: %w", err)
		}
		d.Guard(nil)
		ob.sender = d
	}
	if ob.redirect == nil {
		d, err := runtime.NewHTTPDispatcher("", 0, 0)
		if err != nil {
			return nil, fmt.Errorf("outbox: %w", err)
		}
		ob.redirect = d
	}
	ob.sendCtx, ob.cancelSend = context.WithCancel(context.Background())
	if _, err := os.Stat(o.Path); err == nil {
		if err := ob.openDB(); err != nil {
			ob.cancelSend()
			return nil, err
		}
		if err := ob.count(); err != nil {
			ob.cancelSend()
			_ = ob.db.Close()
			return nil, err
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		ob.cancelSend()
		return nil, fmt.Errorf("outbox %s: %w", o.Path, err)
	}
	ob.mu.Lock()
	for host := range ob.hosts {
		ob.startLocked(host)
	}
	ob.mu.Unlock()
	return ob, nil
}

// Path is the store file.
func (o *Outbox) Path() string { return o.opts.Path }

func (o *Outbox) openDB() error {
	if !o.opts.ReadOnly {
		if err := os.MkdirAll(filepath.Dir(o.opts.Path), 0o755); err != nil {
			return fmt.Errorf("outbox: creating %s: %w", filepath.Dir(o.opts.Path), err)
		}
	}
	db, err := bolt.Open(o.opts.Path, 0o600, &bolt.Options{Timeout: o.opts.LockTimeout, ReadOnly: o.opts.ReadOnly})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return fmt.Errorf("outbox %s: %w (is another tagd running on this data directory?)", o.opts.Path, ErrLocked)
		}
		return fmt.Errorf("outbox %s: %w", o.opts.Path, err)
	}
	if !o.opts.ReadOnly {
		err = db.Update(func(tx *bolt.Tx) error {
			for _, b := range [][]byte{bucketPending, bucketDead, bucketMeta} {
				if _, err := tx.CreateBucketIfNotExists(b); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			_ = db.Close()
			return fmt.Errorf("outbox %s: creating buckets: %w", o.opts.Path, err)
		}
	}
	o.db = db
	return nil
}

// count fills the in-memory counters from the store.
func (o *Outbox) count() error {
	return o.db.View(func(tx *bolt.Tx) error {
		if p := tx.Bucket(bucketPending); p != nil {
			err := p.ForEach(func(host, v []byte) error {
				hb := p.Bucket(host)
				if v != nil || hb == nil {
					return nil
				}
				q := &hostQueue{wake: make(chan struct{}, 1)}
				_ = hb.ForEach(func(_, rec []byte) error {
					q.count++
					q.bytes += int64(len(rec))
					return nil
				})
				o.hosts[string(host)] = q
				return nil
			})
			if err != nil {
				return err
			}
		}
		if d := tx.Bucket(bucketDead); d != nil {
			_ = d.ForEach(func(_, rec []byte) error {
				o.dead.count++
				o.dead.bytes += int64(len(rec))
				return nil
			})
		}
		return nil
	})
}

// write runs fn in a read-write transaction, creating the store on first use. batch uses
// DB.Batch, which coalesces concurrent writers into one fsync; fn must then be idempotent.
func (o *Outbox) write(batch bool, fn func(tx *bolt.Tx) error) error {
	if o.opts.ReadOnly {
		return ErrReadOnly
	}
	for {
		o.dbMu.RLock()
		if o.closed {
			o.dbMu.RUnlock()
			return ErrClosed
		}
		if db := o.db; db != nil {
			var err error
			if batch {
				err = db.Batch(fn)
			} else {
				err = db.Update(fn)
			}
			o.dbMu.RUnlock()
			return err
		}
		o.dbMu.RUnlock()
		o.dbMu.Lock()
		var err error
		if o.db == nil && !o.closed {
			err = o.openDB()
		}
		o.dbMu.Unlock()
		if err != nil {
			return err
		}
	}
}

// view runs fn in a read-only transaction; found is false when there is no store yet.
func (o *Outbox) view(fn func(tx *bolt.Tx) error) (found bool, err error) {
	o.dbMu.RLock()
	defer o.dbMu.RUnlock()
	if o.closed {
		return false, ErrClosed
	}
	if o.db == nil {
		return false, nil
	}
	return true, o.db.View(fn)
}

// storeFailed records a write error: the outbox reports itself full until a write works.
func (o *Outbox) storeFailed(err error) {
	if errors.Is(err, ErrClosed) || errors.Is(err, ErrReadOnly) {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.storeErr == nil {
		o.log.Error("outbox store write failed; reporting the outbox as full until a write succeeds", "path", o.opts.Path, "error", err)
	}
	o.storeErr = err
	if !o.probing && !o.closing {
		o.probing = true
		o.workers.Add(1)
		go o.probe()
	}
}

func (o *Outbox) storeOK() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.storeErr != nil {
		o.log.Info("outbox store writable again", "path", o.opts.Path)
		o.storeErr = nil
	}
}

// probe tests a failing store with a small write until it works: nothing else may write
// while tagd refuses traffic because of it.
func (o *Outbox) probe() {
	defer o.workers.Done()
	t := time.NewTicker(o.opts.ProbeInterval)
	defer t.Stop()
	for {
		select {
		case <-o.quit:
			return
		case <-t.C:
		}
		err := o.write(false, func(tx *bolt.Tx) error {
			return tx.Bucket(bucketMeta).Put([]byte("probe"), []byte(o.now().UTC().Format(time.RFC3339Nano)))
		})
		if err == nil {
			o.mu.Lock()
			o.probing = false
			o.mu.Unlock()
			o.storeOK()
			return
		}
		if errors.Is(err, ErrClosed) {
			return
		}
	}
}

func (o *Outbox) observe(kind string, it *Item, status int, reason string) {
	if o.opts.Observe != nil {
		o.opts.Observe(Observation{Kind: kind, ID: it.ID, Tag: it.Tag, Host: it.Host, Status: status, Reason: reason})
	}
}

// startLocked starts host's worker if it has none; o.mu is held.
func (o *Outbox) startLocked(host string) *hostQueue {
	q := o.hosts[host]
	if q == nil {
		q = &hostQueue{wake: make(chan struct{}, 1)}
		o.hosts[host] = q
	}
	if !q.started && !o.opts.NoDelivery && !o.closing {
		q.started = true
		o.workers.Add(1)
		go o.work(host, q)
	}
	return q
}

func (q *hostQueue) poke() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// backlog is how many requests for host are pending.
func (o *Outbox) backlog(host string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	if q := o.hosts[host]; q != nil {
		return q.count
	}
	return 0
}

// pendingBytes is the size of all pending records.
func (o *Outbox) pendingBytes() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	var n int64
	for _, q := range o.hosts {
		n += q.bytes
	}
	return n
}

// enqueue stores a new item (pending or dead, per it.State) with one fsync and returns its
// ID. maxPending, when positive, refuses pending items that would grow the queue beyond it.
func (o *Outbox) enqueue(it *Item, maxPending int64) (uint64, error) {
	var size int
	// The queue may overshoot the cap by one item; from then on Full reports it.
	if it.State == Pending && maxPending > 0 {
		if cur := o.pendingBytes(); cur >= maxPending {
			return 0, fmt.Errorf("%w: %d bytes pending, max_queue_bytes is %d", ErrFull, cur, maxPending)
		}
	}
	err := o.write(true, func(tx *bolt.Tx) error {
		id, err := tx.Bucket(bucketMeta).NextSequence()
		if err != nil {
			return err
		}
		it.ID = id
		rec, err := encodeItem(it)
		if err != nil {
			return err
		}
		size = len(rec)
		if it.State == Dead {
			return tx.Bucket(bucketDead).Put(itemKey(id), rec)
		}
		hb, err := tx.Bucket(bucketPending).CreateBucketIfNotExists([]byte(it.Host))
		if err != nil {
			return err
		}
		return hb.Put(itemKey(id), rec)
	})
	if err != nil {
		o.storeFailed(err)
		return 0, err
	}
	o.storeOK()
	o.mu.Lock()
	if it.State == Dead {
		o.dead.count++
		o.dead.bytes += int64(size)
		o.totals.Dead++
	} else {
		q := o.startLocked(it.Host)
		q.count++
		q.bytes += int64(size)
		o.totals.Queued++
		q.poke()
	}
	o.mu.Unlock()
	if it.State == Dead {
		o.trimDead()
	}
	return it.ID, nil
}

// head returns the oldest pending item for host, or nil. An unreadable record is moved to
// dead letters so that it cannot block the host's queue.
func (o *Outbox) head(host string) (*Item, error) {
	var raw []byte
	var id uint64
	_, err := o.view(func(tx *bolt.Tx) error {
		hb := tx.Bucket(bucketPending).Bucket([]byte(host))
		if hb == nil {
			return nil
		}
		k, v := hb.Cursor().First()
		if k != nil {
			id, raw = keyID(k), append([]byte(nil), v...)
		}
		return nil
	})
	if err != nil || raw == nil {
		return nil, err
	}
	it, derr := decodeItem(raw)
	if derr == nil {
		return it, nil
	}
	o.log.Error("outbox: unreadable record; moving it to dead letters", "id", id, "host", host, "error", derr)
	bad := &Item{ID: id, State: Dead, Host: host, Body: raw, Unreadable: true, Reason: "unreadable record: " + derr.Error(), DeadAt: o.now()}
	err = o.settle(host, id, bad)
	return nil, err
}

// settle records the result of an attempt on pending item id of host: next == nil deletes
// it (delivered or dropped); a pending next replaces it; a dead next moves it to dead
// letters. Nothing happens if the item is no longer pending (dropped or replayed meanwhile).
func (o *Outbox) settle(host string, id uint64, next *Item) error {
	var oldSize, newSize int
	var found bool
	err := o.write(true, func(tx *bolt.Tx) error {
		oldSize, newSize, found = 0, 0, false
		hb := tx.Bucket(bucketPending).Bucket([]byte(host))
		if hb == nil {
			return nil
		}
		k := itemKey(id)
		old := hb.Get(k)
		if old == nil {
			return nil
		}
		found, oldSize = true, len(old)
		if next == nil {
			return hb.Delete(k)
		}
		rec, err := encodeItem(next)
		if err != nil {
			return err
		}
		newSize = len(rec)
		if next.State == Pending {
			return hb.Put(k, rec)
		}
		if err := hb.Delete(k); err != nil {
			return err
		}
		return tx.Bucket(bucketDead).Put(k, rec)
	})
	if err != nil {
		o.storeFailed(err)
		return err
	}
	o.storeOK()
	if !found {
		return nil
	}
	o.mu.Lock()
	q := o.hosts[host]
	if q == nil {
		q = o.startLocked(host)
	}
	q.count--
	q.bytes -= int64(oldSize)
	switch {
	case next == nil:
	case next.State == Pending:
		q.count++
		q.bytes += int64(newSize)
	default:
		o.dead.count++
		o.dead.bytes += int64(newSize)
		o.totals.Dead++
	}
	o.mu.Unlock()
	if next != nil && next.State == Dead {
		o.trimDead()
	}
	return nil
}

// trimDead evicts the oldest dead letters while they exceed MaxDeadBytes.
func (o *Outbox) trimDead() {
	o.mu.Lock()
	over := o.dead.bytes - o.opts.MaxDeadBytes
	o.mu.Unlock()
	if over <= 0 {
		return
	}
	var evicted []*Item
	var freed int64
	err := o.write(false, func(tx *bolt.Tx) error {
		evicted, freed = nil, 0
		c := tx.Bucket(bucketDead).Cursor()
		for k, v := c.First(); k != nil && freed < over; k, v = c.First() {
			it, err := decodeItem(v)
			if err != nil {
				it = &Item{ID: keyID(k), Reason: "unreadable record"}
			}
			freed += int64(len(v))
			evicted = append(evicted, it)
			if err := c.Delete(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		o.storeFailed(err)
		return
	}
	o.mu.Lock()
	o.dead.count -= len(evicted)
	o.dead.bytes -= freed
	o.totals.Evicted += uint64(len(evicted))
	o.mu.Unlock()
	for _, it := range evicted {
		o.log.Warn("outbox: dead letter evicted to stay under max_dead_bytes", "id", it.ID, "tag", it.Tag, "host", it.Host, "reason", it.Reason, "max_dead_bytes", o.opts.MaxDeadBytes)
		o.observe("evicted", it, it.LastStatus, it.Reason)
	}
}

// Stats returns counts and totals.
func (o *Outbox) Stats() Stats {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := Stats{Path: o.opts.Path, Dead: o.dead.count, DeadBytes: o.dead.bytes, Totals: o.totals}
	for host, q := range o.hosts {
		if q.count == 0 {
			continue
		}
		if s.Hosts == nil {
			s.Hosts = map[string]int{}
		}
		s.Hosts[host] = q.count
		s.Pending += q.count
		s.PendingBytes += q.bytes
	}
	if o.storeErr != nil {
		s.StoreError = o.storeErr.Error()
	}
	return s
}

// StoreError is the last write error while the store is failing, else nil.
func (o *Outbox) StoreError() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.storeErr
}

// each calls fn for every stored item matching f, pending (by host, then ID) before dead.
func (o *Outbox) each(tx *bolt.Tx, f Filter, fn func(it *Item, size int) bool) {
	visit := func(b *bolt.Bucket) bool {
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			it, err := decodeItem(v)
			if err != nil {
				continue
			}
			if f.match(it) && !fn(it, len(v)) {
				return false
			}
		}
		return true
	}
	if f.State == "" || f.State == Pending {
		if p := tx.Bucket(bucketPending); p != nil {
			var hosts []string
			_ = p.ForEach(func(k, v []byte) error {
				if v == nil {
					hosts = append(hosts, string(k))
				}
				return nil
			})
			for _, h := range hosts {
				if !visit(p.Bucket([]byte(h))) {
					return
				}
			}
		}
	}
	if f.State == "" || f.State == Dead {
		if d := tx.Bucket(bucketDead); d != nil {
			visit(d)
		}
	}
}

// List returns summaries of matching items, ordered by ID.
func (o *Outbox) List(f Filter) ([]Summary, error) {
	var out []Summary
	_, err := o.view(func(tx *bolt.Tx) error {
		o.each(tx, f, func(it *Item, size int) bool {
			out = append(out, it.Summary(size))
			return true
		})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("outbox list: %w", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

// Get returns one item with its request.
func (o *Outbox) Get(id uint64) (*Item, error) {
	var found *Item
	_, err := o.view(func(tx *bolt.Tx) error {
		k := itemKey(id)
		if v := tx.Bucket(bucketDead).Get(k); v != nil {
			it, err := decodeItem(v)
			found = it
			return err
		}
		p := tx.Bucket(bucketPending)
		return p.ForEach(func(host, v []byte) error {
			if v != nil || found != nil {
				return nil
			}
			if rec := p.Bucket(host).Get(k); rec != nil {
				it, err := decodeItem(rec)
				found = it
				return err
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("outbox item %d: %w", id, err)
	}
	if found == nil {
		return nil, fmt.Errorf("outbox item %d: %w", id, ErrNotFound)
	}
	return found, nil
}

// Replay sends dead letter id again under its policy, from its first attempt on; a pending
// item is made due now. It returns the item as it is now queued.
func (o *Outbox) Replay(id uint64) (*Item, error) {
	n, items, err := o.apply([]uint64{id}, nil, o.replayTx)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, fmt.Errorf("outbox item %d: %w", id, ErrNotFound)
	}
	return items[0], nil
}

// ReplayAll replays every dead letter matching f (f.State is ignored).
func (o *Outbox) ReplayAll(f Filter) (int, error) {
	f.State = Dead
	n, _, err := o.apply(nil, &f, o.replayTx)
	return n, err
}

// Drop deletes item id, pending or dead.
func (o *Outbox) Drop(id uint64) error {
	n, _, err := o.apply([]uint64{id}, nil, o.dropTx)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("outbox item %d: %w", id, ErrNotFound)
	}
	return nil
}

// DropAll deletes every item matching f.
func (o *Outbox) DropAll(f Filter) (int, error) {
	n, _, err := o.apply(nil, &f, o.dropTx)
	return n, err
}

// change is what one replay or drop did, applied to the counters after commit.
type change struct {
	it              *Item
	from            State
	fromHost        string
	oldSize, nwSize int
	to              State // "" = deleted
}

type txOp func(tx *bolt.Tx, it *Item, oldSize int) (change, error)

// apply runs op on the items named by ids, or on those matching f, in one transaction.
func (o *Outbox) apply(ids []uint64, f *Filter, op txOp) (int, []*Item, error) {
	var changes []change
	err := o.write(false, func(tx *bolt.Tx) error {
		changes = nil
		type target struct {
			it   *Item
			size int
		}
		var targets []target
		if f != nil {
			o.each(tx, *f, func(it *Item, size int) bool {
				targets = append(targets, target{it, size})
				return true
			})
		}
		for _, id := range ids {
			it, size := o.lookupTx(tx, id)
			if it != nil {
				targets = append(targets, target{it, size})
			}
		}
		for _, t := range targets {
			ch, err := op(tx, t.it, t.size)
			if err != nil {
				return err
			}
			changes = append(changes, ch)
		}
		return nil
	})
	if err != nil {
		if !errors.Is(err, ErrReadOnly) && !errors.Is(err, ErrClosed) {
			o.storeFailed(err)
		}
		return 0, nil, err
	}
	o.mu.Lock()
	var items []*Item
	var wake []*hostQueue
	for _, ch := range changes {
		items = append(items, ch.it)
		if ch.from == Dead {
			o.dead.count--
			o.dead.bytes -= int64(ch.oldSize)
		} else if q := o.hosts[ch.fromHost]; q != nil {
			q.count--
			q.bytes -= int64(ch.oldSize)
		}
		switch ch.to {
		case Pending:
			q := o.startLocked(ch.it.Host)
			q.count++
			q.bytes += int64(ch.nwSize)
			wake = append(wake, q)
			o.totals.Replayed++
		case "":
			o.totals.Dropped++
		}
	}
	o.mu.Unlock()
	for _, q := range wake {
		q.poke()
	}
	for _, ch := range changes {
		kind := "dropped"
		if ch.to == Pending {
			kind = "replayed"
		}
		o.log.Info("outbox item "+kind, "id", ch.it.ID, "tag", ch.it.Tag, "host", ch.it.Host, "was", string(ch.from))
		o.observe(kind, ch.it, ch.it.LastStatus, "")
	}
	return len(changes), items, nil
}

// lookupTx finds item id in either state.
func (o *Outbox) lookupTx(tx *bolt.Tx, id uint64) (*Item, int) {
	k := itemKey(id)
	if v := tx.Bucket(bucketDead).Get(k); v != nil {
		if it, err := decodeItem(v); err == nil {
			return it, len(v)
		}
		return &Item{ID: id, State: Dead}, len(v)
	}
	var found *Item
	size := 0
	p := tx.Bucket(bucketPending)
	_ = p.ForEach(func(host, v []byte) error {
		if v != nil || found != nil {
			return nil
		}
		if rec := p.Bucket(host).Get(k); rec != nil {
			if it, err := decodeItem(rec); err == nil {
				found, size = it, len(rec)
			} else {
				found, size = &Item{ID: id, State: Pending, Host: string(host)}, len(rec)
			}
		}
		return nil
	})
	return found, size
}

func (o *Outbox) replayTx(tx *bolt.Tx, it *Item, oldSize int) (change, error) {
	ch := change{from: it.State, fromHost: it.Host, oldSize: oldSize, to: Pending}
	if it.Unreadable || it.Method == "" || it.URL == "" || it.Host == "" {
		return ch, fmt.Errorf("outbox item %d is unreadable and cannot be replayed; drop it", it.ID)
	}
	k := itemKey(it.ID)
	if it.State == Dead {
		if err := tx.Bucket(bucketDead).Delete(k); err != nil {
			return ch, err
		}
		it.Attempts = 0
		it.Reason = ""
		it.DeadAt = time.Time{}
		it.Replays++
		// A replay gets the policy's full attempts again but keeps its age: vendors judge
		// an event by when it happened.
	}
	it.State = Pending
	it.NotBefore = o.now()
	rec, err := encodeItem(it)
	if err != nil {
		return ch, err
	}
	hb, err := tx.Bucket(bucketPending).CreateBucketIfNotExists([]byte(it.Host))
	if err != nil {
		return ch, err
	}
	ch.it, ch.nwSize = it, len(rec)
	return ch, hb.Put(k, rec)
}

func (o *Outbox) dropTx(tx *bolt.Tx, it *Item, oldSize int) (change, error) {
	ch := change{it: it, from: it.State, fromHost: it.Host, oldSize: oldSize}
	k := itemKey(it.ID)
	if it.State == Dead {
		return ch, tx.Bucket(bucketDead).Delete(k)
	}
	hb := tx.Bucket(bucketPending).Bucket([]byte(it.Host))
	if hb == nil {
		return ch, nil
	}
	return ch, hb.Delete(k)
}

// Close stops the outbox: it waits (up to ctx) for requests that are between their first
// attempt and their write, lets background sends finish (up to ctx, then cancels them; a
// cancelled send stays pending and is sent again after a restart), and closes the store.
// Everything queued is on disk when Close returns.
func (o *Outbox) Close(ctx context.Context) error {
	o.mu.Lock()
	if o.closing {
		o.mu.Unlock()
		return nil
	}
	o.closing = true
	if o.active == 0 {
		close(o.idle)
	}
	o.mu.Unlock()
	var errs []error
	select {
	case <-o.idle:
	case <-ctx.Done():
		o.mu.Lock()
		n := o.active
		o.mu.Unlock()
		errs = append(errs, fmt.Errorf("outbox: %d requests still in their first attempt at the shutdown deadline", n))
	}
	close(o.quit)
	done := make(chan struct{})
	go func() { o.workers.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		o.cancelSend()
		<-done
	}
	o.cancelSend()
	o.dbMu.Lock()
	defer o.dbMu.Unlock()
	o.closed = true
	if o.db != nil {
		if err := o.db.Close(); err != nil {
			errs = append(errs, fmt.Errorf("outbox: closing %s: %w", o.opts.Path, err))
		}
		o.db = nil
	}
	return errors.Join(errs...)
}

// begin and end bracket a Do call's first attempt so Close can wait for its write.
func (o *Outbox) begin() {
	o.mu.Lock()
	o.active++
	o.mu.Unlock()
}

func (o *Outbox) end() {
	o.mu.Lock()
	o.active--
	if o.active == 0 && o.closing {
		select {
		case <-o.idle:
		default:
			close(o.idle)
		}
	}
	o.mu.Unlock()
}
