package clients_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/runtime/server"
)

// browserTools finds node, Chromium and the npm packages of e2e/browser. Without them the
// test is skipped on a developer machine and fails in CI (CI=true), where .ci/run installs
// them.
func browserTools(t *testing.T) (node, chromium, dir string) {
	t.Helper()
	dir, err := filepath.Abs("../e2e/browser")
	if err != nil {
		t.Fatal(err)
	}
	chromium = os.Getenv("TAGD_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	var missing []string
	if node, err = exec.LookPath("node"); err != nil {
		missing = append(missing, "node")
	}
	if _, err := os.Stat(chromium); err != nil {
		missing = append(missing, chromium+" (apt-get install -y chromium)")
	}
	for _, p := range []string{"playwright-core", "@minimal-analytics/ga4"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", p)); err != nil {
			missing = append(missing, p+" (npm ci in e2e/browser)")
		}
	}
	if len(missing) > 0 {
		msg := "browser test needs " + strings.Join(missing, ", ")
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg + "; CI is unset, skipping")
	}
	return node, chromium, dir
}

const browserTOML = `
[server]
container_id = "GTM-BROWSER"

[[client]]
name = "GA4"
type = "ga4"
[client.settings.fpid]
secure = false
`

// A real GA4 web library (@minimal-analytics/ga4 from npm) in headless Chromium, on a page
// served from 127.0.0.1, sends its hits to tagd on another port; the events arrive with
// the expected event data, and the server-managed FPID cookie set on the first response
// identifies the browser on the following hits.
func TestBrowserGA4(t *testing.T) {
	node, chromium, dir := browserTools(t)

	engine, c := build(t, browserTOML, "")
	rec := &recorder{}
	c.Tags = append(c.Tags, &runtime.TagBinding{Name: "Recorder", Tag: rec, Firing: []*runtime.Trigger{c.Triggers[runtime.AllEvents]}})
	tagd := httptest.NewServer(server.Ingress(engine))
	defer tagd.Close()

	lib, err := os.ReadFile(filepath.Join(dir, "node_modules/@minimal-analytics/ga4/dist/index.js"))
	if err != nil {
		t.Fatal(err)
	}
	page := fmt.Sprintf(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tagd browser test</title>
<script>
window.minimalAnalytics = {
  trackingId: 'G-BROWSER1',
  analyticsEndpoint: '%s/g/collect',
  autoTrack: true,
  defineGlobal: true,
};
</script>
<script src="/ga4.js"></script>
</head><body><h1>Shop</h1><button id="buy" name="buy">Buy now</button></body></html>`, tagd.URL)
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/", "/index.html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte(page))
		case "/favicon.ico":
			w.WriteHeader(http.StatusNoContent)
		case "/ga4.js":
			w.Header().Set("Content-Type", "text/javascript")
			_, _ = w.Write(lib)
		default:
			http.NotFound(w, r)
		}
	}))
	defer site.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pageURL := site.URL + "/?utm_source=browser-test"
	cmd := exec.CommandContext(ctx, node, filepath.Join(dir, "run.mjs"), pageURL, chromium)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	t.Logf("run.mjs output:\n%s", out)
	if err != nil {
		t.Fatalf("run.mjs: %v", err)
	}

	byName := map[string]runtime.Event{}
	for _, ev := range rec.snapshot() {
		if _, seen := byName[ev.Name()]; !seen {
			byName[ev.Name()] = ev
		}
	}
	for _, name := range []string{"page_view", "purchase", "click"} {
		if byName[name] == nil {
			t.Fatalf("no %s event arrived; got %v", name, keys(byName))
		}
	}
	pv := byName["page_view"]
	want := map[string]any{
		"x-ga-measurement_id":   "G-BROWSER1",
		"x-ga-protocol_version": "2",
		"page_location":         pageURL,
		"page_title":            "tagd browser test",
		"language":              "en-us",
		"screen_resolution":     "1280x720",
		"ip_override":           "127.0.0.1",
	}
	for k, v := range want {
		if pv[k] != v {
			t.Errorf("page_view %s = %#v, want %#v", k, pv[k], v)
		}
	}
	if ua, _ := pv["user_agent"].(string); !strings.Contains(ua, "Chrome") {
		t.Errorf("page_view user_agent %q", ua)
	}
	if _, ok := pv["x-ga-page_id"].(int64); !ok {
		t.Errorf("x-ga-page_id = %#v, want an int64", pv["x-ga-page_id"])
	}
	pu := byName["purchase"]
	if pu["transaction_id"] != "T-BROWSER-1" || pu["value"] != 42.5 || pu["currency"] != "USD" {
		t.Errorf("purchase: transaction_id %#v value %#v currency %#v", pu["transaction_id"], pu["value"], pu["currency"])
	}
	if cl := byName["click"]; cl["button_id"] != "buy" || cl["button_text"] != "Buy now" {
		t.Errorf("click: button_id %#v button_text %#v", cl["button_id"], cl["button_text"])
	}

	// FPID: the first hit had no cookie and got one; later hits carry it, so their
	// client_id is the FPID's, with the library's own id kept in x-ga-js_client_id.
	jsID, _ := pv["x-ga-js_client_id"].(string)
	fpid, _ := pu["client_id"].(string)
	if jsID == "" || fpid == "" || fpid == jsID {
		t.Fatalf("page_view js id %q, purchase client_id %q", jsID, fpid)
	}
	if pv["client_id"] != fpid || byName["click"]["client_id"] != fpid {
		t.Errorf("client ids differ: page_view %v purchase %v click %v", pv["client_id"], fpid, byName["click"]["client_id"])
	}
	if pu["x-ga-js_client_id"] != jsID {
		t.Errorf("purchase x-ga-js_client_id %v, want %q", pu["x-ga-js_client_id"], jsID)
	}
}

func keys(m map[string]runtime.Event) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
