package tags_test

import (
	"context"
	"encoding/json"
	"os"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/sandbox"
	_ "github.com/tagd-dev/tagd/sandbox/api"
	"github.com/tagd-dev/tagd/tags"
)

// recorder is a Dispatcher that records requests and answers 200.
type recorder struct {
	mu   sync.Mutex
	reqs []*runtime.OutboundRequest
}

func (r *recorder) Do(_ context.Context, req *runtime.OutboundRequest) (*runtime.OutboundResponse, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	r.mu.Unlock()
	return &runtime.OutboundResponse{StatusCode: 200, Body: []byte(`{"events_received":1}`)}, nil
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestMetaCAPIGolden runs the embedded meta-capi template on a purchase event and compares
// the exact request with testdata whose hashes were computed independently with sha256sum
// (see testdata/meta-capi/HASHES.md).
func TestMetaCAPIGolden(t *testing.T) {
	tp, err := tags.Builtin("meta-capi")
	if err != nil {
		t.Fatal(err)
	}
	p, err := sandbox.Compile(tp)
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	var params map[string]any
	var want any
	readJSON(t, "testdata/meta-capi/purchase.event.json", &ev)
	readJSON(t, "testdata/meta-capi/purchase.params.json", &params)
	readJSON(t, "testdata/meta-capi/purchase.request.json", &want)
	wantURL, err := os.ReadFile("testdata/meta-capi/purchase.url.txt")
	if err != nil {
		t.Fatal(err)
	}
	if msgs := tp.CheckParams(params); len(msgs) > 0 {
		t.Fatalf("params rejected: %v", msgs)
	}
	rec := &recorder{}
	c := &runtime.Container{Env: &runtime.Env{HTTP: rec}}
	data := tp.Defaults()
	for k, v := range params {
		data[k] = v
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res := sandbox.NewPool(sandbox.Limits{}).Run(ctx, &sandbox.Execution{
		Program: p, Name: "Meta CAPI", Data: data,
		EC: runtime.NewEventContext(nil, c, runtime.Event(ev)), Env: c.Env,
	})
	if res.Status != runtime.Success {
		t.Fatalf("tag status %s: %v", res.Status, res.Err)
	}
	if len(rec.reqs) != 1 {
		t.Fatalf("%d requests sent", len(rec.reqs))
	}
	req := rec.reqs[0]
	if req.Method != "POST" || req.URL != string(trimNL(wantURL)) {
		t.Errorf("request %s %s, want POST %s", req.Method, req.URL, wantURL)
	}
	if ct := req.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("content type %q", ct)
	}
	var got any
	if err := json.Unmarshal(req.Body, &got); err != nil {
		t.Fatalf("body %s: %v", req.Body, err)
	}
	if !reflect.DeepEqual(got, want) {
		gb, _ := json.MarshalIndent(got, "", "  ")
		t.Errorf("request body differs from testdata/meta-capi/purchase.request.json:\n%s", gb)
	}
}

func trimNL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

func TestBuiltinsParseAndCompile(t *testing.T) {
	names := tags.BuiltinNames()
	if len(names) < 3 {
		t.Fatalf("built-ins: %v", names)
	}
	for _, n := range names {
		tp, err := tags.Builtin(n)
		if err != nil {
			t.Errorf("%s: %v", n, err)
			continue
		}
		if _, err := sandbox.Compile(tp); err != nil {
			t.Errorf("%s: %v", n, err)
		}
		if tp.Tests == nil || len(tp.Tests.Scenarios) == 0 {
			t.Errorf("%s: no ___TESTS___ scenarios", n)
		}
	}
	if _, err := tags.Builtin("nope"); err == nil {
		t.Error("unknown built-in accepted")
	}
}
