package preview

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/tagd-dev/tagd/runtime"
)

// declineClient never claims; failClient errors without claiming.
type declineClient struct{}

func (declineClient) Handle(context.Context, *runtime.Exchange) (bool, error) { return false, nil }

type failClient struct{}

func (failClient) Handle(context.Context, *runtime.Exchange) (bool, error) {
	return false, errors.New("bad signature")
}

// collectClient claims /collect and runs the event named by ?en=.
type collectClient struct{ name string }

func (c collectClient) Handle(ctx context.Context, x *runtime.Exchange) (bool, error) {
	if x.Request.Path != "/collect" {
		return false, nil
	}
	if err := x.Claim(c.name); err != nil {
		return false, err
	}
	en, _ := x.Request.QueryParam("en")
	ev := runtime.Event{"event_name": en, "value": 12.5, "currency": "EUR"}
	if _, err := x.RunContainer(ctx, ev, runtime.RunHooks{}); err != nil {
		return true, err
	}
	x.Response().SetStatus(204)
	x.Response().SetHeader("X-Served-By", "tagd", false)
	x.Response().Return()
	return true, nil
}

// sendTag records one outbound request and one console line in the trace, as the sandbox's
// sendHttpRequest and logToConsole do, then succeeds.
type sendTag struct{ name string }

func (s sendTag) Fire(ctx context.Context, f *runtime.Firing) {
	x := f.EC.Exchange
	req := &runtime.OutboundRequest{Method: "POST", URL: "https://vendor.example/events?access_token=T0K3N&v=1", Source: s.name,
		Header: http.Header{"Content-Type": {"application/json"}, "X-Api-Key": {"k"}}, Body: []byte(`{"value":12.5}`)}
	x.Trace.AddOutbound(req, &runtime.OutboundResponse{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"ok":true}`)}, nil, time.Now())
	x.Trace.AddConsole(runtime.ConsoleLine{Source: s.name, RequestID: x.ID, Message: "sent"})
	f.Done(runtime.Success, nil)
}

type failTag struct{}

func (failTag) Fire(ctx context.Context, f *runtime.Firing) {
	f.Done(runtime.Failure, errors.New("vendor said no"))
}

// testContainer has three clients in priority order (the collector is second) and three
// tags: one sends, one fails, one waits for purchases only.
func testContainer() *runtime.Container {
	all := &runtime.Trigger{Name: runtime.AllEvents}
	purchase := &runtime.Trigger{Name: "Purchase", Events: []string{"purchase"}}
	return &runtime.Container{
		Env: &runtime.Env{ContainerID: "GTM-T", Version: "v7", Logger: quietLogger()},
		Clients: []*runtime.ClientBinding{
			{Name: "Webhook", Type: "webhook", Priority: 30, Client: failClient{}},
			{Name: "MP", Type: "mp", Priority: 20, Client: declineClient{}},
			{Name: "Collector", Type: "collect", Priority: 10, Client: collectClient{"Collector"}},
			{Name: "Late", Type: "late", Priority: 0, Client: declineClient{}},
		},
		Tags: []*runtime.TagBinding{
			{Name: "Sender", Template: "sender.tpl", Tag: sendTag{"Sender"}, Params: map[string]any{"endpoint": "https://vendor.example", "api_token": "secret"}, Firing: []*runtime.Trigger{all}},
			{Name: "Flaky", Template: "flaky.tpl", Tag: failTag{}, Firing: []*runtime.Trigger{all}},
			{Name: "Purchases only", Template: "p.tpl", Tag: failTag{}, Firing: []*runtime.Trigger{purchase}},
		},
		Triggers:  map[string]*runtime.Trigger{runtime.AllEvents: all, "Purchase": purchase},
		Variables: map[string]*runtime.VariableBinding{},
		Requests:  runtime.RequestOptions{MaxBodyBytes: 1 << 20},
	}
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// next waits for the next summary on ch; the test's own deadline bounds the wait.
func next(t *testing.T, ch <-chan Summary) Summary {
	t.Helper()
	s, ok := <-ch
	if !ok {
		t.Fatal("subscription closed")
	}
	return s
}

func tagResult(status string) runtime.TagResult {
	return runtime.TagResult{Name: "t-" + status, Status: runtime.Outcome(status)}
}

func notFiredTag() runtime.NotFired { return runtime.NotFired{Name: "nf", Reason: "no"} }
