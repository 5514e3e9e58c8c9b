package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// hook is a local vendor endpoint that records every request it gets.
type hook struct {
	up  atomic.Bool
	mu  sync.Mutex
	got []hookRequest
}

type hookRequest struct {
	Method string
	URL    string
	Header http.Header
	Body   string
	Status int
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	status := http.StatusServiceUnavailable
	if h.up.Load() {
		status = http.StatusOK
	}
	h.mu.Lock()
	h.got = append(h.got, hookRequest{r.Method, r.URL.RequestURI(), r.Header.Clone(), string(b), status})
	h.mu.Unlock()
	w.WriteHeader(status)
}

func (h *hook) requests() []hookRequest {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]hookRequest(nil), h.got...)
}

// tagdProc is a running tagd serve child process.
type tagdProc struct {
	cmd   *exec.Cmd
	lines <-chan string
	addr  string
	admin string
}

func startTagd(t *testing.T, bin, cfg string) *tagdProc {
	t.Helper()
	cmd := exec.Command(bin, "serve", "-config", cfg)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	ch := lines(stdout)
	ready := waitLine(t, ch, func(r map[string]any) bool { return r["msg"] == "tagd serving" })
	p := &tagdProc{cmd: cmd, lines: ch}
	p.addr, _ = ready["listen"].(string)
	p.admin, _ = ready["admin"].(string)
	go func() {
		for range ch { // keep the pipe drained
		}
	}()
	return p
}

func (p *tagdProc) outboxStats(t *testing.T) map[string]any {
	t.Helper()
	resp, err := http.Get("http://" + p.admin + "/api/outbox")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A tagd killed with SIGKILL while requests wait in its outbox delivers every one of them,
// byte for byte, after a restart on the same data directory.
func TestCrashKeepsPendingRequests(t *testing.T) {
	bin := buildTagd(t)
	dst := &hook{}
	vendor := httptest.NewServer(dst)
	defer vendor.Close()

	dir := t.TempDir()
	cfg := filepath.Join(dir, "tagd.toml")
	toml := fmt.Sprintf(`
[server]
listen = "127.0.0.1:0"
admin_listen = "localhost:0"
data_dir = %q
log_level = "info"

[sandbox]
allow_private_networks = ["127.0.0.1/32"]

[delivery]
base_delay = "50ms"
max_delay = "200ms"

[[client]]
name = "GA4"
type = "ga4"

[[trigger]]
name = "Purchase"
event = "purchase"

[[tag]]
name = "Webhook"
template = "http-request"
triggers = ["Purchase"]
[tag.parameters]
method = "POST"
url = "%s/hook?tx={transaction_id}"
body_format = "json"
body_include_event_data = true
[[tag.parameters.headers]]
name = "X-Idempotency-Key"
value = "{transaction_id}"
`, filepath.Join(dir, "data"), vendor.URL)
	if err := os.WriteFile(cfg, []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}

	const n = 20
	p := startTagd(t, bin, cfg)
	for i := range n {
		u := fmt.Sprintf("http://%s/g/collect?v=2&tid=G-CRASH&cid=1.%d&en=purchase&ep.transaction_id=T-%03d&epn.value=%d&cu=EUR", p.addr, i, i, 10+i)
		resp, err := http.Post(u, "text/plain", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	eventually(t, "every request to be queued", func() bool { return p.outboxStats(t)["pending"] == float64(n) })

	// The first attempt of each request, as the vendor saw it.
	first := map[string]hookRequest{}
	var order []string
	for _, r := range dst.requests() {
		if _, seen := first[r.URL]; !seen {
			first[r.URL] = r
			order = append(order, r.URL)
		}
	}
	if len(first) != n {
		t.Fatalf("vendor saw %d distinct requests before the crash, want %d", len(first), n)
	}

	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()

	dst.up.Store(true)
	before := len(dst.requests())
	p2 := startTagd(t, bin, cfg)
	eventually(t, "the outbox to drain after the restart", func() bool { return p2.outboxStats(t)["pending"] == 0.0 })

	var delivered []string
	for _, r := range dst.requests()[before:] {
		if r.Status != http.StatusOK {
			continue
		}
		want, ok := first[r.URL]
		if !ok {
			t.Errorf("delivered a request that was never made: %s", r.URL)
			continue
		}
		if diff := cmp.Diff(want, r, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Status" }, cmp.Ignore())); diff != "" {
			t.Errorf("%s differs from its first attempt (-first +delivered):\n%s", r.URL, diff)
		}
		delivered = append(delivered, r.URL)
	}
	if diff := cmp.Diff(order, delivered); diff != "" {
		t.Errorf("delivered after the restart (-want +got):\n%s", diff)
	}
	for _, u := range order {
		if h := first[u].Header.Get("X-Idempotency-Key"); !strings.HasSuffix(u, "tx="+h) {
			t.Errorf("%s: idempotency key %q", u, h)
		}
	}

	if err := p2.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p2.cmd.Wait(); err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
}

// On SIGTERM tagd finishes the tag that is still waiting for its vendor, stores the failed
// request, and exits cleanly; the next start delivers it.
func TestSIGTERMFinishesTagsAndKeepsTheirRequests(t *testing.T) {
	bin := buildTagd(t)
	release := make(chan struct{})
	var arrived atomic.Int32
	var up atomic.Bool
	var mu sync.Mutex
	var delivered []string
	vendor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		ok := up.Load()
		if arrived.Add(1) == 1 {
			<-release // the vendor is slow, then fails
			ok = false
		}
		if !ok {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		mu.Lock()
		delivered = append(delivered, r.URL.RequestURI()+" "+string(b))
		mu.Unlock()
	}))
	defer vendor.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "tagd.toml")
	toml := fmt.Sprintf(`
[server]
listen = "127.0.0.1:0"
admin_listen = "localhost:0"
data_dir = %q

[sandbox]
allow_private_networks = ["127.0.0.1/32"]

[delivery]
base_delay = "20ms"
max_delay = "50ms"

[[client]]
name = "GA4"
type = "ga4"

[[tag]]
name = "Webhook"
template = "http-request"
triggers = ["All Events"]
[tag.parameters]
method = "POST"
url = "%s/hook?tx={transaction_id}"
body_format = "json"
[[tag.parameters.body]]
key = "tx"
value = "{transaction_id}"
`, filepath.Join(dir, "data"), vendor.URL)
	if err := os.WriteFile(cfg, []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	p := startTagd(t, bin, cfg)
	resp, err := http.Post("http://"+p.addr+"/g/collect?v=2&tid=G-X&cid=1.2&en=purchase&ep.transaction_id=T-TERM", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	eventually(t, "the tag's request to reach the vendor", func() bool { return arrived.Load() == 1 })
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Shutting down: new requests are refused (503 or no connection), not accepted and lost.
	// The probe is a request no client claims, so that one answered before the shutdown
	// began adds no event.
	eventually(t, "new requests to be refused", func() bool {
		resp, err := http.Get("http://" + p.addr + "/not-a-hit")
		if err != nil {
			return true
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusServiceUnavailable
	})
	close(release)
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}

	up.Store(true)
	p2 := startTagd(t, bin, cfg)
	eventually(t, "delivery after the restart", func() bool { return p2.outboxStats(t)["pending"] == 0.0 })
	mu.Lock()
	defer mu.Unlock()
	if len(delivered) != 1 || delivered[0] != `/hook?tx=T-TERM {"tx":"T-TERM"}` {
		t.Errorf("delivered %q", delivered)
	}
}
