package loader_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tagd-dev/tagd/config"
	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/runtime/loader"
	"github.com/tagd-dev/tagd/runtime/server"
	"github.com/tagd-dev/tagd/runtime/testsink"
	_ "github.com/tagd-dev/tagd/sandbox/api"
)

const quickstartTOML = `
[server]
container_id = "GTM-E2E"

[[client]]
name = "GA4"
type = "ga4"

[[trigger]]
name = "Purchase"
event = ["purchase"]

[[variable]]
name = "Click ID"
type = "cookie"
key = "click_id"

[[tag]]
name = "Meta CAPI"
template = "meta-capi"
triggers = ["Purchase"]
[tag.parameters]
pixel_id = "1234567890"
access_token = "${E2E_META_TOKEN}"
test_event_code = "TEST42"
api_version = "v21.0"

[[tag]]
name = "Postback"
template = "http-request"
triggers = ["Purchase"]
[tag.parameters]
url = "https://network.example/postback?click_id={{Click ID}}&payout={{value}}&txid={{transaction_id}}"

[[tag]]
name = "Logger"
template = "logger"
triggers = ["All Events"]
`

type logBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func build(t *testing.T, toml string, redirect string) (*runtime.Engine, *logBuf) {
	t.Helper()
	cfg, err := config.Parse("e2e.toml", t.TempDir(), []byte(toml))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	logs := &logBuf{}
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	res, err := loader.Build(cfg, loader.Options{Logger: logger, OutboundRedirect: redirect})
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	return runtime.NewEngine(res.Container, logger), logs
}

func TestEndToEndPurchase(t *testing.T) {
	t.Setenv("E2E_META_TOKEN", "secret-token")
	dest := testsink.New(t)
	engine, logs := build(t, quickstartTOML, dest.URL)
	ts := httptest.NewServer(server.Ingress(engine))
	defer ts.Close()

	q := url.Values{
		"v": {"2"}, "tid": {"G-E2E"}, "cid": {"555.666"}, "en": {"purchase"},
		"ep.transaction_id": {"T-1001"}, "epn.value": {"59.98"}, "cu": {"USD"},
		"dl": {"https://shop.example/thanks"}, "ep.event_id": {"evt-1"},
	}
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/g/collect?"+q.Encode(), nil)
	req.Header.Set("User-Agent", "E2E-Browser/1.0")
	req.Header.Set("Origin", "https://shop.example")
	req.Header.Set("Cookie", "click_id=CLK-42")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "https://shop.example" {
		t.Errorf("CORS origin %q", got)
	}

	meta := dest.ByPath("/v21.0/1234567890/events")
	if len(meta) != 1 {
		t.Fatalf("meta requests: %d (all: %+v)", len(meta), dest.All())
	}
	m := meta[0]
	if m.Method != "POST" || m.Query.Get("access_token") != "secret-token" {
		t.Errorf("meta request %s token %q", m.Method, m.Query.Get("access_token"))
	}
	if !strings.HasPrefix(m.Original, "https://graph.facebook.com/v21.0/1234567890/events?") {
		t.Errorf("original URL %q", m.Original)
	}
	if ct := m.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("content type %q", ct)
	}
	var body struct {
		Data []struct {
			EventName      string         `json:"event_name"`
			EventID        string         `json:"event_id"`
			EventSourceURL string         `json:"event_source_url"`
			ActionSource   string         `json:"action_source"`
			UserData       map[string]any `json:"user_data"`
			CustomData     map[string]any `json:"custom_data"`
		} `json:"data"`
		TestEventCode string `json:"test_event_code"`
	}
	if err := json.Unmarshal(m.Body, &body); err != nil {
		t.Fatalf("meta body %s: %v", m.Body, err)
	}
	if len(body.Data) != 1 {
		t.Fatalf("meta data: %s", m.Body)
	}
	e := body.Data[0]
	checks := map[string][2]any{
		"event_name":        {e.EventName, "Purchase"},
		"event_id":          {e.EventID, "evt-1"},
		"event_source_url":  {e.EventSourceURL, "https://shop.example/thanks"},
		"action_source":     {e.ActionSource, "website"},
		"test_event_code":   {body.TestEventCode, "TEST42"},
		"client_user_agent": {e.UserData["client_user_agent"], "E2E-Browser/1.0"},
		"client_ip_address": {e.UserData["client_ip_address"], "127.0.0.1"},
		"value":             {e.CustomData["value"], 59.98},
		"currency":          {e.CustomData["currency"], "USD"},
		"order_id":          {e.CustomData["order_id"], "T-1001"},
	}
	for k, c := range checks {
		if c[0] != c[1] {
			t.Errorf("meta %s = %#v, want %#v", k, c[0], c[1])
		}
	}

	pb := dest.ByPath("/postback")
	if len(pb) != 1 {
		t.Fatalf("postback requests: %d", len(pb))
	}
	if got := pb[0].Query; got.Get("click_id") != "CLK-42" || got.Get("payout") != "59.98" || got.Get("txid") != "T-1001" {
		t.Errorf("postback query %v", got)
	}
	if pb[0].Method != "GET" || pb[0].Original != "https://network.example/postback?click_id=CLK-42&payout=59.98&txid=T-1001" {
		t.Errorf("postback %s %q", pb[0].Method, pb[0].Original)
	}

	// The logger tag printed the event as one JSON line with the full event data.
	found := false
	for _, line := range strings.Split(logs.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) != nil || rec["msg"] != "console" {
			continue
		}
		ed, _ := rec["event_data"].(map[string]any)
		if ed["transaction_id"] == "T-1001" && ed["value"] == 59.98 && ed["client_id"] == "555.666" {
			found = true
		}
	}
	if !found {
		t.Errorf("no logger line with event_data in logs:\n%s", logs.String())
	}
}

// Broken, throwing and endless templates each fail only their own tag.
func TestFailingTagsAreIsolated(t *testing.T) {
	dir := t.TempDir()
	write := func(name, code string) {
		tpl := "___INFO___\n\n{\"type\": \"TAG\", \"id\": \"cvt_temp_public_id\", \"version\": 1, \"displayName\": \"" + name + "\", \"containerContexts\": [\"SERVER\"]}\n\n___SANDBOXED_JS_FOR_SERVER___\n\n" + code + "\n"
		if err := os.WriteFile(filepath.Join(dir, name+".tpl"), []byte(tpl), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("throws", "const x = undefined; x.boom(); data.gtmOnSuccess();")
	write("loops", "while (true) {}")
	write("fails", "data.gtmOnFailure('nope');")
	write("ok", "data.gtmOnSuccess();")
	toml := `
[server]
tag_timeout = "2s"
[sandbox]
cpu_budget = "100ms"
[[client]]
name = "GA4"
type = "ga4"
[[tag]]
name = "Throws"
template = "throws.tpl"
triggers = ["All Events"]
[[tag]]
name = "Loops"
template = "loops.tpl"
triggers = ["All Events"]
[[tag]]
name = "Fails"
template = "fails.tpl"
triggers = ["All Events"]
[[tag]]
name = "OK"
template = "ok.tpl"
triggers = ["All Events"]
`
	cfg, err := config.Parse(filepath.Join(dir, "tagd.toml"), dir, []byte(toml))
	if err != nil {
		t.Fatal(err)
	}
	res, err := loader.Build(cfg, loader.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []*runtime.EventResult
	engine := runtime.NewEngine(res.Container, slog.New(slog.NewTextHandler(io.Discard, nil)))
	engine.Observe = func(x *runtime.Exchange, status int, _ time.Duration) {
		mu.Lock()
		got = append(got, x.Events()...)
		mu.Unlock()
	}
	ts := httptest.NewServer(server.Ingress(engine))
	defer ts.Close()
	resp, err := http.Get(ts.URL + "/g/collect?v=2&tid=G-1&cid=1.2&en=page_view")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 {
		t.Fatalf("events %d", len(got))
	}
	want := map[string]runtime.Outcome{"Throws": runtime.Exception, "Loops": runtime.Timeout, "Fails": runtime.Failure, "OK": runtime.Success}
	for _, tr := range got[0].Tags {
		if want[tr.Name] != tr.Status {
			t.Errorf("tag %s: status %s (%s), want %s", tr.Name, tr.Status, tr.Error, want[tr.Name])
		}
		delete(want, tr.Name)
	}
	if len(want) != 0 {
		t.Errorf("tags not reported: %v", want)
	}
	// The server still serves after the runaway script.
	resp, err = http.Get(ts.URL + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz after runaway: %v %v", resp, err)
	}
	resp.Body.Close()
}
