package api

import (
	"context"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/sandbox"
	"github.com/tagd-dev/tagd/templates"
)

var (
	fxRunContainer = fxPerm{"run_container", nil}
	fxMessagesAny  = fxPerm{"use_message", map[string]any{"allowedActions": "any"}}
	fxEventMeta    = fxPerm{"read_event_metadata", nil}
	fxEventData    = fxPerm{"read_event_data", map[string]any{"eventDataAccess": "any"}}
	fxContainerRd  = fxPerm{"read_container_data", nil}
	fxReturn       = fxPerm{"return_response", nil}
)

const fxClientCode = `
const claimRequest = require('claimRequest');
const runContainer = require('runContainer');
const addMessageListener = require('addMessageListener');
const hasMessageListener = require('hasMessageListener');
const sendMessage = require('sendMessage');
const addEventCallback = require('addEventCallback');
const setResponseBody = require('setResponseBody');
const returnResponse = require('returnResponse');
const getClientName = require('getClientName');
const log = require('logToConsole');
claimRequest();
log('claimed by', getClientName());
addMessageListener('tag_done', (type, msg) => { log('message', type, msg.tag, msg.n); });
log('has listener', hasMessageListener('tag_done'), hasMessageListener('other'));
const ev = {event_name: 'purchase', value: 10};
runContainer(ev, (bindToEvent) => {
  log('complete');
  sendMessage('from_client', {x: 'hi'});
  bindToEvent(addEventCallback)((containerId, eventData) => {
    log('callback', containerId, eventData.tags.map((t) => t.id + '=' + t.status).join(','));
    setResponseBody('done');
    returnResponse();
  });
}, (bindToEvent) => { log('start'); });
ev.value = 99;
log('body returned');
`

const fxTagCode = `
const log = require('logToConsole');
const getEventData = require('getEventData');
const sendMessage = require('sendMessage');
const addMessageListener = require('addMessageListener');
const getClientName = require('getClientName');
const addEventCallback = require('addEventCallback');
log('tag fired', getEventData('event_name'), getEventData('value'), getClientName());
addMessageListener('from_client', (type, msg) => { log('tag got', msg.x); });
addEventCallback((containerId, eventData) => { log('tag callback', eventData.tags.length); });
sendMessage('tag_done', {tag: 'tagT', n: 1});
data.gtmOnSuccess();
`

// fxBySource keeps the console lines of one source, without the source prefix.
func fxBySource(lines []string, source string) []string {
	var out []string
	for _, l := range lines {
		if rest, ok := strings.CutPrefix(l, source+": "); ok {
			out = append(out, rest)
		}
	}
	return out
}

func TestClientRunContainerFlow(t *testing.T) {
	console := &fxConsole{}
	env := fxEnv(console)
	tagProg := fxProgram(t, "tagT", templates.KindTag, fxTagCode, fxLogging, fxEventData, fxMessagesAny, fxContainerRd, fxEventMeta)
	goTag := &fxGoTag{}
	tag := &fxTag{prog: tagProg, pool: sandbox.NewPool(sandbox.Limits{})}
	c := fxContainer(env, map[string]runtime.Tag{"tagT": tag, "goTag": goTag})
	x := runtime.NewExchange(fxRequest("POST", "/collect", ""), c)
	clientProg := fxProgram(t, "client", templates.KindClient, fxClientCode, fxLogging, fxRunContainer, fxMessagesAny,
		fxEventMeta, fxContainerRd, fxReturn, fxPerm{"access_response", map[string]any{"writeResponseAccess": "any"}})

	res := fxRun(t, &sandbox.Execution{Program: clientProg, Name: "client", X: x, Env: env})
	if res.Err != nil {
		t.Fatalf("client: %v\nconsole: %q", res.Err, console.get())
	}
	tag.running.Wait()
	lines := console.get()
	wantClient := []string{
		"claimed by client",
		"has listener true false",
		"body returned",
		"start",
		"message tag_done tagT 1",
		"complete",
		"callback GTM-TEST goTag=success,tagT=success",
	}
	if diff := cmp.Diff(wantClient, fxBySource(lines, "client")); diff != "" {
		t.Errorf("client console (-want +got):\n%s\nall: %q", diff, lines)
	}
	wantTag := []string{"tag fired purchase 10 client", "tag got hi", "tag callback 2"}
	if diff := cmp.Diff(wantTag, fxBySource(lines, "tagT")); diff != "" {
		t.Errorf("tag console (-want +got):\n%s\nall: %q", diff, lines)
	}
	// The message from the tag reached the client before onComplete ran.
	if i, j := slices.Index(lines, "tagT: tag fired purchase 10 client"), slices.Index(lines, "client: message tag_done tagT 1"); i < 0 || j < i {
		t.Errorf("message delivered before the tag fired: %q", lines)
	}
	if x.ClaimedBy() != "client" {
		t.Errorf("claimed by %q", x.ClaimedBy())
	}
	status, _, body := x.Response().Snapshot()
	if !x.Response().Returned() || status != 200 || string(body) != "done" {
		t.Errorf("response returned=%v status=%d body=%q", x.Response().Returned(), status, body)
	}
	if evs := x.Events(); len(evs) != 1 || len(evs[0].Tags) != 2 {
		t.Fatalf("events: %+v", evs)
	}
	if diff := cmp.Diff([]runtime.Event{{"event_name": "purchase", "value": int64(10)}}, goTag.seen()); diff != "" {
		t.Errorf("go tag saw (-want +got):\n%s", diff)
	}
}

func TestRunContainerBatch(t *testing.T) {
	console := &fxConsole{}
	env := fxEnv(console)
	goTag := &fxGoTag{}
	x := runtime.NewExchange(fxRequest("POST", "/batch", ""), fxContainer(env, map[string]runtime.Tag{"goTag": goTag}))
	prog := fxProgram(t, "client", templates.KindClient, `
const runContainer = require('runContainer');
const log = require('logToConsole');
require('claimRequest')();
let done = 0;
['a', 'b', 'c'].forEach((name) => {
  runContainer({event_name: name}, () => {
    done++;
    if (done === 3) log('all done');
  });
});
runContainer({event_name: 'no_hooks'});
`, fxLogging, fxRunContainer)
	res := fxRun(t, &sandbox.Execution{Program: prog, Name: "client", X: x, Env: env})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if diff := cmp.Diff([]string{"client: all done"}, console.get()); diff != "" {
		t.Errorf("console (-want +got):\n%s", diff)
	}
	var names []string
	for _, e := range goTag.seen() {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	if diff := cmp.Diff([]string{"a", "b", "c", "no_hooks"}, names); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if n := len(x.Events()); n != 4 {
		t.Errorf("%d events recorded, want 4", n)
	}
}

func TestContainerAPIErrors(t *testing.T) {
	tests := []struct {
		name   string
		kind   templates.Kind
		code   string
		perms  []fxPerm
		setup  func(x *runtime.Exchange, ex *sandbox.Execution)
		frags  []string
		noXchg bool
	}{
		{"runContainer before claim", templates.KindClient, "require('runContainer')({event_name: 'x'});", []fxPerm{fxRunContainer}, nil,
			[]string{runtime.ErrNotClaimed.Error()}, false},
		{"runContainer without permission", templates.KindClient, "require('claimRequest')(); require('runContainer')({event_name: 'x'});", nil, nil,
			[]string{"Permission denied", `"run_container"`}, false},
		{"runContainer with a non-object", templates.KindClient, "require('claimRequest')(); require('runContainer')('page_view');", []fxPerm{fxRunContainer}, nil,
			[]string{"the event must be an object, not string"}, false},
		{"runContainer without request", templates.KindClient, "require('runContainer')({});", []fxPerm{fxRunContainer}, nil,
			[]string{"no request"}, true},
		{"claim from a tag", templates.KindTag, "require('claimRequest')();", nil, nil, []string{"claimRequest can only be called from a client template"}, false},
		{"claim from a variable", templates.KindMacro, "require('claimRequest')();", nil, nil, []string{"only be called from a client"}, false},
		{"claim after the body returned", templates.KindClient, "require('claimRequest')();", nil,
			func(_ *runtime.Exchange, ex *sandbox.Execution) {
				ex.Locals = map[string]any{LocalClientReturned: true}
			},
			[]string{runtime.ErrClaimLate.Error()}, false},
		{"claim from onComplete", templates.KindClient,
			"require('claimRequest')(); require('runContainer')({event_name: 'x'}, () => { require('claimRequest')(); });", []fxPerm{fxRunContainer}, nil,
			[]string{runtime.ErrClaimLate.Error()}, false},
		{"claim from onStart", templates.KindClient,
			"require('claimRequest')(); require('runContainer')({event_name: 'x'}, undefined, () => { require('claimRequest')(); });", []fxPerm{fxRunContainer}, nil,
			[]string{runtime.ErrClaimLate.Error()}, false},
		{"claim of a claimed request", templates.KindClient, "require('claimRequest')();", nil,
			func(x *runtime.Exchange, _ *sandbox.Execution) { _ = x.Claim("other") },
			[]string{runtime.ErrAlreadyClaimed.Error()}, false},
		{"claim without request", templates.KindClient, "require('claimRequest')();", nil, nil, []string{"no request to claim"}, true},
		{"unbound addEventCallback in a client", templates.KindClient, "require('addEventCallback')(() => {});", []fxPerm{fxEventMeta}, nil,
			[]string{"not running for an event"}, false},
		{"addEventCallback without permission", templates.KindClient, "require('addEventCallback')(() => {});", nil, nil,
			[]string{"Permission denied", `"read_event_metadata"`}, false},
		{"addEventCallback with a non-function", templates.KindTag, "require('addEventCallback')(1);", []fxPerm{fxEventMeta}, nil,
			[]string{"must be a function, not number"}, false},
		{"getClientName without permission", templates.KindTag, "require('getClientName')();", nil, nil,
			[]string{"Permission denied", `"read_container_data"`}, false},
		{"listener not a function", templates.KindClient, "require('addMessageListener')('t', 'x');", []fxPerm{fxMessagesAny}, nil,
			[]string{"listener must be a function"}, false},
		{"send not allowed", templates.KindTag, "require('sendMessage')('secret', {});",
			[]fxPerm{{"use_message", map[string]any{"allowedActions": "specific", "messageTypes": []any{map[string]any{"type": "secret", "action": "listen"}}}}}, nil,
			[]string{"Permission denied", `send on message type "secret" is not allowed`}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prog := fxProgram(t, "c", tc.kind, tc.code, tc.perms...)
			x := runtime.NewExchange(fxRequest("GET", "/", ""), fxContainer(fxEnv(&fxConsole{}), nil))
			ex := &sandbox.Execution{Program: prog, Name: "c", X: x}
			if tc.noXchg {
				ex.X = nil
			}
			if tc.setup != nil {
				tc.setup(x, ex)
			}
			fxWantErr(t, fxRun(t, ex).Err, tc.frags...)
		})
	}
}

func TestGetClientName(t *testing.T) {
	x := runtime.NewExchange(fxRequest("GET", "/", ""), &runtime.Container{})
	code := "return require('getClientName')();"
	// Before any claim, a variable sees no client and a client sees itself.
	if v := fxRun(t, &sandbox.Execution{Program: fxProgram(t, "t", templates.KindMacro, code, fxContainerRd), X: x}).Value; v != "" {
		t.Errorf("unclaimed, variable: %q", v)
	}
	client := fxProgram(t, "c", templates.KindClient, "require('logToConsole')(require('getClientName')());", fxContainerRd, fxLogging)
	console := &fxConsole{}
	if res := fxRun(t, &sandbox.Execution{Program: client, Name: "mine", X: x, Env: fxEnv(console)}); res.Err != nil {
		t.Fatal(res.Err)
	}
	if diff := cmp.Diff([]string{"mine: mine"}, console.get()); diff != "" {
		t.Errorf("unclaimed, client (-want +got):\n%s", diff)
	}
	if err := x.Claim("ga4"); err != nil {
		t.Fatal(err)
	}
	if v := fxRun(t, &sandbox.Execution{Program: fxProgram(t, "t", templates.KindMacro, code, fxContainerRd), X: x}).Value; v != "ga4" {
		t.Errorf("claimed, variable: %q", v)
	}
	if v := fxRun(t, &sandbox.Execution{Program: fxProgram(t, "t", templates.KindMacro, code, fxContainerRd)}).Value; v != "" {
		t.Errorf("no request: %q", v)
	}
}

func TestAddEventCallbackInVariableIsIgnored(t *testing.T) {
	c := fxContainer(fxEnv(&fxConsole{}), nil)
	x := runtime.NewExchange(fxRequest("GET", "/", ""), c)
	ec := runtime.NewEventContext(x, c, runtime.Event{"event_name": "e"})
	prog := fxProgram(t, "v", templates.KindMacro, "require('addEventCallback')(() => {}); return 'value';", fxEventMeta)
	res := fxRun(t, &sandbox.Execution{Program: prog, Name: "v", EC: ec, X: x})
	if res.Err != nil || res.Value != "value" {
		t.Fatalf("got %v, %v", res.Value, res.Err)
	}
}

func TestUseMessageChecker(t *testing.T) {
	specific := map[string]any{"allowedActions": "specific", "messageTypes": []any{
		map[string]any{"type": "a", "action": "listen"},
		map[string]any{"type": "b", "action": "send"},
		map[string]any{"type": "c", "action": "listen_and_send"},
	}}
	tests := []struct {
		params map[string]any
		args   []any
		ok     bool
	}{
		{map[string]any{"allowedActions": "any"}, []any{"send", "x"}, true},
		{specific, []any{"listen", "a"}, true},
		{specific, []any{"send", "a"}, false},
		{specific, []any{"send", "b"}, true},
		{specific, []any{"listen", "b"}, false},
		{specific, []any{"listen", "c"}, true},
		{specific, []any{"send", "c"}, true},
		{specific, []any{"send", "d"}, false},
		{specific, []any{"broadcast", "c"}, false},
		{map[string]any{"allowedActions": "specific", "messageTypes": []any{map[string]any{"type": "*", "action": "send"}}}, []any{"send", "any"}, true},
	}
	for i, tc := range tests {
		c, err := newUseMessage(tc.params)
		if err != nil {
			t.Fatal(err)
		}
		if got := c(tc.args...) == nil; got != tc.ok {
			t.Errorf("%d: %v allowed = %v, want %v", i, tc.args, got, tc.ok)
		}
	}
	if _, err := newUseMessage(map[string]any{"allowedActions": "specific", "messageTypes": []any{map[string]any{"type": "a", "action": "shout"}}}); err == nil {
		t.Error("want an error for an unknown action")
	}
}

func TestSendMessageIgnoresNonObjects(t *testing.T) {
	x := runtime.NewExchange(fxRequest("GET", "/", ""), &runtime.Container{})
	var got []any
	x.AddMessageListener("t", func(_ string, msg any) { got = append(got, msg) })
	res := fxEval(t, x, `const s = require('sendMessage'); s('t', 'text'); s('t', 5); s('t', null); s('t', {a: 1}); s('t', [1]); return 1;`, fxMessagesAny)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if diff := cmp.Diff([]any{map[string]any{"a": int64(1)}, []any{int64(1)}}, got); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
}

// fxClient runs a CLIENT program for the engine, as the clients package does.
type fxClient struct {
	name string
	prog *sandbox.Program
}

func (c *fxClient) Handle(ctx context.Context, x *runtime.Exchange) (bool, error) {
	res := sandbox.NewVU(sandbox.Limits{}).Execute(ctx, &sandbox.Execution{Program: c.prog, Name: c.name, Data: map[string]any{}, X: x, Env: x.Container.Env})
	return x.ClaimedBy() == c.name, res.Err
}

func TestEngineRoundTrip(t *testing.T) {
	env := fxEnv(&fxConsole{})
	goTag := &fxGoTag{}
	c := fxContainer(env, map[string]runtime.Tag{"goTag": goTag})
	skip := fxProgram(t, "skip", templates.KindClient, `if (require('getRequestPath')() === '/other') require('claimRequest')();`, fxReadRequestAny)
	ga4 := fxProgram(t, "ga4", templates.KindClient, `
if (require('isRequestMpv2')()) {
  require('claimRequest')();
  const events = require('extractEventsFromMpv2')();
  let pending = events.length;
  events.forEach((ev) => require('runContainer')(ev, () => {
    if (--pending === 0) {
      require('setCookie')('seen', 'yes', {domain: 'auto', path: '/'});
      require('setResponseStatus')(204);
      require('returnResponse')();
    }
  }));
}`, fxReadRequestAny, fxRunContainer, fxReturn, fxPerm{"access_response", map[string]any{"writeResponseAccess": "any"}},
		fxPerm{"set_cookies", map[string]any{"allowedCookies": []any{map[string]any{"name": "seen", "domain": "*", "path": "*", "secure": "any", "session": "any"}}}})
	c.Clients = []*runtime.ClientBinding{{Name: "skip", Client: &fxClient{"skip", skip}}, {Name: "ga4", Client: &fxClient{"ga4", ga4}}}
	eng := runtime.NewEngine(c, nil)
	req := httptest.NewRequest("POST", "http://tag.example.com/g/collect?v=2&tid=G-1&cid=1.2", strings.NewReader("en=a\r\nen=b\r\n"))
	w := httptest.NewRecorder()
	eng.ServeHTTP(w, req)
	if w.Code != 204 {
		t.Fatalf("status %d, body %q", w.Code, w.Body)
	}
	if got := w.Header().Get("Set-Cookie"); got != "seen=yes; Domain=example.com; Path=/" {
		t.Errorf("Set-Cookie %q", got)
	}
	var names []string
	for _, e := range goTag.seen() {
		names = append(names, e.Name()+"/"+e["client_id"].(string))
	}
	slices.Sort(names)
	if diff := cmp.Diff([]string{"a/1.2", "b/1.2"}, names); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

// TestDetachedEvent: with an event context no container runs (the test harness), event
// callbacks and a tag's listeners do not keep the execution waiting for the event's end.
func TestDetachedEvent(t *testing.T) {
	c := fxContainer(fxEnv(&fxConsole{}), nil)
	x := runtime.NewExchange(fxRequest("GET", "/", ""), c)
	ec := runtime.NewEventContext(x, c, runtime.Event{"event_name": "e"})
	prog := fxProgram(t, "t", templates.KindTag, `
require('addEventCallback')(() => {});
require('addMessageListener')('m', () => {});
data.gtmOnSuccess();`, fxEventMeta, fxMessagesAny)
	ex := &sandbox.Execution{Program: prog, Name: "t", EC: ec, X: x, Locals: map[string]any{LocalDetachedEvent: true}}
	res := fxRun(t, ex) // a wait for the event's end would end only with fxRun's deadline
	if res.Err != nil || res.Status != runtime.Success {
		t.Fatalf("status %v err %v", res.Status, res.Err)
	}
}
