package runtime

import "sync"

// TemplateStorage is sGTM's templateDataStorage: a process-wide map per template that
// survives reloads, with copy semantics. It is bounded so a template cannot grow it without
// limit: past MaxKeys per template the oldest-written key is evicted.
type TemplateStorage struct {
	mu      sync.Mutex
	MaxKeys int
	data    map[string]*nsStore
}

type nsStore struct {
	items map[string]any
	order []string
}

// NewTemplateStorage returns an empty store.
func NewTemplateStorage(maxKeys int) *TemplateStorage {
	if maxKeys <= 0 {
		maxKeys = 10000
	}
	return &TemplateStorage{MaxKeys: maxKeys, data: map[string]*nsStore{}}
}

// Get returns a copy of the stored value.
func (s *TemplateStorage) Get(ns, key string) (any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.data[ns]
	if st == nil {
		return nil, false
	}
	v, ok := st.items[key]
	return DeepCopy(v), ok
}

// Set stores a copy of v.
func (s *TemplateStorage) Set(ns, key string, v any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.data[ns]
	if st == nil {
		st = &nsStore{items: map[string]any{}}
		s.data[ns] = st
	}
	if _, ok := st.items[key]; !ok {
		st.order = append(st.order, key)
	}
	st.items[key] = DeepCopy(v)
	for len(st.items) > s.MaxKeys && len(st.order) > 0 {
		old := st.order[0]
		st.order = st.order[1:]
		delete(st.items, old)
	}
}

// Remove deletes a key.
func (s *TemplateStorage) Remove(ns, key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.data[ns]; st != nil {
		delete(st.items, key)
		for i, k := range st.order {
			if k == key {
				st.order = append(st.order[:i], st.order[i+1:]...)
				break
			}
		}
	}
}

// Clear removes all keys of a namespace.
func (s *TemplateStorage) Clear(ns string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.data, ns)
}
