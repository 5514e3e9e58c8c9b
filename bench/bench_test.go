package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tagd-dev/tagd/clients/ga4"
	"github.com/tagd-dev/tagd/config"
	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/runtime/loader"
	_ "github.com/tagd-dev/tagd/sandbox/api"
)

// Every hit of the mix is a well-formed HTTP request that the GA4 parser reads as the
// events the mix counts, so events/s and the expected outbound count are right.
func TestMixMatchesTheGA4Parser(t *testing.T) {
	m := NewMix(300, 1)
	kinds := map[string]int{}
	for i, h := range m.Hits {
		kinds[h.Kind]++
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(h.Raw("127.0.0.1:1"))))
		if err != nil {
			t.Fatalf("hit %d (%s): not a valid request: %v", i, h.Kind, err)
		}
		body, _ := io.ReadAll(req.Body)
		evs, err := ga4.Parse(ga4.Hit{Method: req.Method, RawQuery: req.URL.RawQuery, Body: body, Header: req.Header, RemoteIP: "198.51.100.1"})
		if err != nil {
			t.Fatalf("hit %d (%s): %v", i, h.Kind, err)
		}
		firing := 0
		for _, ev := range evs {
			if n := ev["event_name"]; n == "page_view" || n == "purchase" {
				firing++
			}
		}
		if len(evs) != h.Events || firing != h.Firing {
			t.Fatalf("hit %d (%s): parser sees %d events, %d firing; mix says %d, %d", i, h.Kind, len(evs), firing, h.Events, h.Firing)
		}
		if h.Kind == "purchase" && len(evs[0]["items"].([]any)) != 5 {
			t.Fatalf("hit %d: purchase without five items", i)
		}
	}
	for _, k := range []string{"page_view", "batch", "purchase"} {
		if kinds[k] == 0 {
			t.Errorf("no %s hit in the mix", k)
		}
	}
	// Reproducible: the same seed gives the same hits.
	if diff := cmp.Diff(NewMix(20, 9).Hits, NewMix(20, 9).Hits); diff != "" {
		t.Errorf("mix is not reproducible:\n%s", diff)
	}
}

// The embedded container loads, with the GA4 client and three tags on one trigger.
func TestContainerBuilds(t *testing.T) {
	o := &options{gogc: 400, memLimit: 128 << 20}
	cfg, err := config.Parse("container.toml", t.TempDir(), []byte(containerConfig(o)))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Server.GOGC != 400 || cfg.Server.MemoryLimitBytes != 128<<20 {
		t.Errorf("gc settings not applied: %d, %d", cfg.Server.GOGC, cfg.Server.MemoryLimitBytes)
	}
	cfg.Server.DataDir = t.TempDir()
	res, err := loader.Build(cfg, loader.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), HTTP: nopDispatcher{}})
	if err != nil {
		t.Fatal(err)
	}
	c := res.Container
	if len(c.Clients) != 1 || len(c.Tags) != 3 {
		t.Fatalf("%d clients, %d tags; want 1 and 3", len(c.Clients), len(c.Tags))
	}
	for _, tb := range c.Tags {
		if len(tb.Firing) != 1 || strings.Join(tb.Firing[0].Events, ",") != "page_view,purchase" {
			t.Errorf("tag %s fires on %v", tb.Name, tb.Firing)
		}
	}
}

type nopDispatcher struct{}

func (nopDispatcher) Do(context.Context, *runtime.OutboundRequest) (*runtime.OutboundResponse, error) {
	return &runtime.OutboundResponse{StatusCode: 200}, nil
}

func TestReadResponse(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		status int
		keep   bool
		err    error
		rest   string // what is left for the next response
	}{
		{"no content", "HTTP/1.1 204 No Content\r\nDate: x\r\n\r\nNEXT", 204, true, nil, "NEXT"},
		{"length", "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhelloNEXT", 200, true, nil, "NEXT"},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nTrailer: t\r\n\r\nNEXT", 200, true, nil, "NEXT"},
		{"close", "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", 400, false, nil, ""},
		{"http/1.0", "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", 200, false, nil, ""},
		{"until eof", "HTTP/1.1 200 OK\r\n\r\nbody", 200, false, nil, ""},
		{"bad status", "HTTP/1.1 2x4 Oops\r\n\r\n", 0, false, errMalformed, ""},
		{"not http", "SSH-2.0-OpenSSH\r\n", 0, false, errMalformed, ""},
		{"bad length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 200, false, errMalformed, ""},
		{"bad chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 200, true, errMalformed, ""},
		{"truncated", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 200, true, io.EOF, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := bufio.NewReader(strings.NewReader(tt.in))
			status, keep, err := readResponse(r)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("error %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil || status != tt.status || keep != tt.keep {
				t.Fatalf("got %d keep=%v err=%v; want %d keep=%v", status, keep, err, tt.status, tt.keep)
			}
			rest, _ := io.ReadAll(r)
			if string(rest) != tt.rest {
				t.Errorf("left %q for the next response, want %q", rest, tt.rest)
			}
		})
	}
}

// FuzzReadResponse: whatever a server sends, the reader returns (an error or a status)
// without panicking, and never reports a status outside 100..999 without an error.
func FuzzReadResponse(f *testing.F) {
	f.Add("HTTP/1.1 204 No Content\r\n\r\n")
	f.Add("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
	f.Add("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc")
	f.Fuzz(func(t *testing.T, in string) {
		status, _, err := readResponse(bufio.NewReader(strings.NewReader(in)))
		if err == nil && (status < 100 || status > 999) {
			t.Fatalf("status %d without an error", status)
		}
	})
}

func TestParseProc(t *testing.T) {
	// A command name with spaces and parentheses must not shift the fields.
	stat := "4242 (tagd (x) y) S 1 4242 4242 0 -1 4194560 1200 0 0 0 250 75 0 0 20 0 9 0 100 0 0\n"
	cpu, err := parseStatCPU([]byte(stat))
	if err != nil || cpu != 3250*time.Millisecond {
		t.Fatalf("cpu %v, %v; want 3.25s", cpu, err)
	}
	for _, bad := range []string{"", "1 (x", "1 (x) S 1 2", "1 (x) S 1 2 3 4 5 6 7 8 9 u s"} {
		if _, err := parseStatCPU([]byte(bad)); err == nil {
			t.Errorf("parseStatCPU(%q): no error", bad)
		}
	}
	rss, hwm := parseStatusMem([]byte("Name:\ttagd\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nThreads: 9\n"))
	if rss != 100<<20 || hwm != 200<<20 {
		t.Errorf("rss %d hwm %d", rss, hwm)
	}
}

func FuzzParseStatCPU(f *testing.F) {
	f.Add("4242 (tagd) S 1 4242 4242 0 -1 4194560 1200 0 0 0 250 75 0 0")
	f.Fuzz(func(t *testing.T, s string) {
		if d, err := parseStatCPU([]byte(s)); err == nil && d < 0 {
			t.Fatalf("negative CPU time %v", d)
		}
	})
}

func TestPromValues(t *testing.T) {
	text := `# HELP go_memstats_mallocs_total Total number of heap objects allocated.
# TYPE go_memstats_mallocs_total counter
go_memstats_mallocs_total 1.234e+06
tagd_events_total{client="GA4",event="page_view"} 10
tagd_events_total{client="GA4",event="a b"} 5
go_memstats_alloc_bytes_total 4096
`
	got, err := promValues(strings.NewReader(text), "go_memstats_mallocs_total", "tagd_events_total", "missing")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"go_memstats_mallocs_total": 1234000, "tagd_events_total": 15}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, err := promValues(strings.NewReader("go_memstats_mallocs_total abc\n"), "go_memstats_mallocs_total"); err == nil {
		t.Error("no error for a non-numeric value")
	}
}

func TestCPUCount(t *testing.T) {
	for in, want := range map[string]int{"1": 1, "0,2": 2, "2-3": 2, "0-3,6": 5} {
		if got := cpuCount(in); got != want {
			t.Errorf("cpuCount(%q) = %d, want %d", in, got, want)
		}
	}
}
