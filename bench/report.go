package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// printReport writes the results as a Markdown table (pasted as is into BENCHMARKS.md).
func printReport(w io.Writer, r *Report) {
	b, t := r.Baseline, r.Tagd
	fmt.Fprintf(w, "\nMachine: %s, %d CPUs, %d MB, Linux %s, %s\n", r.Machine.CPU, r.Machine.CPUs, r.Machine.MemMB, r.Machine.Kernel, r.Machine.Go)
	fmt.Fprintf(w, "Load average before / after: %s / %s\n", r.Machine.LoadBefore, r.Machine.LoadAfter)
	fmt.Fprintf(w, "Server under test on CPUs %q, load generator and sink on CPUs %q\n", r.ServerCPUs, r.Harness)
	fmt.Fprintf(w, "Command: go run ./bench %s\n", strings.Join(r.Options, " "))
	fmt.Fprintf(w, "Hit mix: %.2f events and %.2f tag-firing events per request\n\n", r.MixEvents, r.MixFiring)

	fmt.Fprintln(w, "| Measure | bare net/http (204) | tagd, 3 tags | tagd / bare |")
	fmt.Fprintln(w, "|---|---:|---:|---:|")
	row := func(name string, f func(*Target) string, ratio func(b, t *Target) string) {
		cell := func(x *Target) string {
			if x == nil {
				return "—"
			}
			return f(x)
		}
		rt := ""
		if b != nil && t != nil && ratio != nil {
			rt = ratio(b, t)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", name, cell(b), cell(t), rt)
	}
	div := func(f func(*Target) float64, digits int) func(b, t *Target) string {
		return func(b, t *Target) string {
			if f(b) == 0 {
				return ""
			}
			return fmt.Sprintf("%.*f×", digits, f(t)/f(b))
		}
	}
	sat := func(x *Target) *Phase { return &x.Saturation }
	half := func(x *Target) *Phase { return &x.Half }

	row("**Requests/s at saturation**", func(x *Target) string { return num(sat(x).Load.RPS()) }, div(func(x *Target) float64 { return sat(x).Load.RPS() }, 3))
	row("Events/s at saturation", func(x *Target) string { return num(sat(x).Load.EPS()) }, div(func(x *Target) float64 { return sat(x).Load.EPS() }, 3))
	row("Latency p50 / p90 / p99 at saturation", func(x *Target) string { return lat(sat(x).Load) }, nil)
	row("Server CPU busy at saturation", func(x *Target) string { return pct(sat(x).CPU, sat(x).Load.Elapsed) }, nil)
	row("Load generator CPU busy at saturation", func(x *Target) string { return pct(sat(x).Load.CPU, sat(x).Load.Elapsed) }, nil)
	row("CPU per request / per event", func(x *Target) string {
		p := sat(x)
		return fmt.Sprintf("%s / %s", per(p.CPU, p.Load.OK), per(p.CPU, p.Load.Events))
	}, div(func(x *Target) float64 { return float64(sat(x).CPU) / float64(max(sat(x).Load.OK, 1)) }, 1))
	row("Allocations per request / per event", func(x *Target) string {
		p := sat(x)
		return fmt.Sprintf("%s / %s", num(p.Mallocs/float64(max(p.Load.OK, 1))), num(p.Mallocs/float64(max(p.Load.Events, 1))))
	}, div(func(x *Target) float64 { return sat(x).Mallocs / float64(max(sat(x).Load.OK, 1)) }, 0))
	row("Bytes allocated per request", func(x *Target) string {
		p := sat(x)
		return bytesStr(p.AllocBytes / float64(max(p.Load.OK, 1)))
	}, nil)
	row("Failed requests at saturation", func(x *Target) string { return failures(sat(x).Load) }, nil)
	row("**Fixed rate** (-load-factor × that server's saturation, or -rate), fresh process", func(x *Target) string {
		return fmt.Sprintf("%s req/s (%.0f%% of saturation)", num(half(x).Rate), 100*half(x).Rate/max(sat(x).Load.RPS(), 1))
	}, nil)
	row("Achieved requests/s / events/s", func(x *Target) string {
		return fmt.Sprintf("%s / %s", num(half(x).Load.RPS()), num(half(x).Load.EPS()))
	}, nil)
	row("**Latency p50 / p90 / p99** (from scheduled send time)", func(x *Target) string { return lat(half(x).Load) }, nil)
	for _, k := range kindNames {
		row(fmt.Sprintf("… %s hits: p50 / p90 / p99", k), func(x *Target) string {
			kl := half(x).Load.ByKind[k]
			return fmt.Sprintf("%s / %s / %s", ms(kl.P50), ms(kl.P90), ms(kl.P99))
		}, nil)
	}
	row("Latency p99.9 / max", func(x *Target) string {
		return fmt.Sprintf("%s / %s", ms(half(x).Load.P999), ms(half(x).Load.Max))
	}, nil)
	row("Requests sent > 1 ms after their time (harness lag)", func(x *Target) string {
		return fmt.Sprintf("%d of %d", half(x).Load.Late, half(x).Load.Requests)
	}, nil)
	row("Server CPU busy", func(x *Target) string { return pct(half(x).CPU, half(x).Load.Elapsed) }, nil)
	row("**RSS max** during the phase", func(x *Target) string { return mb(half(x).RSSMax) }, nil)
	row("RSS peak of the saturation process (VmHWM)", func(x *Target) string { return mb(x.HWM) }, nil)
	row("Failed requests", func(x *Target) string { return failures(half(x).Load) }, nil)
	if t != nil {
		row("Outbound requests at saturation (sink) / expected", func(x *Target) string {
			if x != t {
				return "—"
			}
			return fmt.Sprintf("%d / %d", x.Saturation.Outbound, 3*x.Saturation.Load.Firing)
		}, nil)
		row("Outbound at saturation by destination", func(x *Target) string {
			if x != t {
				return "—"
			}
			return strings.Join(x.Saturation.ByDest, ", ")
		}, nil)
	}
	row("**Cold start** (exec to serving), median / max", func(x *Target) string {
		return fmt.Sprintf("%s / %s", ms(median(x.ColdStart)), ms(maxDur(x.ColdStart)))
	}, nil)
	if t != nil {
		row("First hit after start (purchase, 3 tags), median / max", func(x *Target) string {
			if x != t {
				return "—"
			}
			return fmt.Sprintf("%s / %s", ms(median(x.FirstHit)), ms(maxDur(x.FirstHit)))
		}, nil)
		if t.Reload != nil {
			rl := t.Reload
			row("**Reload** (load, compile, swap) under load, median / max", func(x *Target) string {
				if x != t {
					return "—"
				}
				return fmt.Sprintf("%s / %s (%d ok, %d failed)", ms(median(rl.Took)), ms(maxDur(rl.Took)), len(rl.Took), rl.Fail)
			}, nil)
			row("Requests during reloads: sent / failed / p99", func(x *Target) string {
				if x != t {
					return "—"
				}
				return fmt.Sprintf("%d / %d / %s", rl.Load.Requests, rl.Load.Failed, ms(rl.Load.P99))
			}, nil)
		}
	}
	fmt.Fprintln(w)
}

func num(f float64) string {
	switch {
	case f >= 100:
		return fmt.Sprintf("%.0f", f)
	case f >= 10:
		return fmt.Sprintf("%.1f", f)
	}
	return fmt.Sprintf("%.2f", f)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/1e6) }

func lat(r LoadResult) string { return fmt.Sprintf("%s / %s / %s", ms(r.P50), ms(r.P90), ms(r.P99)) }

func pct(busy, over time.Duration) string {
	if over <= 0 {
		return "—"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(busy)/float64(over))
}

func per(d time.Duration, n int64) string {
	if n <= 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f µs", float64(d)/float64(n)/1e3)
}

func mb(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }

func bytesStr(b float64) string {
	if b >= 10<<10 {
		return fmt.Sprintf("%.1f KiB", b/1024)
	}
	return fmt.Sprintf("%.0f B", b)
}

func failures(r LoadResult) string {
	if r.Failed == 0 {
		return fmt.Sprintf("0 of %d", r.Requests)
	}
	var parts []string
	for k, v := range r.Errors {
		parts = append(parts, fmt.Sprintf("%s: %d", k, v))
	}
	return fmt.Sprintf("%d of %d (%s)", r.Failed, r.Requests, strings.Join(parts, ", "))
}
