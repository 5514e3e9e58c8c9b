package metrics

import "sync"

// Other is the label value that stands for every value past a label's limit.
const Other = "other"

// labelSet bounds the distinct values of one label. Event names and outbound hosts come
// from outside (a GA4 hit may carry any en=, a template may call any host), and every
// distinct value is a time series kept forever: past the limit new values become "other".
type labelSet struct {
	mu   sync.Mutex
	seen map[string]struct{}
	max  int
}

func newLabelSet(max int) *labelSet {
	return &labelSet{seen: map[string]struct{}{}, max: max}
}

// value returns v if it is already known or there is room for it, else Other.
func (l *labelSet) value(v string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.seen[v]; ok {
		return v
	}
	if len(l.seen) >= l.max {
		return Other
	}
	l.seen[v] = struct{}{}
	return v
}
