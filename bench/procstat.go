package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"
)

// clockTick is the unit of utime/stime in /proc/PID/stat (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

// ProcSample is one reading of a process's CPU time and memory.
type ProcSample struct {
	CPU time.Duration // user + system
	RSS int64         // bytes resident now
	HWM int64         // peak resident bytes so far
}

// readProc samples /proc/PID.
func readProc(pid int) (ProcSample, error) {
	var s ProcSample
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, fmt.Errorf("reading process stats: %w", err)
	}
	if s.CPU, err = parseStatCPU(stat); err != nil {
		return s, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, fmt.Errorf("reading process status: %w", err)
	}
	s.RSS, s.HWM = parseStatusMem(status)
	return s, nil
}

// parseStatCPU returns utime+stime from a /proc/PID/stat line. The command name (field 2)
// is in parentheses and may itself contain spaces and parentheses, so fields are counted
// from the last ')'.
func parseStatCPU(b []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("no command name")
	}
	f := bytes.Fields(b[i+1:])
	// After ')': state is field 3, so utime (14) and stime (15) are f[11] and f[12].
	if len(f) < 13 {
		return 0, fmt.Errorf("only %d fields after the command name", len(f))
	}
	u, err1 := strconv.ParseUint(string(f[11]), 10, 63)
	s, err2 := strconv.ParseUint(string(f[12]), 10, 63)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("utime %q / stime %q are not numbers", f[11], f[12])
	}
	return time.Duration(u+s) * clockTick, nil
}

// parseStatusMem returns VmRSS and VmHWM (kB in the file) in bytes; 0 when absent.
func parseStatusMem(b []byte) (rss, hwm int64) {
	for _, line := range bytes.Split(b, []byte("\n")) {
		var dst *int64
		switch {
		case bytes.HasPrefix(line, []byte("VmRSS:")):
			dst = &rss
		case bytes.HasPrefix(line, []byte("VmHWM:")):
			dst = &hwm
		default:
			continue
		}
		f := bytes.Fields(line)
		if len(f) >= 2 {
			if n, err := strconv.ParseInt(string(f[1]), 10, 64); err == nil {
				*dst = n << 10
			}
		}
	}
	return rss, hwm
}
