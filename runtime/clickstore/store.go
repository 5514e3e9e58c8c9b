package clickstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// FileName is the store's file inside the data directory.
const FileName = "clicks.db"

var (
	bucketClicks      = []byte("clicks")
	bucketConversions = []byte("conversions")
)

// MaxIDBytes bounds a click ID: ids come back from outside (postbacks), and a key that long
// is never one we minted.
const MaxIDBytes = 128

// ErrClosed is returned by a handle after Close.
var ErrClosed = errors.New("clickstore: store is closed")

// Click is one tracked click on a link.
type Click struct {
	ID          string            `json:"id"`
	Link        string            `json:"link"`
	Time        time.Time         `json:"time"`
	Campaign    string            `json:"campaign,omitempty"`
	Affiliate   string            `json:"affiliate,omitempty"`
	Params      map[string]string `json:"params,omitempty"` // the click URL's query parameters
	IP          string            `json:"ip,omitempty"`
	UserAgent   string            `json:"user_agent,omitempty"`
	Referrer    string            `json:"referrer,omitempty"`
	FBCLID      string            `json:"fbclid,omitempty"`
	GCLID       string            `json:"gclid,omitempty"`
	TTCLID      string            `json:"ttclid,omitempty"`
	Fbc         string            `json:"fbc,omitempty"` // _fbc value valid for this click
	Fbp         string            `json:"fbp,omitempty"` // _fbp value of the browser
	Destination string            `json:"destination,omitempty"`
	// Expires is when the record may be purged.
	Expires time.Time `json:"expires"`
}

// ConversionKey identifies one reported conversion: the first report wins, later ones with
// the same key are duplicates.
type ConversionKey struct {
	ClickID       string
	Event         string
	TransactionID string
}

func (k ConversionKey) bytes() []byte {
	return []byte(k.ClickID + "\x00" + k.Event + "\x00" + k.TransactionID)
}

type conversionRecord struct {
	Time    time.Time `json:"time"`
	Expires time.Time `json:"expires"`
}

// shared is one open bbolt file and the handles using it.
type shared struct {
	db   *bolt.DB
	refs int
	stop chan struct{}
	done chan struct{}
}

var (
	regMu    sync.Mutex
	registry = map[string]*shared{}
)

// PurgeInterval is how often an open store deletes expired records.
const PurgeInterval = time.Hour

// Store is a handle on the click store of one data directory. Handles on the same
// directory share one open file; the file is closed when the last handle is closed.
type Store struct {
	path   string
	mu     sync.Mutex
	sh     *shared
	closed bool
}

// Open returns a handle on dir/clicks.db, creating the directory and the file if needed.
func Open(dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("clickstore: no data directory (set server.data_dir)")
	}
	abs, err := filepath.Abs(filepath.Join(dir, FileName))
	if err != nil {
		return nil, fmt.Errorf("clickstore: %w", err)
	}
	regMu.Lock()
	defer regMu.Unlock()
	if sh, ok := registry[abs]; ok {
		sh.refs++
		return &Store{path: abs, sh: sh}, nil
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, fmt.Errorf("clickstore: creating data directory: %w", err)
	}
	db, err := bolt.Open(abs, 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("clickstore: opening %s: %w", abs, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketClicks, bucketConversions} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("clickstore: preparing %s: %w", abs, err)
	}
	sh := &shared{db: db, refs: 1, stop: make(chan struct{}), done: make(chan struct{})}
	go sh.purgeLoop(abs)
	registry[abs] = sh
	return &Store{path: abs, sh: sh}, nil
}

// purgeLoop deletes expired records periodically for as long as the file is open; it is
// the only goroutine the package starts and it ends when the last handle closes.
func (sh *shared) purgeLoop(path string) {
	defer close(sh.done)
	t := time.NewTicker(PurgeInterval)
	defer t.Stop()
	for {
		select {
		case <-sh.stop:
			return
		case now := <-t.C:
			if n, err := purge(sh.db, now); err != nil {
				slog.Warn("clickstore: purging expired records", "file", path, "error", err)
			} else if n > 0 {
				slog.Debug("clickstore: purged expired records", "file", path, "records", n)
			}
		}
	}
}

// Path is the store's file.
func (s *Store) Path() string { return s.path }

// Close releases the handle. It is safe to call more than once.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	regMu.Lock()
	defer regMu.Unlock()
	s.sh.refs--
	if s.sh.refs > 0 {
		return nil
	}
	delete(registry, s.path)
	close(s.sh.stop)
	<-s.sh.done
	if err := s.sh.db.Close(); err != nil {
		return fmt.Errorf("clickstore: closing %s: %w", s.path, err)
	}
	return nil
}

func (s *Store) db() (*bolt.DB, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	return s.sh.db, nil
}

// PutClick stores c under c.ID, replacing any earlier record with that ID.
func (s *Store) PutClick(c Click) error {
	if c.ID == "" || len(c.ID) > MaxIDBytes {
		return fmt.Errorf("clickstore: click id must be 1 to %d bytes", MaxIDBytes)
	}
	db, err := s.db()
	if err != nil {
		return err
	}
	b, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("clickstore: encoding click %s: %w", c.ID, err)
	}
	// Batch coalesces concurrent clicks into one fsync.
	err = db.Batch(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketClicks).Put([]byte(c.ID), b)
	})
	if err != nil {
		return fmt.Errorf("clickstore: storing click %s: %w", c.ID, err)
	}
	return nil
}

// Click returns the click stored under id. An expired click that was not purged yet is
// reported as not found.
func (s *Store) Click(id string, now time.Time) (Click, bool, error) {
	if id == "" || len(id) > MaxIDBytes {
		return Click{}, false, nil
	}
	db, err := s.db()
	if err != nil {
		return Click{}, false, err
	}
	var raw []byte
	err = db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketClicks).Get([]byte(id)); v != nil {
			raw = append([]byte(nil), v...)
		}
		return nil
	})
	if err != nil {
		return Click{}, false, fmt.Errorf("clickstore: reading click %s: %w", id, err)
	}
	if raw == nil {
		return Click{}, false, nil
	}
	var c Click
	if err := json.Unmarshal(raw, &c); err != nil {
		return Click{}, false, fmt.Errorf("clickstore: click %s is corrupt: %w", id, err)
	}
	if !c.Expires.IsZero() && !now.Before(c.Expires) {
		return Click{}, false, nil
	}
	return c, true, nil
}

// RecordConversion remembers k until now+ttl. It reports duplicate when k was already
// recorded and has not expired; the check and the write are one transaction, so of two
// concurrent reports exactly one is first.
func (s *Store) RecordConversion(k ConversionKey, now time.Time, ttl time.Duration) (duplicate bool, err error) {
	db, err := s.db()
	if err != nil {
		return false, err
	}
	key := k.bytes()
	rec, err := json.Marshal(conversionRecord{Time: now.UTC(), Expires: now.Add(ttl).UTC()})
	if err != nil {
		return false, fmt.Errorf("clickstore: encoding conversion: %w", err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketConversions)
		if v := b.Get(key); v != nil {
			var old conversionRecord
			if json.Unmarshal(v, &old) == nil && now.Before(old.Expires) {
				duplicate = true
				return nil
			}
		}
		return b.Put(key, rec)
	})
	if err != nil {
		return false, fmt.Errorf("clickstore: recording conversion for click %s: %w", k.ClickID, err)
	}
	return duplicate, nil
}

// ForgetConversion removes k, so that a conversion whose processing failed can be
// reported again.
func (s *Store) ForgetConversion(k ConversionKey) error {
	db, err := s.db()
	if err != nil {
		return err
	}
	err = db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketConversions).Delete(k.bytes()) })
	if err != nil {
		return fmt.Errorf("clickstore: forgetting conversion for click %s: %w", k.ClickID, err)
	}
	return nil
}

// Purge deletes every click and conversion record that expired at now and returns how
// many it deleted. Open handles run it every PurgeInterval.
func (s *Store) Purge(now time.Time) (int, error) {
	db, err := s.db()
	if err != nil {
		return 0, err
	}
	return purge(db, now)
}

func purge(db *bolt.DB, now time.Time) (int, error) {
	n := 0
	err := db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketClicks, bucketConversions} {
			b := tx.Bucket(name)
			var dead [][]byte
			err := b.ForEach(func(k, v []byte) error {
				var rec struct {
					Expires time.Time `json:"expires"`
				}
				// A record that does not decode is unusable: drop it too.
				if json.Unmarshal(v, &rec) != nil || (!rec.Expires.IsZero() && !now.Before(rec.Expires)) {
					dead = append(dead, append([]byte(nil), k...))
				}
				return nil
			})
			if err != nil {
				return err
			}
			for _, k := range dead {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
			n += len(dead)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("clickstore: purge: %w", err)
	}
	return n, nil
}
