package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/runtime/outbox"
)

func TestOutboxAdmin(t *testing.T) {
	var code atomic.Int32
	code.Store(400)
	dst := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(int(code.Load()))
		_, _ = io.WriteString(w, "nope")
	}))
	defer dst.Close()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	plain, _ := runtime.NewHTTPDispatcher("", 0, 5*time.Second)
	ob, err := outbox.Open(outbox.Options{Path: filepath.Join(t.TempDir(), "o.db"), Logger: quiet, Sender: plain})
	if err != nil {
		t.Fatal(err)
	}
	defer ob.Close(context.Background())
	slow := outbox.Policy{MaxAttempts: 5, BaseDelay: time.Hour, MaxDelay: time.Hour}
	d := ob.Bind(outbox.Binding{Inner: plain, Policies: map[string]outbox.Policy{"Meta": slow, "GA4": slow}})
	do := func(tag, body string) {
		_, err := d.Do(context.Background(), &runtime.OutboundRequest{Method: "POST", URL: dst.URL + "/" + tag, Body: []byte(body), Source: tag})
		if err != nil {
			t.Fatal(err)
		}
	}
	do("Meta", `{"e":1}`) // 400: dead letter 1
	code.Store(503)
	do("GA4", "\xff\x00") // 503: pending 2, body not UTF-8

	ts := httptest.NewServer(Admin(engine(), nil, "tok", time.Now(), AdminExtras{Outbox: ob}))
	defer ts.Close()
	call := func(method, path string, auth bool) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, ts.URL+path, nil)
		if auth {
			req.Header.Set("Authorization", "Bearer tok")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}

	if st, _ := call("GET", "/api/outbox", false); st != 401 {
		t.Errorf("without the token: %d", st)
	}
	st, stats := call("GET", "/api/outbox", true)
	if st != 200 || stats["pending"] != 1.0 || stats["dead"] != 1.0 {
		t.Errorf("stats: %d %v", st, stats)
	}
	_, list := call("GET", "/api/outbox/items?state=dead", true)
	items, _ := list["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["tag"] != "Meta" || items[0].(map[string]any)["reason"] != "status 400 is not retryable" {
		t.Errorf("dead list: %v", list)
	}
	_, one := call("GET", "/api/outbox/items/1", true)
	if one["body_text"] != `{"e":1}` || one["item"].(map[string]any)["last_response"] != "nope" {
		t.Errorf("show 1: %v", one)
	}
	_, two := call("GET", "/api/outbox/items/2", true)
	if _, ok := two["body_text"]; ok || two["item"].(map[string]any)["body"] != "/wA=" {
		t.Errorf("show 2 (binary body): %v", two)
	}
	for _, c := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/api/outbox/items/99", 404},
		{"GET", "/api/outbox/items?state=bogus", 400},
		{"GET", "/api/outbox/items?limit=-1", 400},
		{"POST", "/api/outbox/drop", 400}, // state is required
		{"POST", "/api/outbox/items/99/replay", 404},
	} {
		if st, body := call(c.method, c.path, true); st != c.want {
			t.Errorf("%s %s: %d %v, want %d", c.method, c.path, st, body, c.want)
		}
	}

	code.Store(200)
	if st, body := call("POST", "/api/outbox/items/1/replay", true); st != 200 || body["replayed"] != 1.0 {
		t.Fatalf("replay: %d %v", st, body)
	}
	deadline := time.Now().Add(20 * time.Second)
	for ob.Stats().Totals.Delivered != 1 {
		if time.Now().After(deadline) {
			t.Fatal("replayed item not delivered")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if st, body := call("DELETE", "/api/outbox/items/2", true); st != 200 || body["dropped"] != 1.0 {
		t.Errorf("drop: %d %v", st, body)
	}
	if st, body := call("POST", "/api/outbox/drop?state=all&tag=Nobody", true); st != 200 || body["dropped"] != 0.0 {
		t.Errorf("bulk drop: %d %v", st, body)
	}
	if _, stats := call("GET", "/api/outbox", true); stats["pending"] != 0.0 || stats["dead"] != 0.0 || !strings.Contains(stats["path"].(string), "o.db") {
		t.Errorf("final stats: %v", stats)
	}
}
