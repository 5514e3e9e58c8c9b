package runtime

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sync"
)

// Exchange is one inbound HTTP request while it is being handled: the request, the staged
// response, who claimed it, and the message bus between its client and tags.
type Exchange struct {
	ID        string
	Request   *Request
	Container *Container
	Preview   bool   // a preview/debug request
	Trace     *Trace // set when this request is captured for preview; nil otherwise

	resp *Response

	mu        sync.Mutex
	claimedBy string
	clientRet bool // the claiming client's body returned
	listeners map[string][]func(msgType string, msg any)
	events    []*EventResult
	wg        sync.WaitGroup // running RunContainer calls
}

// NewExchange prepares an exchange for one request on a container generation.
func NewExchange(req *Request, c *Container) *Exchange {
	return &Exchange{ID: newID(), Request: req, Container: c, resp: newResponse()}
}

func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Response returns the staged response.
func (x *Exchange) Response() *Response { return x.resp }

// Errors returned by Claim and RunContainer mirror sGTM's messages.
var (
	ErrAlreadyClaimed = errors.New("request already claimed")
	ErrClaimLate      = errors.New("Tried to claim a request after a Client had returned. Calling claimRequest from a callback is not supported.")
	ErrNotClaimed     = errors.New("Request must be claimed before calling runContainer.")
)

// Claim marks client as the owner of the request.
func (x *Exchange) Claim(client string) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.claimedBy != "" {
		if x.claimedBy == client {
			return nil
		}
		return ErrAlreadyClaimed
	}
	if x.clientRet {
		return ErrClaimLate
	}
	x.claimedBy = client
	return nil
}

// ClaimedBy returns the claiming client's name, or "".
func (x *Exchange) ClaimedBy() string {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.claimedBy
}

// AddMessageListener registers fn for messages of msgType sent by any template of this
// request.
func (x *Exchange) AddMessageListener(msgType string, fn func(msgType string, msg any)) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.listeners == nil {
		x.listeners = map[string][]func(string, any){}
	}
	x.listeners[msgType] = append(x.listeners[msgType], fn)
}

// HasMessageListener reports whether anyone listens for msgType.
func (x *Exchange) HasMessageListener(msgType string) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return len(x.listeners[msgType]) > 0
}

// SendMessage delivers msg to the listeners of msgType, each getting its own copy.
func (x *Exchange) SendMessage(msgType string, msg any) {
	x.mu.Lock()
	ls := append([]func(string, any){}, x.listeners[msgType]...)
	x.mu.Unlock()
	for _, fn := range ls {
		fn(msgType, DeepCopy(msg))
	}
}

// Events returns the results of the events run so far.
func (x *Exchange) Events() []*EventResult {
	x.mu.Lock()
	defer x.mu.Unlock()
	return append([]*EventResult(nil), x.events...)
}

// Wait blocks until every RunContainer call of this exchange has finished.
func (x *Exchange) Wait() { x.wg.Wait() }

// RunHooks are runContainer's onStart and onComplete.
type RunHooks struct {
	OnStart    func(ec *EventContext)
	OnComplete func(ec *EventContext)
}

// RunContainer runs one event through the container: triggers, variables, tags. It blocks
// until every fired tag has reported, the event's callbacks have been called and
// onComplete has run. The run takes ev over: the caller must not change it afterwards.
// Nothing in a run changes an event (transformations work on copies, templates on their
// own JS copies), so it is not copied here; a deep copy per event cost 3 % of the CPU at
// saturation.
func (x *Exchange) RunContainer(ctx context.Context, ev Event, hooks RunHooks) (*EventResult, error) {
	x.mu.Lock()
	if x.claimedBy == "" {
		x.mu.Unlock()
		return nil, ErrNotClaimed
	}
	x.wg.Add(1)
	x.mu.Unlock()
	defer x.wg.Done()
	res := runEvent(ctx, x, ev, hooks)
	x.mu.Lock()
	x.events = append(x.events, res)
	x.mu.Unlock()
	return res, nil
}

// ClientReturned records that the claiming client's body has returned: a later claim fails.
func (x *Exchange) ClientReturned() {
	x.mu.Lock()
	x.clientRet = true
	x.mu.Unlock()
}
