package dedup

import (
	"context"
	"sync"
	"time"
)

// Memory is a per-process store bounded by MaxKeys: when full it drops expired keys and
// then, if it must, the oldest ones (counted in Evicted).
type Memory struct {
	mu      sync.Mutex
	max     int
	keys    map[string]entry
	order   []queued // insertion order, for expiry and eviction
	head    int
	evicted uint64
}

type entry struct{ first, expires time.Time }

type queued struct {
	key     string
	expires time.Time
}

// NewMemory returns an empty store; maxKeys ≤ 0 means DefaultMaxKeys.
func NewMemory(maxKeys int) *Memory {
	if maxKeys <= 0 {
		maxKeys = DefaultMaxKeys
	}
	return &Memory{max: maxKeys, keys: map[string]entry{}}
}

// Remember implements Store.
func (m *Memory) Remember(_ context.Context, key string, now time.Time, ttl time.Duration) (bool, time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.keys[key]; ok && now.Before(e.expires) {
		return true, e.first, nil
	}
	m.purge(now)
	for len(m.keys) >= m.max && m.head < len(m.order) {
		m.drop(m.order[m.head])
		m.head++
		m.evicted++
	}
	e := entry{first: now, expires: now.Add(ttl)}
	m.keys[key] = e
	m.order = append(m.order, queued{key, e.expires})
	m.compact()
	return false, now, nil
}

// purge drops expired keys from the front of the queue. Expiry follows insertion order
// unless the TTL changed on a reload; a key that outlives its neighbours just waits longer.
func (m *Memory) purge(now time.Time) {
	for m.head < len(m.order) && !now.Before(m.order[m.head].expires) {
		m.drop(m.order[m.head])
		m.head++
	}
}

// drop removes q's key unless it was re-added later (then q is a stale queue entry).
func (m *Memory) drop(q queued) {
	if e, ok := m.keys[q.key]; ok && e.expires.Equal(q.expires) {
		delete(m.keys, q.key)
	}
}

func (m *Memory) compact() {
	if m.head > 1024 && m.head*2 > len(m.order) {
		m.order = append([]queued(nil), m.order[m.head:]...)
		m.head = 0
	}
}

// Len implements Store.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.keys)
}

// Evicted is how many unexpired keys were dropped because the store was full.
func (m *Memory) Evicted() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.evicted
}

// Close implements Store.
func (m *Memory) Close() error { return nil }
