package dedup

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

var (
	bucketKeys   = []byte("keys")   // key → first-seen and expiry (unix nanos, big-endian)
	bucketExpiry = []byte("expiry") // expiry + key → nil, to purge in expiry order
)

// Disk is a store in a bbolt file: the window survives restarts. Writes are batched and
// fsynced; expired keys are purged in the background.
type Disk struct {
	db   *bolt.DB
	quit chan struct{}
	done sync.WaitGroup
	once sync.Once
}

// OpenDisk opens (creating it and its directory) the store at path and purges expired
// keys every purgeEvery (0 means one minute).
func OpenDisk(path string, purgeEvery time.Duration) (*Disk, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("dedup store: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("dedup store %s: locked by another process", path)
		}
		return nil, fmt.Errorf("dedup store %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketKeys, bucketExpiry} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("dedup store %s: %w", path, err)
	}
	if purgeEvery <= 0 {
		purgeEvery = time.Minute
	}
	d := &Disk{db: db, quit: make(chan struct{})}
	d.done.Add(1)
	go d.purgeLoop(purgeEvery)
	return d, nil
}

func (d *Disk) purgeLoop(every time.Duration) {
	defer d.done.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-d.quit:
			return
		case now := <-t.C:
			_, _ = d.Purge(now)
		}
	}
}

// Purge deletes keys expired at now and returns how many.
func (d *Disk) Purge(now time.Time) (int, error) {
	n := 0
	err := d.db.Update(func(tx *bolt.Tx) error {
		n = 0
		keys, exp := tx.Bucket(bucketKeys), tx.Bucket(bucketExpiry)
		c := exp.Cursor()
		limit := uint64(now.UnixNano())
		for k, _ := c.First(); k != nil && len(k) >= 8 && binary.BigEndian.Uint64(k) <= limit; k, _ = c.First() {
			key := k[8:]
			if v := keys.Get(key); len(v) == 16 && binary.BigEndian.Uint64(v[8:]) == binary.BigEndian.Uint64(k) {
				if err := keys.Delete(key); err != nil {
					return err
				}
			}
			if err := c.Delete(); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// Remember implements Store. Concurrent copies of one key land in the same batch or in
// successive ones, so exactly one of them is the first.
func (d *Disk) Remember(_ context.Context, key string, now time.Time, ttl time.Duration) (bool, time.Time, error) {
	var seen bool
	var first time.Time
	err := d.db.Batch(func(tx *bolt.Tx) error {
		keys, exp := tx.Bucket(bucketKeys), tx.Bucket(bucketExpiry)
		if v := keys.Get([]byte(key)); len(v) == 16 {
			f := int64(binary.BigEndian.Uint64(v[:8]))
			e := int64(binary.BigEndian.Uint64(v[8:]))
			if now.UnixNano() < e {
				seen, first = true, time.Unix(0, f)
				return nil
			}
		}
		seen, first = false, now
		expires := now.Add(ttl).UnixNano()
		v := make([]byte, 16)
		binary.BigEndian.PutUint64(v[:8], uint64(now.UnixNano()))
		binary.BigEndian.PutUint64(v[8:], uint64(expires))
		if err := keys.Put([]byte(key), v); err != nil {
			return err
		}
		ek := make([]byte, 8+len(key))
		binary.BigEndian.PutUint64(ek[:8], uint64(expires))
		copy(ek[8:], key)
		return exp.Put(ek, nil)
	})
	if err != nil {
		return false, time.Time{}, fmt.Errorf("dedup store: %w", err)
	}
	return seen, first, nil
}

// Len implements Store.
func (d *Disk) Len() int {
	n := 0
	_ = d.db.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketKeys).Stats().KeyN
		return nil
	})
	return n
}

// Close implements Store.
func (d *Disk) Close() error {
	var err error
	d.once.Do(func() {
		close(d.quit)
		d.done.Wait()
		err = d.db.Close()
	})
	return err
}
