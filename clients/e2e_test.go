package clients_test

import (
	"context"
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

	"github.com/tagd-dev/tagd/config"
	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/runtime/loader"
	"github.com/tagd-dev/tagd/runtime/server"
	"github.com/tagd-dev/tagd/runtime/testsink"
	_ "github.com/tagd-dev/tagd/sandbox/api"
)

const seedsTOML = `
[server]
container_id = "GTM-SEEDS"

[[client]]
name = "Links"
type = "click"
[client.settings.links.blue-mug]
destination = "https://shop.example/p/blue-mug?src={aff_id}"

[[client]]
name = "Postbacks"
type = "postback"

[[trigger]]
name = "Conversion"
event = ["conversion"]

[[tag]]
name = "Affiliate postback"
template = "http-request"
triggers = ["Conversion"]
[tag.parameters]
url = "https://partner.example/pb?cid={click_id}&amt={payout}&cur={currency}&tx={transaction_id}&aff={affiliate}&camp={campaign}&link={link_id}"

[[tag]]
name = "Meta CAPI"
template = "meta-capi"
triggers = ["Conversion"]
[tag.parameters]
pixel_id = "1234567890"
access_token = "tok"
event_name_override = "Purchase"
`

// build loads a container from TOML with a data dir of its own and all outbound HTTP sent
// to redirect.
func build(t *testing.T, toml, redirect string) (*runtime.Engine, *runtime.Container) {
	t.Helper()
	cfg, err := config.Parse("e2e.toml", t.TempDir(), []byte(toml))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	cfg.Server.DataDir = t.TempDir()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	res, err := loader.Build(cfg, loader.Options{Logger: logger, OutboundRedirect: redirect})
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	t.Cleanup(res.Container.Close)
	return runtime.NewEngine(res.Container, logger), res.Container
}

var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// The seeds' flow: a click on a link, the redirect with the click ID, the advertiser's
// postback with that ID and a payout; the conversion reaches the postback and Meta tags
// with the click's attribution; a repeat of the postback is a duplicate and fires nothing.
func TestClickToPostbackToTags(t *testing.T) {
	dest := testsink.New(t)
	engine, _ := build(t, seedsTOML, dest.URL)
	ts := httptest.NewServer(server.Ingress(engine))
	defer ts.Close()

	// 1. The visitor clicks the affiliate's link.
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/c/blue-mug?aff_id=34&utm_campaign=spring&fbclid=IwAR-e2e", nil)
	req.Header.Set("User-Agent", "E2E-Browser/1.0")
	req.Header.Set("Referer", "https://publisher.example/review")
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("click: status %d", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	clickID := loc.Query().Get("click_id")
	if loc.Host != "shop.example" || loc.Path != "/p/blue-mug" || loc.Query().Get("src") != "34" || len(clickID) != 32 {
		t.Fatalf("redirect to %s", loc)
	}
	var cookie string
	for _, c := range resp.Cookies() {
		if c.Name == "click_id" {
			cookie = c.Value
		}
	}
	if cookie != clickID {
		t.Errorf("click_id cookie %q, want %q", cookie, clickID)
	}
	if n := dest.Count(); n != 0 {
		t.Fatalf("%d outbound requests after the click; the tags fire on conversions only", n)
	}

	// 2. The advertiser's server reports the sale for that click ID.
	postback := func() map[string]any {
		t.Helper()
		q := url.Values{"click_id": {clickID}, "payout": {"12.50"}, "currency": {"USD"}, "txid": {"T-1001"}, "status": {"approved"}}
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/postback?"+q.Encode(), nil)
		req.Header.Set("User-Agent", "advertiser-backend/3")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("postback: status %d", resp.StatusCode)
		}
		var ans map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil {
			t.Fatal(err)
		}
		return ans
	}
	if ans := postback(); ans["status"] != "accepted" || ans["click_id"] != clickID {
		t.Fatalf("first postback answered %v", ans)
	}

	// 3. The http-request postback tag got the click's attribution.
	pb := dest.ByOriginal("https://partner.example/pb?")
	if len(pb) != 1 {
		t.Fatalf("affiliate postbacks: %d", len(pb))
	}
	want := url.Values{"cid": {clickID}, "amt": {"12.50"}, "cur": {"USD"}, "tx": {"T-1001"}, "aff": {"34"}, "camp": {"spring"}, "link": {"blue-mug"}}
	for k, v := range want {
		if got := pb[0].Query.Get(k); got != v[0] {
			t.Errorf("affiliate postback %s = %q, want %q", k, got, v[0])
		}
	}

	// 4. Meta got the conversion with the visitor's identity from the click.
	meta := dest.ByOriginal("https://graph.facebook.com/")
	if len(meta) != 1 {
		t.Fatalf("meta requests: %d", len(meta))
	}
	var body struct {
		Data []struct {
			EventName      string         `json:"event_name"`
			EventID        string         `json:"event_id"`
			EventSourceURL string         `json:"event_source_url"`
			UserData       map[string]any `json:"user_data"`
			CustomData     map[string]any `json:"custom_data"`
		} `json:"data"`
	}
	if err := json.Unmarshal(meta[0].Body, &body); err != nil || len(body.Data) != 1 {
		t.Fatalf("meta body %s: %v", meta[0].Body, err)
	}
	e := body.Data[0]
	fbc, _ := e.UserData["fbc"].(string)
	checks := map[string][2]any{
		"event_name":        {e.EventName, "Purchase"},
		"event_id":          {e.EventID, "T-1001"},
		"event_source_url":  {e.EventSourceURL, loc.String()},
		"client_user_agent": {e.UserData["client_user_agent"], "E2E-Browser/1.0"},
		"client_ip_address": {e.UserData["client_ip_address"], "127.0.0.1"},
		"value":             {e.CustomData["value"], 12.5},
		"currency":          {e.CustomData["currency"], "USD"},
		"order_id":          {e.CustomData["order_id"], "T-1001"},
	}
	for k, c := range checks {
		if c[0] != c[1] {
			t.Errorf("meta %s = %#v, want %#v", k, c[0], c[1])
		}
	}
	if !strings.HasPrefix(fbc, "fb.1.") || !strings.HasSuffix(fbc, ".IwAR-e2e") {
		t.Errorf("meta fbc = %q, want fb.1.<ms>.IwAR-e2e from the click", fbc)
	}
	if fbp, _ := e.UserData["fbp"].(string); !strings.HasPrefix(fbp, "fb.1.") {
		t.Errorf("meta fbp = %q", fbp)
	}

	// 5. The same transaction again: a duplicate, and nothing fires.
	before := dest.Count()
	if ans := postback(); ans["status"] != "duplicate" {
		t.Fatalf("second postback answered %v", ans)
	}
	if after := dest.Count(); after != before {
		t.Errorf("the duplicate fired %d outbound requests", after-before)
	}

	// 6. A postback for a click that never happened is a clear 404.
	resp, err = http.Get(ts.URL + "/postback?click_id=0000000000000000&payout=1&txid=T-2")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || dest.Count() != before {
		t.Errorf("unknown click: status %d, %d new outbound requests", resp.StatusCode, dest.Count()-before)
	}
}

// recorder is a Go tag that records the events it sees.
type recorder struct {
	mu     sync.Mutex
	events []runtime.Event
}

func (r *recorder) snapshot() []runtime.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]runtime.Event(nil), r.events...)
}

func (r *recorder) Fire(_ context.Context, f *runtime.Firing) {
	r.mu.Lock()
	r.events = append(r.events, f.EC.Event.Copy())
	r.mu.Unlock()
	f.Done(runtime.Success, nil)
}

// A CLIENT template configured as a client claims with claimRequest, runs its event with
// runContainer and answers with returnResponse.
func TestTemplateClient(t *testing.T) {
	tpl, err := filepath.Abs("testdata/templates/echo_client.tpl")
	if err != nil {
		t.Fatal(err)
	}
	engine, c := build(t, `
[[client]]
name = "Echo"
template = "`+tpl+`"
[client.settings]
path = "/tpl/collect"
`, "")
	rec := &recorder{}
	c.Tags = append(c.Tags, &runtime.TagBinding{Name: "Recorder", Tag: rec, Firing: []*runtime.Trigger{c.Triggers[runtime.AllEvents]}})
	ts := httptest.NewServer(server.Ingress(engine))
	defer ts.Close()

	resp, err := http.Get(ts.URL + "/tpl/collect?en=purchase&cid=42&value=9.5")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted || resp.Header.Get("Content-Type") != "application/json" || string(b) != `{"ok":true,"event":"purchase"}` {
		t.Fatalf("template client answered %d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	events := rec.snapshot()
	if len(events) != 1 {
		t.Fatalf("%d events recorded", len(events))
	}
	ev := events[0]
	if ev["event_name"] != "purchase" || ev["client_id"] != "42" || ev["value"] != 9.5 || ev["x_source"] != "echo-client" {
		t.Errorf("event %v", ev)
	}

	// Another path: the template does not claim it and no client does.
	resp, err = http.Get(ts.URL + "/other")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if n := len(rec.snapshot()); resp.StatusCode != http.StatusBadRequest || n != 1 {
		t.Errorf("unclaimed path: status %d, %d events", resp.StatusCode, n)
	}
}

// The embedded default container (tagd serve without -config) runs the GA4 and data
// clients next to its logger tag.
func TestDefaultContainerClients(t *testing.T) {
	cfg, err := config.Parse("default.toml", "", mustRead(t, "../examples/default/tagd.toml"))
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]bool{}
	for _, c := range cfg.Clients {
		types[c.Type] = true
	}
	if !types["ga4"] || !types["data"] {
		t.Fatalf("default container clients: %v", types)
	}
	engine, _ := build(t, string(mustRead(t, "../examples/default/tagd.toml")), "")
	ts := httptest.NewServer(server.Ingress(engine))
	defer ts.Close()
	for _, r := range []struct{ method, path, body string }{
		{http.MethodPost, "/g/collect?v=2&tid=G-1&cid=1.2&en=page_view", ""},
		{http.MethodPost, "/data", `{"event_name":"purchase","value":1}`},
	} {
		req, _ := http.NewRequest(r.method, ts.URL+r.path, strings.NewReader(r.body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s %s: status %d", r.method, r.path, resp.StatusCode)
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
