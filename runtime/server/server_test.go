package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tagd-dev/tagd/runtime"
)

type echoClient struct{}

func (echoClient) Handle(ctx context.Context, x *runtime.Exchange) (bool, error) {
	if x.Request.Path != "/echo" {
		return false, nil
	}
	if err := x.Claim("echo"); err != nil {
		return false, err
	}
	x.Response().SetStatus(201)
	x.Response().SetBody([]byte("echo:" + string(x.Request.Body)))
	x.Response().Return()
	return true, nil
}

func engine() *runtime.Engine {
	c := &runtime.Container{
		Env:      &runtime.Env{ContainerID: "GTM-T", Version: "v1"},
		Clients:  []*runtime.ClientBinding{{Name: "echo", Client: echoClient{}}},
		Requests: runtime.RequestOptions{MaxBodyBytes: 16},
	}
	return runtime.NewEngine(c, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

func TestIngress(t *testing.T) {
	ts := httptest.NewServer(Ingress(engine()))
	defer ts.Close()
	tests := []struct {
		method, path, body string
		status             int
		bodyPart           string
	}{
		{"GET", "/healthz", "", 200, "ok"},
		{"GET", "/healthy", "", 200, "ok"},
		{"POST", "/echo", "hi", 201, "echo:hi"},
		{"GET", "/unknown", "", 400, "no client claimed"},
		{"POST", "/echo", strings.Repeat("x", 17), 413, "too large"},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, ts.URL+tt.path, strings.NewReader(tt.body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || !strings.Contains(string(b), tt.bodyPart) {
			t.Errorf("%s %s: %d %q, want %d containing %q", tt.method, tt.path, resp.StatusCode, b, tt.status, tt.bodyPart)
		}
	}
}

func TestAdminAuth(t *testing.T) {
	ts := httptest.NewServer(Admin(engine(), nil, "s3cret", time.Now()))
	defer ts.Close()
	get := func(token string) *http.Response {
		req, _ := http.NewRequest("GET", ts.URL+"/api/status", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	for _, tok := range []string{"", "wrong"} {
		resp := get(tok)
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("token %q: status %d, want 401", tok, resp.StatusCode)
		}
	}
	resp := get("s3cret")
	defer resp.Body.Close()
	var st map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || resp.StatusCode != 200 {
		t.Fatalf("status %d: %v", resp.StatusCode, err)
	}
	if st["container_id"] != "GTM-T" || st["container_version"] != "v1" {
		t.Errorf("status = %v", st)
	}
}

func TestAdminRefusesPublicWithoutToken(t *testing.T) {
	err := Run(context.Background(), Options{Listen: "127.0.0.1:0", AdminListen: "0.0.0.0:0", Engine: engine()})
	if err == nil || !strings.Contains(err.Error(), "admin_token") {
		t.Fatalf("want refusal, got %v", err)
	}
	for addr, want := range map[string]bool{"127.0.0.1:1": true, "[::1]:1": true, "localhost:1": true, ":8081": false, "0.0.0.0:1": false, "10.0.0.1:1": false} {
		if IsLoopback(addr) != want {
			t.Errorf("IsLoopback(%s) != %v", addr, want)
		}
	}
}

func TestRejectedRequestsAreObserved(t *testing.T) {
	e := engine()
	statuses := make(chan int, 4)
	e.Observe = func(_ *runtime.Exchange, status int, _ time.Duration) { statuses <- status }
	ts := httptest.NewServer(Ingress(e))
	defer ts.Close()
	resp, err := http.Post(ts.URL+"/echo", "text/plain", strings.NewReader(strings.Repeat("x", 17)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	select {
	case s := <-statuses:
		if s != 413 {
			t.Errorf("observed status %d, want 413", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("an oversized request was not observed")
	}
}
