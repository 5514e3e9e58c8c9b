package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// LoadSpec is one load phase, passed to the load generator process as flags.
type LoadSpec struct {
	Addr     string
	Mode     string // "closed": Conns workers back to back; "open": Rate requests/s on schedule
	Conns    int
	Rate     float64
	Duration time.Duration
	Max      int // stop after this many requests whatever the duration
	Seed     uint64
	MixSize  int
}

func (s LoadSpec) args() []string {
	return []string{
		"-addr", s.Addr, "-mode", s.Mode, "-conns", fmt.Sprint(s.Conns), "-rate", fmt.Sprint(s.Rate),
		"-duration", s.Duration.String(), "-max", fmt.Sprint(s.Max), "-seed", fmt.Sprint(s.Seed),
		"-mix", fmt.Sprint(s.MixSize),
	}
}

// LoadResult is what the load generator prints (JSON) when a phase ends.
type LoadResult struct {
	Requests int64            `json:"requests"`
	OK       int64            `json:"ok"` // 2xx
	Failed   int64            `json:"failed"`
	Errors   map[string]int64 `json:"errors,omitempty"` // transport errors and non-2xx by text
	Events   int64            `json:"events"`           // events in 2xx hits
	Firing   int64            `json:"firing"`           // tag-firing events in 2xx hits
	Elapsed  time.Duration    `json:"elapsed_ns"`
	// Latency percentiles; in open mode measured from each request's scheduled time, so a
	// server that falls behind pays for the queueing it causes (no coordinated omission).
	P50, P90, P99, P999, Max time.Duration
	Mean                     time.Duration
	// CPU is the generator's own user+system time: near 1 s per second means the harness,
	// not the server, was the limit.
	CPU time.Duration `json:"cpu_ns"`
	// Late counts open-mode requests sent more than 1 ms after their scheduled time.
	Late int64 `json:"late"`
	// ByKind has the latency percentiles of each kind of hit (page_view, batch, purchase).
	ByKind map[string]KindLatency `json:"by_kind,omitempty"`
}

// KindLatency is one hit kind's share of a phase.
type KindLatency struct {
	Count         int
	P50, P90, P99 time.Duration
}

// RPS is successful requests per second.
func (r LoadResult) RPS() float64 { return float64(r.OK) / r.Elapsed.Seconds() }

// EPS is events per second in successful requests.
func (r LoadResult) EPS() float64 { return float64(r.Events) / r.Elapsed.Seconds() }

func parseLoadSpec(args []string, stderr io.Writer) (LoadSpec, error) {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var s LoadSpec
	fs.StringVar(&s.Addr, "addr", "", "host:port of the server")
	fs.StringVar(&s.Mode, "mode", "closed", "closed or open")
	fs.IntVar(&s.Conns, "conns", 64, "connections (workers)")
	fs.Float64Var(&s.Rate, "rate", 0, "requests per second (open mode)")
	fs.DurationVar(&s.Duration, "duration", 10*time.Second, "phase length")
	fs.IntVar(&s.Max, "max", 2_000_000, "most requests to send")
	fs.Uint64Var(&s.Seed, "seed", 1, "seed of the hit mix")
	fs.IntVar(&s.MixSize, "mix", 2000, "distinct prebuilt hits")
	if err := fs.Parse(args); err != nil {
		return s, err
	}
	switch {
	case s.Addr == "":
		return s, errors.New("loadgen: -addr is required")
	case s.Mode != "closed" && s.Mode != "open":
		return s, fmt.Errorf("loadgen: -mode %q: want closed or open", s.Mode)
	case s.Mode == "open" && s.Rate <= 0:
		return s, errors.New("loadgen: open mode needs -rate > 0")
	case s.Conns < 1 || s.Max < 1 || s.Duration <= 0 || s.MixSize < 1:
		return s, errors.New("loadgen: -conns, -max, -duration and -mix must be positive")
	}
	return s, nil
}

// runLoadgen is the load generator process: it runs one phase and prints its LoadResult.
func runLoadgen(args []string, stdout, stderr io.Writer) int {
	s, err := parseLoadSpec(args, stderr)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	res := Generate(s)
	if err := json.NewEncoder(stdout).Encode(res); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

type worker struct {
	lat    []int64
	kinds  []uint8 // index into kindNames, per latency sample
	ok     int64
	events int64
	firing int64
	late   int64
	errs   map[string]int64
}

func (w *worker) fail(what string) {
	if w.errs == nil {
		w.errs = map[string]int64{}
	}
	w.errs[what]++
}

// job is one scheduled request (open mode).
type job struct {
	hit int
	at  time.Time
}

// Generate runs one load phase against s.Addr.
func Generate(s LoadSpec) LoadResult {
	mix := NewMix(s.MixSize, s.Seed)
	raws := make([][]byte, len(mix.Hits))
	for i, h := range mix.Hits {
		raws[i] = h.Raw(s.Addr)
	}
	cpu0 := selfCPU()
	start := time.Now()
	end := start.Add(s.Duration)
	workers := make([]*worker, s.Conns)
	var wg sync.WaitGroup
	var sent atomic.Int64

	send := func(w *worker, c *conn, i int, t0 time.Time) {
		// Each request may take until 10 s after the phase; then it counts as failed.
		status, keep, err := c.do(raws[i], end.Add(10*time.Second))
		lat := time.Since(t0)
		w.lat = append(w.lat, int64(lat))
		w.kinds = append(w.kinds, kindIndex[mix.Hits[i].Kind])
		switch {
		case err != nil:
			w.fail(shortErr(err))
			c.close()
			return
		case status < 200 || status > 299:
			w.fail(fmt.Sprintf("HTTP %d", status))
		default:
			w.ok++
			w.events += int64(mix.Hits[i].Events)
			w.firing += int64(mix.Hits[i].Firing)
		}
		if !keep {
			c.close()
		}
	}

	switch s.Mode {
	case "closed":
		for k := range workers {
			w := &worker{lat: make([]int64, 0, 1<<14)}
			workers[k] = w
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := &conn{addr: s.Addr}
				defer c.close()
				for time.Now().Before(end) {
					n := sent.Add(1)
					if n > int64(s.Max) {
						return
					}
					send(w, c, int(n-1)%len(raws), time.Now())
				}
			}()
		}
	case "open":
		jobs := make(chan job, 1<<16)
		for k := range workers {
			w := &worker{lat: make([]int64, 0, 1<<12)}
			workers[k] = w
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := &conn{addr: s.Addr}
				defer c.close()
				for j := range jobs {
					if d := time.Until(j.at); d > 0 {
						time.Sleep(d)
					} else if d < -time.Millisecond {
						w.late++
					}
					send(w, c, j.hit, j.at)
				}
			}()
		}
		// Once per tick the scheduler hands out every request due before the next tick is
		// over; a worker then sleeps until the request's own time, so the tick does not add
		// up to a millisecond of its own to the measured latency.
		interval := time.Duration(float64(time.Second) / s.Rate)
		const lookahead = 2 * time.Millisecond
		var n int64
		tick := time.NewTicker(time.Millisecond)
		for now := start; now.Before(end) && n < int64(s.Max); now = <-tick.C {
			due := int64((now.Sub(start) + lookahead) / interval)
			for ; n <= due && n < int64(s.Max); n++ {
				at := start.Add(time.Duration(n) * interval)
				if !at.Before(end) {
					break
				}
				jobs <- job{hit: int(n) % len(raws), at: at}
			}
		}
		tick.Stop()
		close(jobs)
	}
	wg.Wait()
	elapsed := time.Since(start)
	res := LoadResult{Elapsed: elapsed, CPU: selfCPU() - cpu0, Errors: map[string]int64{}, ByKind: map[string]KindLatency{}}
	var all []int64
	perKind := make([][]int64, len(kindNames))
	for _, w := range workers {
		all = append(all, w.lat...)
		for j, k := range w.kinds {
			perKind[k] = append(perKind[k], w.lat[j])
		}
		res.OK += w.ok
		res.Events += w.events
		res.Firing += w.firing
		res.Late += w.late
		for k, v := range w.errs {
			res.Errors[k] += v
			res.Failed += v
		}
	}
	res.Requests = int64(len(all))
	if len(all) > 0 {
		slices.Sort(all)
		pct := func(p float64) time.Duration { return time.Duration(all[min(len(all)-1, int(p*float64(len(all))))]) }
		res.P50, res.P90, res.P99, res.P999 = pct(0.50), pct(0.90), pct(0.99), pct(0.999)
		res.Max = time.Duration(all[len(all)-1])
		var sum int64
		for _, v := range all {
			sum += v
		}
		res.Mean = time.Duration(sum / int64(len(all)))
	}
	for k, lats := range perKind {
		if len(lats) == 0 {
			continue
		}
		slices.Sort(lats)
		pct := func(p float64) time.Duration { return time.Duration(lats[min(len(lats)-1, int(p*float64(len(lats))))]) }
		res.ByKind[kindNames[k]] = KindLatency{Count: len(lats), P50: pct(0.5), P90: pct(0.9), P99: pct(0.99)}
	}
	if len(res.Errors) == 0 {
		res.Errors = nil
	}
	return res
}

var kindNames = []string{"page_view", "batch", "purchase"}

var kindIndex = map[string]uint8{"page_view": 0, "batch": 1, "purchase": 2}

// shortErr groups transport errors by kind rather than by address and port.
func shortErr(err error) string {
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, errMalformed):
		return "malformed response"
	}
	var ne interface{ Timeout() bool }
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	return "transport error"
}

// selfCPU is this process's user+system CPU time.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
