package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/runtime/outbox"
	"github.com/tagd-dev/tagd/runtime/server"
)

// fillOutbox makes a store with one dead letter (id 1, a 400) and one pending request
// (id 2, a 503 that is not retried soon).
func fillOutbox(t *testing.T, path string) {
	t.Helper()
	code := 400
	dst := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(code)
		_, _ = io.WriteString(w, `{"error":"bad pixel"}`)
	}))
	defer dst.Close()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	plain, _ := runtime.NewHTTPDispatcher("", 0, 5*time.Second)
	ob, err := outbox.Open(outbox.Options{Path: path, Logger: quiet, Sender: plain})
	if err != nil {
		t.Fatal(err)
	}
	slow := outbox.Policy{MaxAttempts: 5, BaseDelay: time.Hour, MaxDelay: time.Hour}
	d := ob.Bind(outbox.Binding{Inner: plain, Policies: map[string]outbox.Policy{"Meta CAPI": slow, "GA4": slow}})
	for _, r := range []struct {
		tag, body string
		code      int
	}{{"Meta CAPI", `{"event_id":"e1"}`, 400}, {"GA4", `{"client_id":"1.2"}`, 503}} {
		code = r.code
		h := http.Header{"Content-Type": {"application/json"}}
		if _, err := d.Do(context.Background(), &runtime.OutboundRequest{Method: "POST", URL: dst.URL + "/e?token=x", Header: h, Body: []byte(r.body), Source: r.tag}); err != nil {
			t.Fatal(err)
		}
	}
	if err := ob.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func runOutboxCmd(args ...string) (code int, stdout, stderr string) {
	var out, errb strings.Builder
	code = runOutbox(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestOutboxCommandOnStoreFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	fillOutbox(t, path)

	code, out, errOut := runOutboxCmd("-store", path, "list")
	if code != 0 || !strings.Contains(out, "Meta CAPI") || !strings.Contains(out, "status 400 is not retryable") || !strings.Contains(out, "pending") {
		t.Fatalf("list: %d\n%s%s", code, out, errOut)
	}
	code, out, _ = runOutboxCmd("-store", path, "list", "-state", "dead", "-json")
	var dead []outbox.Summary
	if code != 0 || json.Unmarshal([]byte(out), &dead) != nil || len(dead) != 1 || dead[0].ID != 1 || dead[0].LastStatus != 400 {
		t.Fatalf("list -state dead -json: %d %s", code, out)
	}
	code, out, _ = runOutboxCmd("-store", path, "show", "1")
	for _, want := range []string{"state:     dead", "reason:    status 400 is not retryable", `response:  {"error":"bad pixel"}`, "POST http://127.0.0.1:", "/e?token=x", "Content-Type: application/json", `{"event_id":"e1"}`} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("show 1 lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = runOutboxCmd("-store", path, "stats")
	if code != 0 || !strings.Contains(out, "pending: 1") || !strings.Contains(out, "dead:    1") {
		t.Errorf("stats: %d\n%s", code, out)
	}

	// Replaying on a stopped tagd's store queues the request for its next start.
	if code, out, errOut = runOutboxCmd("-store", path, "replay", "1"); code != 0 || out != "replayed 1\n" {
		t.Fatalf("replay: %d %q %s", code, out, errOut)
	}
	code, out, _ = runOutboxCmd("-store", path, "list", "-state", "pending", "-json")
	var pending []outbox.Summary
	if code != 0 || json.Unmarshal([]byte(out), &pending) != nil || len(pending) != 2 || pending[0].Attempts != 0 {
		t.Errorf("after replay: %s", out)
	}
	if code, out, _ = runOutboxCmd("-store", path, "drop", "-all", "-state", "all", "-tag", "GA4"); code != 0 || out != "dropped 1 items\n" {
		t.Errorf("drop -all -tag GA4: %d %q", code, out)
	}
	if code, out, _ = runOutboxCmd("-store", path, "drop", "1"); code != 0 || out != "dropped 1\n" {
		t.Errorf("drop 1: %d %q", code, out)
	}
	if code, out, _ = runOutboxCmd("-store", path, "list"); code != 0 || out != "no items\n" {
		t.Errorf("final list: %d %q", code, out)
	}

	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-store", path, "show"}, 2, "give one item ID"},
		{[]string{"-store", path, "show", "x"}, 2, `"x" is not an item ID`},
		{[]string{"-store", path, "drop", "-all"}, 2, "-all needs -state"},
		{[]string{"-store", path, "replay"}, 2, "give item IDs or -all"},
		{[]string{"-store", path, "replay", "-tag", "A", "3"}, 2, "only apply with -all"},
		{[]string{"-store", path, "list", "-state", "gone"}, 2, `-state "gone"`},
		{[]string{"-store", path, "frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"-store", path, "show", "99"}, 1, "no such outbox item"},
		{[]string{"-store", filepath.Join(t.TempDir(), "none.db"), "replay", "1"}, 1, "no outbox store at"},
		{[]string{"-admin", "ftp://x", "stats"}, 1, "want an http:// or https:// URL"},
	} {
		code, _, errOut := runOutboxCmd(c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, errOut, c.code, c.want)
		}
	}
	if code, out, _ := runOutboxCmd("-store", filepath.Join(t.TempDir(), "none.db"), "list"); code != 0 || out != "no items\n" {
		t.Errorf("list on a missing store: %d %q", code, out)
	}
}

// While a tagd holds the store, the command uses its admin API (found through -config).
func TestOutboxCommandFallsBackToAdminAPI(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "data", "outbox.db")
	fillOutbox(t, path)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ob, err := outbox.Open(outbox.Options{Path: path, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer ob.Close(context.Background())
	e := runtime.NewEngine(&runtime.Container{Env: &runtime.Env{}}, quiet)
	adm := httptest.NewServer(server.Admin(e, nil, "tok", time.Now(), server.AdminExtras{Outbox: ob}))
	defer adm.Close()

	cfg := filepath.Join(dir, "tagd.toml")
	toml := fmt.Sprintf("[server]\ndata_dir = %q\nadmin_listen = %q\nadmin_token = \"tok\"\n", filepath.Join(dir, "data"), strings.TrimPrefix(adm.URL, "http://"))
	if err := os.WriteFile(cfg, []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runOutboxCmd("-config", cfg, "list", "-state", "dead")
	if code != 0 || !strings.Contains(errOut, "using its admin API") || !strings.Contains(out, "Meta CAPI") || strings.Contains(out, "GA4") {
		t.Fatalf("list through the fallback: %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = runOutboxCmd("-admin", adm.URL, "-token", "tok", "show", "2")
	if code != 0 || !strings.Contains(out, "state:     pending") || !strings.Contains(out, `{"client_id":"1.2"}`) {
		t.Errorf("show via -admin: %d\n%s", code, out)
	}
	if code, _, errOut = runOutboxCmd("-admin", adm.URL, "-token", "wrong", "stats"); code != 1 || !strings.Contains(errOut, "HTTP 401") {
		t.Errorf("wrong token: %d %s", code, errOut)
	}
	if code, out, _ = runOutboxCmd("-admin", adm.URL, "-token", "tok", "drop", "-all", "-state", "dead"); code != 0 || out != "dropped 1 items\n" {
		t.Errorf("drop via -admin: %d %q", code, out)
	}
	if st := ob.Stats(); st.Dead != 0 || st.Pending != 1 {
		t.Errorf("server-side stats after the drop: %+v", st)
	}
	if code, out, _ = runOutboxCmd("-admin", adm.URL, "-token", "tok", "stats"); code != 0 || !strings.Contains(out, "pending: 1") {
		t.Errorf("stats via -admin: %d %q", code, out)
	}
}
