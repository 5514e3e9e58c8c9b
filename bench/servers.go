package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/signal"
	goruntime "runtime"
	"sort"
	"sync"
	"syscall"
	"time"
)

// serveUntilSignal listens on 127.0.0.1 (any port), prints "listening ADDR" on stdout and
// serves h until SIGTERM/SIGINT.
func serveUntilSignal(h http.Handler, stdout, stderr io.Writer) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	fmt.Fprintf(stdout, "listening %s\n", ln.Addr())
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

// ServerStats is what /__stats of the baseline and the sink report.
type ServerStats struct {
	Mallocs    uint64           `json:"mallocs"`
	AllocBytes uint64           `json:"alloc_bytes"`
	Requests   int64            `json:"requests"`
	ByDest     map[string]int64 `json:"by_dest,omitempty"`
}

func memStats() ServerStats {
	var ms goruntime.MemStats
	goruntime.ReadMemStats(&ms)
	return ServerStats{Mallocs: ms.Mallocs, AllocBytes: ms.TotalAlloc}
}

// runBaseline is the bare net/http server every tagd number is compared with: it reads
// the request and answers 204, as a GA4 endpoint with nothing behind it would.
func runBaseline(stdout, stderr io.Writer) int {
	var mu sync.Mutex
	var n int64
	return serveUntilSignal(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/__stats" {
			st := memStats()
			mu.Lock()
			st.Requests = n
			mu.Unlock()
			writeStats(w, st)
			return
		}
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		n++
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}), stdout, stderr)
}

// runSink is the vendors' stand-in: every outbound request of tagd arrives here through
// the outbound redirect and is counted by its original destination.
func runSink(stdout, stderr io.Writer) int {
	var mu sync.Mutex
	var total int64
	by := map[string]int64{}
	return serveUntilSignal(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/__stats" {
			st := ServerStats{ByDest: map[string]int64{}}
			mu.Lock()
			st.Requests = total
			for k, v := range by {
				st.ByDest[k] = v
			}
			mu.Unlock()
			writeStats(w, st)
			return
		}
		_, _ = io.Copy(io.Discard, r.Body)
		dest := "unknown"
		if u, err := url.Parse(r.Header.Get("X-Tagd-Original-Url")); err == nil && u.Host != "" {
			dest = u.Host
		}
		mu.Lock()
		total++
		by[dest]++
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"events_received":1,"messages":[],"fbtrace_id":"bench"}`))
	}), stdout, stderr)
}

func writeStats(w http.ResponseWriter, st ServerStats) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(st)
}

// destinations lists a sink's counts in a stable order.
func destinations(by map[string]int64) []string {
	out := make([]string, 0, len(by))
	for k, v := range by {
		out = append(out, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(out)
	return out
}
