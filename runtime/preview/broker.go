package preview

import "sync"

// subBuffer is how many summaries a subscriber may fall behind before it is dropped.
const subBuffer = 256

// broker fans summaries out to subscribers without ever blocking the publisher: a full
// subscriber is closed instead, and its stream reconnects and re-reads the list.
type broker struct {
	mu     sync.Mutex
	subs   map[chan Summary]struct{}
	closed bool
}

func (b *broker) init() { b.subs = map[chan Summary]struct{}{} }

func (b *broker) subscribe() (<-chan Summary, func()) {
	ch := make(chan Summary, subBuffer)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		close(ch)
		return ch, func() {}
	}
	b.subs[ch] = struct{}{}
	return ch, func() { b.drop(ch) }
}

func (b *broker) drop(ch chan Summary) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.subs[ch]; ok {
		delete(b.subs, ch)
		close(ch)
	}
}

func (b *broker) publish(s Summary) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs {
		select {
		case ch <- s:
		default:
			delete(b.subs, ch)
			close(ch)
		}
	}
}

func (b *broker) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	for ch := range b.subs {
		delete(b.subs, ch)
		close(ch)
	}
}
