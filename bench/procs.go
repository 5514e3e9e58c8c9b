package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// proc is a child process this program started (server, sink or load generator).
type proc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // its exit status, once done
}

// pinned returns a command for bin pinned to cpus with taskset, or plain when cpus is "".
// taskset execs bin, so the child's pid is the program's own.
func pinned(cpus, bin string, args ...string) *exec.Cmd {
	if cpus == "" {
		return exec.Command(bin, args...)
	}
	return exec.Command("taskset", append([]string{"-c", cpus, bin}, args...)...)
}

// start runs cmd; when wantAddr, it waits for a "listening ADDR" line on stdout.
func start(name string, cmd *exec.Cmd, env []string, wantAddr bool, logTo io.Writer) (*proc, string, error) {
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = logTo
	p := &proc{name: name, cmd: cmd, done: make(chan struct{})}
	var out io.ReadCloser
	if wantAddr {
		var err error
		if out, err = cmd.StdoutPipe(); err != nil {
			return nil, "", fmt.Errorf("%s: %w", name, err)
		}
	} else {
		cmd.Stdout = logTo
	}
	if err := cmd.Start(); err != nil {
		return nil, "", fmt.Errorf("starting %s: %w", name, err)
	}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	if !wantAddr {
		return p, "", nil
	}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		first := true
		for sc.Scan() {
			if first {
				lines <- sc.Text()
				first = false
			}
		}
		if first {
			close(lines)
		}
	}()
	select {
	case l, ok := <-lines:
		addr, found := strings.CutPrefix(l, "listening ")
		if !ok || !found {
			p.stop()
			return nil, "", fmt.Errorf("%s: expected \"listening ADDR\", got %q", name, l)
		}
		return p, addr, nil
	case <-time.After(10 * time.Second):
		p.stop()
		return nil, "", fmt.Errorf("%s did not start listening within 10s", name)
	}
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

// stop sends SIGTERM, then SIGKILL after 5 s, and waits. Stopping twice is harmless.
func (p *proc) stop() {
	if p == nil || p.cmd.Process == nil {
		return
	}
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// freeAddr finds a free 127.0.0.1 port.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// waitHealthy polls GET /healthz every 0.5 ms until it answers 200 or the timeout passes,
// and returns when it first did.
func waitHealthy(addr string, timeout time.Duration, p *proc) (time.Time, error) {
	req := []byte("GET /healthz HTTP/1.1\r\nHost: " + addr + "\r\n\r\n")
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return time.Time{}, fmt.Errorf("process exited before serving: %v", p.err)
		default:
		}
		c := &conn{addr: addr}
		status, _, err := c.do(req, time.Now().Add(time.Second))
		c.close()
		if err == nil && status == http.StatusOK {
			return time.Now(), nil
		}
		time.Sleep(500 * time.Microsecond)
	}
	return time.Time{}, fmt.Errorf("%s not healthy within %s", addr, timeout)
}

// runLoad starts a load generator process for one phase and decodes its result.
func runLoad(ctx context.Context, self, cpus string, s LoadSpec, logTo io.Writer) (LoadResult, error) {
	var res LoadResult
	cmd := pinned(cpus, self, append([]string{"-role", "loadgen"}, s.args()...)...)
	cmd.Env = append(os.Environ(), "GOGC=400")
	cmd.Stderr = logTo
	out, err := cmd.Output()
	if err != nil {
		return res, fmt.Errorf("load generator: %w", err)
	}
	if err := json.Unmarshal(out, &res); err != nil {
		return res, fmt.Errorf("load generator output: %w", err)
	}
	return res, ctx.Err()
}

var httpc = &http.Client{Timeout: 60 * time.Second}

// get returns the body of a 200 answer to GET url.
func get(url string) (io.ReadCloser, error) {
	resp, err := httpc.Get(url)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return resp.Body, nil
}

func getJSON(url string, v any) error {
	body, err := get(url)
	if err != nil {
		return err
	}
	defer body.Close()
	return json.NewDecoder(body).Decode(v)
}

// promValues reads counters from a Prometheus text exposition, summing label variants.
func promValues(r io.Reader, names ...string) (map[string]float64, error) {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		name, rest, ok := strings.Cut(line, " ")
		if i := strings.IndexByte(name, '{'); i >= 0 {
			// Labels may contain spaces: the value follows the closing brace.
			j := strings.LastIndexByte(line, '}')
			if j < 0 {
				continue
			}
			name, rest, ok = line[:i], strings.TrimSpace(line[j+1:]), true
		}
		if !ok || !want[name] {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			return nil, fmt.Errorf("metric %s: value %q: %w", name, f[0], err)
		}
		out[name] += v
	}
	return out, sc.Err()
}

func scrape(url string, names ...string) (map[string]float64, error) {
	body, err := get(url)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	return promValues(body, names...)
}

// download saves url's body to path.
func download(url, path string) error {
	body, err := get(url)
	if err != nil {
		return err
	}
	defer body.Close()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

var errNoTaskset = errors.New("taskset not found: install util-linux or pass -server-cpus '' -harness-cpus ''")
