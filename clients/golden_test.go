package clients

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tagd-dev/tagd/clients/internal/typedjson"
	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/runtime/clickstore"
)

var update = flag.Bool("update", false, "rewrite testdata golden files from the current output")

// goldenNow is the clock of every golden case unless the case sets @now.
var goldenNow = time.Date(2024, 5, 20, 10, 16, 40, 0, time.UTC) // 1716200200

// seqReader is deterministic "randomness": bytes 0x01, 0x02, … so golden files are stable.
type seqReader struct{ n byte }

func (r *seqReader) Read(p []byte) (int, error) {
	for i := range p {
		r.n++
		p[i] = r.n
	}
	return len(p), nil
}

// recorder is a tag that records the events it fires for.
type recorder struct {
	mu     sync.Mutex
	events []map[string]any
}

func (r *recorder) Fire(_ context.Context, f *runtime.Firing) {
	r.mu.Lock()
	r.events = append(r.events, f.EC.Event.Copy())
	r.mu.Unlock()
	f.Done(runtime.Success, nil)
}

// goldenCase is one testdata/clients/<dir>/<name>.http file.
type goldenCase struct {
	file     string
	now      time.Time
	remoteIP string
	seeds    []clickstore.Click
	convs    []clickstore.ConversionKey
	req      *http.Request
}

// readCase parses the .http format:
//
//	# comments and blank lines before the request line
//	@remote-ip: 198.51.100.23          the TCP peer
//	@now: 2024-05-20T10:16:40Z         the client's clock
//	@seed-click: {…}                   a clickstore.Click stored before the request (JSON)
//	@escapes                           the body uses \r and \n escapes and its own line
//	                                   breaks are dropped (for GA4 batches)
//	POST /path?query HTTP/1.1
//	Header: value
//
//	body (lines joined with \n)
func readCase(t *testing.T, file string) *goldenCase {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	gc := &goldenCase{file: file, now: goldenNow, remoteIP: "198.51.100.23"}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(nil, 1<<20)
	state, lineNo, escapes := "preamble", 0, false
	var method, target string
	header := http.Header{}
	var body []string
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		switch state {
		case "preamble":
			switch {
			case line == "" || strings.HasPrefix(line, "#"):
			case strings.HasPrefix(line, "@remote-ip:"):
				gc.remoteIP = strings.TrimSpace(strings.TrimPrefix(line, "@remote-ip:"))
			case strings.HasPrefix(line, "@now:"):
				gc.now, err = time.Parse(time.RFC3339, strings.TrimSpace(strings.TrimPrefix(line, "@now:")))
				if err != nil {
					t.Fatalf("%s:%d: %v", file, lineNo, err)
				}
			case strings.HasPrefix(line, "@seed-click:"):
				var c clickstore.Click
				if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "@seed-click:")), &c); err != nil {
					t.Fatalf("%s:%d: %v", file, lineNo, err)
				}
				gc.seeds = append(gc.seeds, c)
			case strings.HasPrefix(line, "@seed-conversion:"):
				f := strings.Split(strings.TrimSpace(strings.TrimPrefix(line, "@seed-conversion:")), "|")
				if len(f) != 3 {
					t.Fatalf("%s:%d: want @seed-conversion: click|event|transaction", file, lineNo)
				}
				gc.convs = append(gc.convs, clickstore.ConversionKey{ClickID: f[0], Event: f[1], TransactionID: f[2]})
			case line == "@escapes":
				escapes = true
			default:
				f := strings.Fields(line)
				if len(f) < 2 {
					t.Fatalf("%s:%d: want a request line, got %q", file, lineNo, line)
				}
				method, target, state = f[0], f[1], "headers"
			}
		case "headers":
			if line == "" {
				state = "body"
				continue
			}
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				t.Fatalf("%s:%d: want \"Name: value\", got %q", file, lineNo, line)
			}
			header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
		case "body":
			body = append(body, line)
		}
	}
	if state == "preamble" {
		t.Fatalf("%s: no request line", file)
	}
	var b string
	if escapes {
		b = strings.NewReplacer(`\r`, "\r", `\n`, "\n").Replace(strings.Join(body, ""))
	} else {
		b = strings.Join(body, "\n")
	}
	req := httptest.NewRequest(method, "http://tag.shop.example"+target, strings.NewReader(b))
	if h := header.Get("Host"); h != "" {
		req.Host = h
		header.Del("Host")
	}
	req.Header = header
	req.RemoteAddr = gc.remoteIP + ":50000"
	gc.req = req
	return gc
}

// clientSpec is testdata/clients/<dir>/client.json.
type clientSpec struct {
	Type     string         `json:"type"`
	Settings map[string]any `json:"settings"`
}

func TestClientGolden(t *testing.T) {
	dirs, err := filepath.Glob("testdata/clients/*/client.json")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no golden directories: %v", err)
	}
	for _, spec := range dirs {
		dir := filepath.Dir(spec)
		var cs clientSpec
		raw, err := os.ReadFile(spec)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &cs); err != nil {
			t.Fatalf("%s: %v", spec, err)
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*.http"))
		if len(files) == 0 {
			t.Fatalf("%s: no cases", dir)
		}
		for _, file := range files {
			name := strings.TrimSuffix(file, ".http")
			t.Run(strings.TrimPrefix(name, "testdata/clients/"), func(t *testing.T) {
				got := runGolden(t, cs, readCase(t, file))
				checkGolden(t, name+".golden.json", got)
			})
		}
	}
}

// runGolden serves one case through a real engine and renders the outcome.
func runGolden(t *testing.T, cs clientSpec, gc *goldenCase) []byte {
	t.Helper()
	settings := normalizeSettings(cs.Settings)
	if cs.Type == "click" || cs.Type == "postback" {
		settings["data_dir"] = t.TempDir()
	}
	cl, err := New(cs.Type, "Client", settings)
	if err != nil {
		t.Fatalf("New(%s): %v", cs.Type, err)
	}
	if c, ok := cl.(io.Closer); ok {
		t.Cleanup(func() { _ = c.Close() })
	}
	cl.(interface {
		setDeps(func() time.Time, io.Reader)
	}).setDeps(func() time.Time { return gc.now }, &seqReader{})
	if len(gc.seeds)+len(gc.convs) > 0 {
		st, err := clickstore.Open(settings["data_dir"].(string))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range gc.seeds {
			if err := st.PutClick(c); err != nil {
				t.Fatal(err)
			}
		}
		for _, k := range gc.convs {
			if _, err := st.RecordConversion(k, gc.now.Add(-time.Hour), 30*24*time.Hour); err != nil {
				t.Fatal(err)
			}
		}
		_ = st.Close()
	}
	rec := &recorder{}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	c := &runtime.Container{
		Env:      &runtime.Env{Logger: logger, ContainerID: "GTM-GOLDEN"},
		Clients:  []*runtime.ClientBinding{{Name: "Client", Type: cs.Type, Client: cl}},
		Triggers: map[string]*runtime.Trigger{runtime.AllEvents: {Name: runtime.AllEvents}},
		Tags:     []*runtime.TagBinding{{Name: "Recorder", Tag: rec, Firing: []*runtime.Trigger{{Name: runtime.AllEvents}}}},
		Requests: runtime.RequestOptions{MaxBodyBytes: 1 << 20},
	}
	eng := runtime.NewEngine(c, logger)
	w := httptest.NewRecorder()
	eng.ServeHTTP(w, gc.req)

	out := map[string]any{"status": int64(w.Code)}
	hdr := map[string]any{}
	for _, k := range []string{"Content-Type", "Location", "Cache-Control", "Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Allow", "Set-Cookie"} {
		vs := w.Header().Values(k)
		switch {
		case len(vs) == 1 && k != "Set-Cookie":
			hdr[k] = vs[0]
		case len(vs) > 0:
			l := make([]any, len(vs))
			for i, v := range vs {
				l[i] = v
			}
			hdr[k] = l
		}
	}
	out["headers"] = hdr
	if b := w.Body.Bytes(); len(b) > 0 {
		var v any
		if strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") && json.Unmarshal(b, &v) == nil {
			out["body"] = v
		} else {
			out["body"] = string(b)
		}
	}
	evs := make([]any, 0, len(rec.events))
	rendered := make([]string, len(rec.events))
	for i, ev := range rec.events {
		r, err := renderTyped(ev)
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		rendered[i] = string(r)
	}
	// Batches run concurrently: order events by their rendering.
	idx := make([]int, len(rec.events))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return rendered[idx[a]] < rendered[idx[b]] })
	for _, i := range idx {
		evs = append(evs, map[string]any(rec.events[i]))
	}
	out["events"] = evs
	b, err := renderTyped(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// normalizeSettings gives JSON settings the types TOML decoding produces (whole numbers
// as int64).
func normalizeSettings(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = normalizeValue(v)
	}
	return out
}

func normalizeValue(v any) any {
	switch t := v.(type) {
	case float64:
		if t == math.Trunc(t) {
			return int64(t)
		}
		return t
	case map[string]any:
		return normalizeSettings(t)
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = normalizeValue(x)
		}
		return out
	}
	return v
}

func checkGolden(t *testing.T, file string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test ./clients -run Golden -update to create it)", err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", file, d)
	}
}

// renderTyped encodes event data with typedjson, so golden files pin value types.
func renderTyped(v any) ([]byte, error) {
	if ev, ok := v.(runtime.Event); ok {
		v = map[string]any(ev)
	}
	return typedjson.Render(v, typedjson.Options{Null: true})
}
