package api

import (
	"fmt"
	"sync"

	"github.com/dop251/goja"
	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/sandbox"
	"github.com/tagd-dev/tagd/templates"
)

// Messages travel over the exchange's message bus, so Go clients and templates can talk
// to each other. A template's listener runs on that template's own event loop: a message
// sent from another template (another runtime, another goroutine) is queued there and
// runs right after the sender's current code, not inside the sendMessage call as in sGTM.
// Queued delivery keeps runtimes single-threaded and cannot deadlock; the order of
// deliveries and of runContainer's onComplete (which comes after every tag finished) is
// kept.

const localPump = "tagd.messagePump"

func init() {
	sandbox.RegisterPermission("use_message", newUseMessage)
	register("addMessageListener", "use_message", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		msgType := jsString(c.Argument(0))
		vu.MustCheck("addMessageListener", "use_message", "listen", msgType)
		cb, ok := goja.AssertFunction(c.Argument(1))
		if !ok {
			vu.Throwf("addMessageListener: the listener must be a function, not %s", TypeOf(c.Argument(1)))
		}
		ex := vu.Exec()
		x := ex.Exchange()
		if x == nil {
			return undef
		}
		p := messagePump(vu)
		// A tag has no runContainer to keep its loop alive: hold it open until its event
		// ends, so messages sent meanwhile reach it.
		if ex.Kind() == templates.KindTag && ex.EC != nil && !detached(ex) && !p.tagHeld {
			p.tagHeld = true
			p.acquire()
			release := vu.Register()
			ex.EC.AddEventCallback(func(string, map[string]any) { release(p.release) })
		}
		rt := vu.Runtime()
		logger := vu.Logger()
		name := ex.Name
		x.AddMessageListener(msgType, func(t string, msg any) {
			ok := p.post(func() {
				vu.RunTask(func() error {
					_, err := cb(goja.Undefined(), rt.ToValue(t), vu.ToJS(msg))
					return err
				})
			})
			if !ok {
				logger.Debug("message dropped: the listening template is no longer running", "listener", name, "type", t)
			}
		})
		return undef
	})
	register("hasMessageListener", "use_message", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		msgType := jsString(c.Argument(0))
		vu.MustCheck("hasMessageListener", "use_message", "listen", msgType)
		x := vu.Exec().Exchange()
		return vu.Runtime().ToValue(x != nil && x.HasMessageListener(msgType))
	})
	register("sendMessage", "use_message", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		msgType := jsString(c.Argument(0))
		vu.MustCheck("sendMessage", "use_message", "send", msgType)
		// Non-object messages are ignored, as documented.
		msg := sandbox.FromJS(c.Argument(1))
		switch msg.(type) {
		case map[string]any, []any:
		default:
			return undef
		}
		if x := vu.Exec().Exchange(); x != nil {
			x.SendMessage(msgType, msg)
		}
		return undef
	})
}

// pump hands work from any goroutine to one execution's event loop. While it has holders
// (running runContainer calls, a tag's unfinished event) it keeps one loop slot reserved;
// posting uses that slot and the drain, running on the loop, reserves the next one.
type pump struct {
	vu       *sandbox.VU
	tagHeld  bool // loop goroutine only
	mu       sync.Mutex
	slot     func(func())
	queue    []func()
	holders  int
	draining bool
}

// messagePump returns the execution's pump (loop goroutine only).
func messagePump(vu *sandbox.VU) *pump {
	ex := vu.Exec()
	if p, ok := ex.Locals[localPump].(*pump); ok {
		return p
	}
	if ex.Locals == nil {
		ex.Locals = map[string]any{}
	}
	p := &pump{vu: vu}
	ex.Locals[localPump] = p
	return p
}

// acquire adds a holder (loop goroutine only).
func (p *pump) acquire() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.holders++
	if p.slot == nil && !p.draining {
		p.slot = p.vu.Register()
	}
}

// release drops a holder and, with the last one, the reserved slot (loop goroutine only).
func (p *pump) release() {
	p.mu.Lock()
	p.holders--
	var s func(func())
	if p.holders <= 0 && p.slot != nil {
		s, p.slot = p.slot, nil
	}
	p.mu.Unlock()
	if s != nil {
		s(nil)
	}
}

// post queues work for the loop, from any goroutine. It reports false when the loop will
// not run it (no holder is left).
func (p *pump) post(work func()) bool {
	p.mu.Lock()
	if p.slot == nil && !p.draining {
		p.mu.Unlock()
		return false
	}
	p.queue = append(p.queue, work)
	var s func(func())
	if p.slot != nil {
		s, p.slot, p.draining = p.slot, nil, true
	}
	p.mu.Unlock()
	if s != nil {
		s(p.drain)
	}
	return true
}

// drain runs the queued work on the loop, reserving the next slot first so that work
// posted meanwhile is not lost.
func (p *pump) drain() {
	p.mu.Lock()
	work := p.queue
	p.queue, p.draining = nil, false
	if p.holders > 0 {
		p.slot = p.vu.Register()
	}
	p.mu.Unlock()
	markBodyReturned(p.vu)
	for _, w := range work {
		w()
	}
}

// use_message: allowedActions any | specific with messageTypes [{type, action}], action
// listen | send | listen_and_send; type "*" matches every type [inf]. Arguments:
// ('listen'|'send', messageType).
func newUseMessage(p map[string]any) (sandbox.Checker, error) {
	if sandbox.ParamString(p, "allowedActions") == "any" {
		return func(...any) error { return nil }, nil
	}
	type rule struct{ typ, action string }
	var rules []rule
	for i, it := range sandbox.ParamList(p, "messageTypes") {
		m, ok := it.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("messageTypes item %d is not a map", i+1)
		}
		t, _ := m["type"].(string)
		a, _ := m["action"].(string)
		switch a {
		case "listen", "send", "listen_and_send":
		default:
			return nil, fmt.Errorf("messageTypes item %d: action %q is not listen, send or listen_and_send", i+1, a)
		}
		rules = append(rules, rule{t, a})
	}
	return func(args ...any) error {
		usage, _ := firstString(args)
		msgType := ""
		if len(args) > 1 {
			msgType = runtime.Stringify(args[1])
		}
		if usage != "listen" && usage != "send" {
			return fmt.Errorf("unknown message usage %q (want listen or send)", usage)
		}
		for _, r := range rules {
			if (r.typ == "*" || r.typ == msgType) && (r.action == usage || r.action == "listen_and_send") {
				return nil
			}
		}
		return fmt.Errorf("%s on message type %q is not allowed", usage, msgType)
	}, nil
}
