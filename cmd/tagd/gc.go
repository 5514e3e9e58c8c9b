package main

import (
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/tagd-dev/tagd/config"
)

// defaultGOGC is tagd's garbage-collector target when neither server.gogc nor $GOGC sets
// one. Template runs allocate heavily while the live heap (pooled runtimes) stays small,
// so Go's 100 spends a fifth of the CPU collecting. 150 buys 5-10 % more throughput and
// keeps RSS at half load under 100 MB in the load benchmark; 200 bought more throughput
// but up to 200 MB and a longer latency tail (docs/BENCHMARKS.md, "Garbage collector
// settings").
const defaultGOGC = 150

// memoryLimitShare is the part of a container's memory limit given to the Go runtime as
// its soft limit when none is configured: the rest covers stacks, buffers and the page
// cache of the outbox.
const memoryLimitShare = 0.75

// cgroupRoot is where the process's cgroup files are read (a test points it elsewhere).
var cgroupRoot = "/sys/fs/cgroup"

// applyGC sets the garbage collector (read at start only; the settings are process-wide).
// server.gogc wins, then $GOGC, then defaultGOGC. server.memory_limit_bytes wins, then
// $GOMEMLIMIT, then three quarters of the container's memory limit (cgroup v2 or v1) if it
// has one: with a raised gogc, the soft limit is what keeps the heap inside the container.
func applyGC(s config.Server, logger *slog.Logger) {
	gogc, gogcFrom := s.GOGC, "config"
	if gogc == 0 {
		if os.Getenv("GOGC") != "" {
			gogc, gogcFrom = 0, "GOGC"
		} else {
			gogc, gogcFrom = defaultGOGC, "default"
		}
	}
	if gogc != 0 {
		debug.SetGCPercent(gogc)
	} else {
		// $GOGC is in force: read it back for the log line.
		gogc = debug.SetGCPercent(100)
		debug.SetGCPercent(gogc)
	}
	limit, limitFrom := s.MemoryLimitBytes, "config"
	if limit <= 0 {
		limit, limitFrom = 0, ""
		if os.Getenv("GOMEMLIMIT") != "" {
			limitFrom = "GOMEMLIMIT"
		} else if max, ok := cgroupMemoryMax(cgroupRoot); ok {
			limit, limitFrom = int64(float64(max)*memoryLimitShare), "cgroup"
		}
	}
	if limit > 0 {
		debug.SetMemoryLimit(limit)
	}
	logger.Info("garbage collector", "gogc", gogc, "gogc_from", gogcFrom,
		"memory_limit_bytes", limit, "memory_limit_from", limitFrom)
}

// cgroupMemoryMax reads the memory limit of the process's cgroup: cgroup v2's memory.max,
// else v1's memory/memory.limit_in_bytes. No file, "max", or v1's "unlimited" value (a
// number near the largest int64) mean no limit.
func cgroupMemoryMax(root string) (int64, bool) {
	for _, name := range []string{"memory.max", "memory/memory.limit_in_bytes"} {
		b, err := os.ReadFile(root + "/" + name)
		if err != nil {
			continue
		}
		return parseMemoryMax(string(b))
	}
	return 0, false
}

// parseMemoryMax parses a cgroup memory limit file's content.
func parseMemoryMax(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	n, err := strconv.ParseInt(s, 10, 64)
	// v1 reports "no limit" as the largest page-aligned int64; anything beyond 1 PiB is
	// taken as that.
	if err != nil || n <= 0 || n >= 1<<50 {
		return 0, false
	}
	return n, true
}
