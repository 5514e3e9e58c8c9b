package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

//go:embed container.toml
var containerTOML []byte

func main() {
	// The same binary plays every part: the orchestrator by default, and the load
	// generator, sink and baseline server as child processes.
	if len(os.Args) > 2 && os.Args[1] == "-role" {
		switch os.Args[2] {
		case "loadgen":
			os.Exit(runLoadgen(os.Args[3:], os.Stdout, os.Stderr))
		case "sink":
			os.Exit(runSink(os.Stdout, os.Stderr))
		case "baseline":
			os.Exit(runBaseline(os.Stdout, os.Stderr))
		}
		fmt.Fprintf(os.Stderr, "bench: unknown role %q\n", os.Args[2])
		os.Exit(2)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type options struct {
	duration, warmup, reloadFor time.Duration
	conns, max, reloads, cold   int
	half                        float64
	rate                        float64
	stall                       time.Duration
	serverCPUs, harnessCPUs     string
	tagd, profile, jsonOut      string
	logLevel, only              string
	tagdEnv                     multi
	keep                        bool
	gogc                        int
	memLimit                    int64
}

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

func parseOptions(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{}
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "length of each measured phase")
	fs.DurationVar(&o.warmup, "warmup", 3*time.Second, "unmeasured load before each server's phases")
	fs.DurationVar(&o.reloadFor, "reload-duration", 8*time.Second, "length of the reload-under-load phase")
	fs.IntVar(&o.conns, "conns", 64, "connections of the saturation phase")
	fs.IntVar(&o.max, "max", 1_000_000, "most requests per phase")
	fs.IntVar(&o.reloads, "reloads", 6, "config reloads during the reload phase")
	fs.IntVar(&o.cold, "cold-starts", 5, "process starts timed for the cold-start figure")
	fs.Float64Var(&o.half, "load-factor", 0.5, "fraction of saturation used for the latency phase")
	fs.DurationVar(&o.stall, "stall", 0, "stop the server (SIGSTOP) for this long in the middle of the latency phase: a backlog to show how a burst is absorbed")
	fs.Float64Var(&o.rate, "rate", 0, "requests/s of the latency phase instead of -load-factor × saturation, to compare builds or settings at the same load")
	fs.StringVar(&o.serverCPUs, "server-cpus", "1", "CPUs (taskset list) for the server under test; \"\" to not pin")
	fs.StringVar(&o.harnessCPUs, "harness-cpus", "0", "CPUs for the load generator and the sink; \"\" to not pin")
	fs.StringVar(&o.tagd, "tagd", "", "tagd binary (default: go build ./cmd/tagd into the work directory)")
	fs.StringVar(&o.profile, "profile", "", "directory for tagd CPU and allocation profiles taken in an extra saturation phase, and an execution trace at the fixed rate")
	fs.StringVar(&o.jsonOut, "json", "", "also write the results as JSON to this file")
	fs.StringVar(&o.logLevel, "log-level", "info", "tagd log level (info logs one access line per request)")
	fs.StringVar(&o.only, "only", "", "run only \"baseline\" or \"tagd\"")
	fs.Var(&o.tagdEnv, "tagd-env", "extra KEY=VALUE environment for tagd (repeatable), e.g. GOGC=200")
	fs.BoolVar(&o.keep, "keep", false, "keep the work directory (config, logs)")
	fs.IntVar(&o.gogc, "gogc", 0, "set [server] gogc in tagd's container (0: leave unset)")
	fs.Int64Var(&o.memLimit, "memory-limit-bytes", 0, "set [server] memory_limit_bytes in tagd's container (0: leave unset)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %v", fs.Args())
	}
	if o.duration <= 0 || o.conns < 1 || o.max < 1 || o.half <= 0 || o.half > 1 || o.cold < 0 || o.reloads < 0 || o.rate < 0 {
		return nil, errors.New("-duration, -conns, -max, -rate must be positive, -load-factor in (0,1]")
	}
	if o.only != "" && o.only != "baseline" && o.only != "tagd" {
		return nil, fmt.Errorf("-only %q: want baseline or tagd", o.only)
	}
	if (o.serverCPUs != "" || o.harnessCPUs != "") && !hasTaskset() {
		return nil, errNoTaskset
	}
	return o, nil
}

func hasTaskset() bool {
	_, err := exec.LookPath("taskset")
	return err == nil
}

// cpuCount counts the CPUs in a taskset list such as "1", "0,2" or "2-3".
func cpuCount(list string) int {
	if list == "" {
		return goruntime.NumCPU()
	}
	n := 0
	for _, part := range strings.Split(list, ",") {
		var a, b int
		if _, err := fmt.Sscanf(part, "%d-%d", &a, &b); err == nil && b >= a {
			n += b - a + 1
		} else {
			n++
		}
	}
	return n
}

// Phase is one measured load phase against one server.
type Phase struct {
	Load LoadResult `json:"load"`
	Rate float64    `json:"target_rate,omitempty"` // open mode
	// Server-side figures over the phase.
	CPU        time.Duration `json:"server_cpu_ns"`
	RSSMax     int64         `json:"rss_max_bytes"`
	Mallocs    float64       `json:"mallocs"`
	AllocBytes float64       `json:"alloc_bytes"`
	Outbound   int64         `json:"outbound"` // sink requests (tagd)
	ByDest     []string      `json:"outbound_by_dest,omitempty"`
}

// Target is everything measured for one server.
type Target struct {
	Name       string          `json:"name"`
	Saturation Phase           `json:"saturation"`
	Half       Phase           `json:"half"`
	ColdStart  []time.Duration `json:"cold_start_ns"`
	FirstHit   []time.Duration `json:"first_hit_ns,omitempty"`
	Reload     *ReloadResult   `json:"reload,omitempty"`
	HWM        int64           `json:"rss_peak_bytes"`
}

// ReloadResult is the reload-under-load phase.
type ReloadResult struct {
	Took []time.Duration `json:"took_ns"` // admin POST /api/reload round trips
	Load LoadResult      `json:"load"`
	Fail int             `json:"failed_reloads"`
}

// Report is the whole run.
type Report struct {
	Started    time.Time `json:"started"`
	Machine    Machine   `json:"machine"`
	Options    []string  `json:"options"`
	Baseline   *Target   `json:"baseline,omitempty"`
	Tagd       *Target   `json:"tagd,omitempty"`
	ServerCPUs string    `json:"server_cpus"`
	Harness    string    `json:"harness_cpus"`
	MixEvents  float64   `json:"mix_events_per_request"`
	MixFiring  float64   `json:"mix_firing_events_per_request"`
}

// env is the shared state of a run.
type env struct {
	o       *options
	self    string
	work    string
	log     io.Writer
	sink    string
	out     io.Writer
	gomax   int
	profile string
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseOptions(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "bench:", err)
		return 2
	}
	if err := bench(o, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	return 0
}

func bench(o *options, stdout, stderr io.Writer) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "tagd-bench-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintln(stderr, "work directory:", work)
	} else {
		defer os.RemoveAll(work)
	}
	logf, err := os.Create(filepath.Join(work, "children.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	e := &env{o: o, self: self, work: work, log: logf, out: stderr, gomax: cpuCount(o.serverCPUs)}
	rep := &Report{Started: time.Now().UTC(), Machine: machine(), Options: os.Args[1:], ServerCPUs: o.serverCPUs, Harness: o.harnessCPUs}
	ev, fi := NewMix(2000, 1).Expect()
	rep.MixEvents, rep.MixFiring = float64(ev)/2000, float64(fi)/2000

	if o.only != "tagd" {
		t, err := e.measureBaseline()
		if err != nil {
			return fmt.Errorf("baseline: %w", err)
		}
		rep.Baseline = t
	}
	if o.only != "baseline" {
		bin := o.tagd
		if bin == "" {
			bin = filepath.Join(work, "tagd")
			e.progress("building tagd")
			cmd := exec.Command("go", "build", "-o", bin, "./cmd/tagd")
			cmd.Stdout, cmd.Stderr = stderr, stderr
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("go build ./cmd/tagd (run the benchmark from the repository root): %w", err)
			}
		}
		sink, addr, err := start("sink", pinned(o.harnessCPUs, self, "-role", "sink"), []string{"GOMAXPROCS=1"}, true, logf)
		if err != nil {
			return err
		}
		defer sink.stop()
		e.sink = addr
		if err := os.WriteFile(filepath.Join(work, "tagd.toml"), []byte(containerConfig(o)), 0o644); err != nil {
			return err
		}
		t, err := e.measureTagd(bin)
		if err != nil {
			return fmt.Errorf("tagd: %w", err)
		}
		rep.Tagd = t
	}
	rep.Machine.LoadAfter = loadavg()
	printReport(stdout, rep)
	if o.jsonOut != "" {
		b, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(o.jsonOut, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// containerConfig is container.toml with the garbage-collector settings asked for.
func containerConfig(o *options) string {
	extra := ""
	if o.gogc != 0 {
		extra += fmt.Sprintf("gogc = %d\n", o.gogc)
	}
	if o.memLimit > 0 {
		extra += fmt.Sprintf("memory_limit_bytes = %d\n", o.memLimit)
	}
	return strings.Replace(string(containerTOML), "[server]\n", "[server]\n"+extra, 1)
}

func (e *env) progress(format string, args ...any) {
	fmt.Fprintf(e.out, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func (e *env) serverEnv(extra ...string) []string {
	return append([]string{fmt.Sprintf("GOMAXPROCS=%d", e.gomax)}, extra...)
}

// counters reads a server's allocation counters.
type counters func() (mallocs, bytes float64, err error)

// server is one running server under test.
type server struct {
	p     *proc
	addr  string
	admin string // tagd only
	count counters
}

// launcher starts a fresh server process.
type launcher func() (*server, error)

// measure runs, on one server process, a warm-up and the saturation phase; then, on a
// fresh process warmed up at that rate, the fixed-rate phase. The fresh process makes the
// fixed-rate figures (latency, RSS) those of a server that has only seen that load, not
// the leftovers of saturation (runtimes a pool still holds, heap not yet returned). The
// second server is returned still running, for later phases.
func (e *env) measure(t *Target, launch launcher) (*server, error) {
	o := e.o
	srv, err := launch()
	if err != nil {
		return nil, err
	}
	spec := LoadSpec{Addr: srv.addr, Mode: "closed", Conns: o.conns, Duration: o.warmup, Max: o.max, Seed: 7, MixSize: 2000}
	e.progress("%s: warm-up %s", t.Name, o.warmup)
	if _, err := runLoad(context.Background(), e.self, o.harnessCPUs, spec, e.log); err != nil {
		srv.p.stop()
		return nil, err
	}
	spec.Duration, spec.Seed = o.duration, 1
	e.progress("%s: saturation, %d connections, %s", t.Name, o.conns, o.duration)
	err = e.phase(&t.Saturation, spec, srv.p.pid(), srv.count)
	if s, perr := readProc(srv.p.pid()); perr == nil {
		t.HWM = s.HWM
	}
	srv.p.stop()
	if err != nil {
		return nil, err
	}

	rate := t.Saturation.Load.RPS() * o.half
	if o.rate > 0 {
		rate = o.rate
	}
	t.Half.Rate = rate
	if srv, err = launch(); err != nil {
		return nil, err
	}
	// More connections than the saturation phase: a worker holds its next request while it
	// waits for the request's time, and a slow response must not delay the ones after it.
	spec = LoadSpec{Addr: srv.addr, Mode: "open", Rate: rate, Conns: 4 * o.conns, Duration: o.warmup, Max: o.max, Seed: 8, MixSize: 2000}
	e.progress("%s: fresh process, warm-up at %.0f requests/s, %s", t.Name, rate, o.warmup)
	if _, err := runLoad(context.Background(), e.self, o.harnessCPUs, spec, e.log); err != nil {
		srv.p.stop()
		return nil, err
	}
	spec.Duration, spec.Seed = o.duration, 2
	e.progress("%s: fixed rate %.0f requests/s (%.0f%% of saturation), %s", t.Name, rate, 100*rate/t.Saturation.Load.RPS(), o.duration)
	if o.stall > 0 {
		go stallAt(srv.p.pid(), o.duration/2, o.stall)
	}
	if err := e.phase(&t.Half, spec, srv.p.pid(), srv.count); err != nil {
		srv.p.stop()
		return nil, err
	}
	if o.profile != "" && srv.admin != "" {
		// What the latency phase left in memory (its RSS maximum is in the table).
		if err := os.MkdirAll(o.profile, 0o755); err != nil {
			srv.p.stop()
			return nil, err
		}
		if err := download("http://"+srv.admin+"/debug/pprof/heap", filepath.Join(o.profile, "tagd-latency-heap.pprof")); err != nil {
			srv.p.stop()
			return nil, err
		}
	}
	return srv, nil
}

// stallAt stops the process after a delay and lets it go on after another: while it is
// stopped, the open-loop load generator keeps sending, as browsers would during a pause.
func stallAt(pid int, after, stall time.Duration) {
	time.Sleep(after)
	if syscall.Kill(pid, syscall.SIGSTOP) != nil {
		return
	}
	time.Sleep(stall)
	_ = syscall.Kill(pid, syscall.SIGCONT)
}

// phase runs one load phase and samples the server while it runs.
func (e *env) phase(ph *Phase, spec LoadSpec, pid int, count counters) error {
	before, err := readProc(pid)
	if err != nil {
		return err
	}
	m0, b0, err := count()
	if err != nil {
		return err
	}
	sink0 := e.sinkStats()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tk := time.NewTicker(100 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tk.C:
				if s, err := readProc(pid); err == nil && s.RSS > ph.RSSMax {
					ph.RSSMax = s.RSS
				}
			}
		}
	}()
	res, err := runLoad(context.Background(), e.self, e.o.harnessCPUs, spec, e.log)
	close(stop)
	wg.Wait()
	if err != nil {
		return err
	}
	// Tags may still finish in the background after the last response.
	time.Sleep(200 * time.Millisecond)
	after, err := readProc(pid)
	if err != nil {
		return err
	}
	m1, b1, err := count()
	if err != nil {
		return err
	}
	sink1 := e.sinkStats()
	ph.Load, ph.CPU = res, after.CPU-before.CPU
	ph.Mallocs, ph.AllocBytes = m1-m0, b1-b0
	if sink1 != nil && sink0 != nil {
		ph.Outbound = sink1.Requests - sink0.Requests
		d := map[string]int64{}
		for k, v := range sink1.ByDest {
			d[k] = v - sink0.ByDest[k]
		}
		ph.ByDest = destinations(d)
	}
	return nil
}

func (e *env) sinkStats() *ServerStats {
	if e.sink == "" {
		return nil
	}
	var st ServerStats
	if err := getJSON("http://"+e.sink+"/__stats", &st); err != nil {
		return nil
	}
	return &st
}

func (e *env) measureBaseline() (*Target, error) {
	t := &Target{Name: "baseline"}
	launch := func() (*server, error) {
		p, addr, err := start("baseline", pinned(e.o.serverCPUs, e.self, "-role", "baseline"), e.serverEnv(), true, e.log)
		if err != nil {
			return nil, err
		}
		return &server{p: p, addr: addr, count: func() (float64, float64, error) {
			var st ServerStats
			err := getJSON("http://"+addr+"/__stats", &st)
			return float64(st.Mallocs), float64(st.AllocBytes), err
		}}, nil
	}
	srv, err := e.measure(t, launch)
	if err != nil {
		return nil, err
	}
	srv.p.stop()
	e.progress("baseline: %d cold starts", e.o.cold)
	for range e.o.cold {
		start0 := time.Now()
		p, _, err := start("baseline", pinned(e.o.serverCPUs, e.self, "-role", "baseline"), e.serverEnv(), true, e.log)
		if err != nil {
			return nil, err
		}
		// The baseline prints its address after listening: that line is the readiness mark.
		t.ColdStart = append(t.ColdStart, time.Since(start0))
		p.stop()
	}
	return t, nil
}

// tagdProc starts tagd on fresh ports and waits until /healthz answers.
func (e *env) tagdProc(bin string) (p *proc, addr, admin string, ready time.Duration, err error) {
	if addr, err = freeAddr(); err != nil {
		return
	}
	if admin, err = freeAddr(); err != nil {
		return
	}
	cmd := pinned(e.o.serverCPUs, bin, "serve", "-config", filepath.Join(e.work, "tagd.toml"),
		"-listen", addr, "-admin-listen", admin, "-outbound-redirect", "http://"+e.sink, "-log-level", e.o.logLevel)
	cmd.Dir = e.work
	logf, ferr := os.OpenFile(filepath.Join(e.work, "tagd.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if ferr != nil {
		err = ferr
		return
	}
	defer logf.Close()
	t0 := time.Now()
	p, _, err = start("tagd", cmd, e.serverEnv(e.o.tagdEnv...), false, logf)
	if err != nil {
		return
	}
	at, err := waitHealthy(addr, 10*time.Second, p)
	if err != nil {
		p.stop()
		return nil, "", "", 0, fmt.Errorf("%w (see %s)", err, filepath.Join(e.work, "tagd.log"))
	}
	return p, addr, admin, at.Sub(t0), nil
}

func (e *env) measureTagd(bin string) (*Target, error) {
	t := &Target{Name: "tagd"}
	e.progress("tagd: %d cold starts", e.o.cold)
	purchase := buildPurchase()
	for range e.o.cold {
		p, addr, _, ready, err := e.tagdProc(bin)
		if err != nil {
			return nil, err
		}
		t.ColdStart = append(t.ColdStart, ready)
		// The first hit pays for creating a runtime and instantiating the templates.
		c := &conn{addr: addr}
		t0 := time.Now()
		status, _, err := c.do(purchase.Raw(addr), time.Now().Add(10*time.Second))
		c.close()
		if err != nil || status != http.StatusOK {
			p.stop()
			return nil, fmt.Errorf("first hit: status %d, %v", status, err)
		}
		t.FirstHit = append(t.FirstHit, time.Since(t0))
		p.stop()
	}

	launch := func() (*server, error) {
		p, addr, admin, _, err := e.tagdProc(bin)
		if err != nil {
			return nil, err
		}
		return &server{p: p, addr: addr, admin: admin, count: func() (float64, float64, error) {
			v, err := scrape("http://"+admin+"/metrics", "go_memstats_mallocs_total", "go_memstats_alloc_bytes_total")
			return v["go_memstats_mallocs_total"], v["go_memstats_alloc_bytes_total"], err
		}}, nil
	}
	srv, err := e.measure(t, launch)
	if err != nil {
		return nil, err
	}
	defer srv.p.stop()
	if e.o.reloads > 0 {
		r, err := e.reloadPhase(srv.addr, srv.admin, t.Half.Rate)
		if err != nil {
			return nil, err
		}
		t.Reload = r
	}
	if e.o.profile != "" {
		if err := e.profilePhase(srv.addr, srv.admin); err != nil {
			return nil, err
		}
		srv.p.stop() // one tagd at a time: they share the data directory
		if err := e.tracePhase(launch, t.Half.Rate); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func buildPurchase() Hit {
	for _, h := range NewMix(64, 3).Hits {
		if h.Kind == "purchase" {
			return h
		}
	}
	panic("mix without a purchase")
}

// reloadPhase reloads the container through the admin API while a fixed-rate load runs.
func (e *env) reloadPhase(addr, admin string, rate float64) (*ReloadResult, error) {
	e.progress("tagd: %d reloads under %.0f requests/s, %s", e.o.reloads, rate, e.o.reloadFor)
	spec := LoadSpec{Addr: addr, Mode: "open", Rate: rate, Conns: 4 * e.o.conns, Duration: e.o.reloadFor, Max: e.o.max, Seed: 5, MixSize: 2000}
	r := &ReloadResult{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		gap := e.o.reloadFor / time.Duration(e.o.reloads+1)
		for range e.o.reloads {
			time.Sleep(gap)
			t0 := time.Now()
			resp, err := httpc.Post("http://"+admin+"/api/reload", "application/json", nil)
			took := time.Since(t0)
			if err != nil {
				r.Fail++
				continue
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				r.Fail++
				continue
			}
			r.Took = append(r.Took, took)
		}
	}()
	res, err := runLoad(context.Background(), e.self, e.o.harnessCPUs, spec, e.log)
	<-done
	if err != nil {
		return nil, err
	}
	r.Load = res
	return r, nil
}

// profilePhase saturates tagd once more while taking a CPU profile, then saves the
// allocation profile.
func (e *env) profilePhase(addr, admin string) error {
	if err := os.MkdirAll(e.o.profile, 0o755); err != nil {
		return err
	}
	secs := int(e.o.duration.Seconds())
	e.progress("tagd: CPU profile during %ds of saturation -> %s", secs, e.o.profile)
	spec := LoadSpec{Addr: addr, Mode: "closed", Conns: e.o.conns, Duration: e.o.duration + time.Second, Max: e.o.max, Seed: 9, MixSize: 2000}
	errc := make(chan error, 1)
	go func() {
		_, err := runLoad(context.Background(), e.self, e.o.harnessCPUs, spec, e.log)
		errc <- err
	}()
	time.Sleep(500 * time.Millisecond)
	perr := download(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", admin, secs), filepath.Join(e.o.profile, "tagd-cpu.pprof"))
	if err := <-errc; err != nil {
		return err
	}
	if perr != nil {
		return perr
	}
	return download("http://"+admin+"/debug/pprof/allocs", filepath.Join(e.o.profile, "tagd-allocs.pprof"))
}

// tracePhase starts a fresh tagd, warms it up at the latency phase's fixed rate and then
// records a Go execution trace and a heap profile at that rate: the trace shows what a slow
// request waited for (garbage collection, scheduling, system calls), the heap profile what
// the collector has to mark. It is a phase of its own because tracing slows the process.
func (e *env) tracePhase(launch launcher, rate float64) error {
	srv, err := launch()
	if err != nil {
		return err
	}
	defer srv.p.stop()
	secs := 5
	spec := LoadSpec{Addr: srv.addr, Mode: "open", Rate: rate, Conns: 4 * e.o.conns, Duration: e.o.warmup, Max: e.o.max, Seed: 10, MixSize: 2000}
	if _, err := runLoad(context.Background(), e.self, e.o.harnessCPUs, spec, e.log); err != nil {
		return err
	}
	e.progress("tagd: execution trace during %ds at %.0f requests/s -> %s", secs, rate, e.o.profile)
	spec.Duration, spec.Seed = time.Duration(secs+2)*time.Second, 11
	errc := make(chan error, 1)
	go func() {
		_, err := runLoad(context.Background(), e.self, e.o.harnessCPUs, spec, e.log)
		errc <- err
	}()
	time.Sleep(time.Second)
	terr := download(fmt.Sprintf("http://%s/debug/pprof/trace?seconds=%d", srv.admin, secs), filepath.Join(e.o.profile, "tagd-half.trace"))
	if terr == nil {
		terr = download("http://"+srv.admin+"/debug/pprof/heap", filepath.Join(e.o.profile, "tagd-half-heap.pprof"))
	}
	if err := <-errc; err != nil {
		return err
	}
	return terr
}

// Machine describes where the run happened.
type Machine struct {
	CPU    string `json:"cpu"`
	CPUs   int    `json:"cpus"`
	Kernel string `json:"kernel"`
	Go     string `json:"go"`
	MemMB  int64  `json:"mem_mb"`
	// LoadBefore and LoadAfter are /proc/loadavg at the start and end: other work on the
	// machine competes with the run and makes it slower.
	LoadBefore string `json:"loadavg_before"`
	LoadAfter  string `json:"loadavg_after"`
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func machine() Machine {
	m := Machine{CPUs: goruntime.NumCPU(), Go: goruntime.Version(), LoadBefore: loadavg()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		if _, err := fmt.Sscanf(string(b), "MemTotal: %d kB", &kb); err == nil {
			m.MemMB = kb >> 10
		}
	}
	return m
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func maxDur(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	return slices.Max(ds)
}
