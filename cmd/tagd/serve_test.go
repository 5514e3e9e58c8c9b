package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildTagd compiles the binary once per test run.
func buildTagd(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "tagd")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// lines streams a reader's lines into a channel.
func lines(r io.Reader) <-chan string {
	ch := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			ch <- sc.Text()
		}
		close(ch)
	}()
	return ch
}

func waitLine(t *testing.T, ch <-chan string, match func(map[string]any) bool) map[string]any {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case l, ok := <-ch:
			if !ok {
				t.Fatal("tagd exited before the expected log line")
			}
			var rec map[string]any
			if json.Unmarshal([]byte(l), &rec) == nil && match(rec) {
				return rec
			}
		case <-timeout:
			t.Fatal("timed out waiting for a log line")
		}
	}
}

// TestServeEmbeddedDefault is the README's first command: tagd serve with the embedded
// container prints a GA4 hit's event as one JSON line with its full event data.
func TestServeEmbeddedDefault(t *testing.T) {
	bin := buildTagd(t)
	cmd := exec.Command(bin, "serve", "-listen", "127.0.0.1:0", "-admin-listen", "off")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	ch := lines(stdout)
	ready := waitLine(t, ch, func(r map[string]any) bool { return r["msg"] == "tagd serving" })
	addr, _ := ready["listen"].(string)

	resp, err := http.Post("http://"+addr+"/g/collect?v=2&tid=G-TEST123&cid=111.222&en=purchase&ep.transaction_id=T-1001&epn.value=59.98&cu=USD", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	rec := waitLine(t, ch, func(r map[string]any) bool { return r["msg"] == "console" })
	ed, ok := rec["event_data"].(map[string]any)
	if !ok {
		t.Fatalf("no event_data in %v", rec)
	}
	for k, want := range map[string]any{"event_name": "purchase", "transaction_id": "T-1001", "value": 59.98, "currency": "USD", "client_id": "111.222", "x-ga-measurement_id": "G-TEST123"} {
		if ed[k] != want {
			t.Errorf("event_data[%s] = %#v, want %#v", k, ed[k], want)
		}
	}

	// SIGTERM drains and exits cleanly.
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		for range ch {
		}
		done <- cmd.Wait()
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Error("tagd did not exit after SIGTERM")
	}
}

func TestCheckCommand(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.toml")
	bad := filepath.Join(dir, "bad.toml")
	if err := os.WriteFile(good, []byte("[[client]]\nname = \"GA4\"\ntype = \"ga4\"\n\n[[tag]]\nname = \"Log\"\ntemplate = \"logger\"\ntriggers = [\"All Events\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("[[client]]\nname = \"GA4\"\ntype = \"ga4\"\n\n[[tag]]\nname = \"Meta\"\ntemplate = \"meta-capi\"\ntriggers = [\"All Events\"]\n[tag.parameters]\npixel_id = \"1\"\nbogus = 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb strings.Builder
	if code := runCheck([]string{"-config", good}, &out, &errb); code != 0 {
		t.Fatalf("good config: exit %d: %s", code, errb.String())
	}
	out.Reset()
	errb.Reset()
	if code := runCheck([]string{"-config", bad}, &out, &errb); code != 1 {
		t.Fatalf("bad config: exit %d", code)
	}
	msg := errb.String()
	for _, want := range []string{"bad.toml:5:", "access_token", "bogus"} {
		if !strings.Contains(msg, want) {
			t.Errorf("check output lacks %q:\n%s", want, msg)
		}
	}
}

func TestCheckWarnsAboutUndeclaredPermissions(t *testing.T) {
	dir := t.TempDir()
	tpl := "___INFO___\n\n{\"type\": \"TAG\", \"id\": \"cvt_temp_public_id\", \"version\": 1, \"displayName\": \"X\", \"containerContexts\": [\"SERVER\"]}\n\n___SANDBOXED_JS_FOR_SERVER___\n\nconst getAllEventData = require('getAllEventData');\ndata.gtmOnSuccess();\n"
	if err := os.WriteFile(filepath.Join(dir, "x.tpl"), []byte(tpl), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "tagd.toml")
	if err := os.WriteFile(cfg, []byte("[[client]]\nname = \"GA4\"\ntype = \"ga4\"\n[[tag]]\nname = \"X\"\ntemplate = \"x.tpl\"\ntriggers = [\"All Events\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb strings.Builder
	if code := runCheck([]string{"-config", cfg}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "x.tpl:7: getAllEventData needs permission \"read_event_data\"") {
		t.Errorf("no warning:\n%s", errb.String())
	}
}
