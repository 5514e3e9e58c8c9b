package ga4

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tagd-dev/tagd/clients/internal/typedjson"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the current output")

// readHit loads a testdata *.http file:
//
//	# comment lines and blank lines before the request line are ignored
//	@remote-ip: 198.51.100.23        (directive: Hit.RemoteIP)
//	POST /g/collect?query HTTP/1.1   (request line; the protocol is optional)
//	Header: value                    (until the first blank line)
//
//	body…
//
// In the body, the two-character escapes \r and \n stand for CR and LF and
// the file's own line breaks are dropped, so line terminators are explicit
// and survive editors and git.
func readHit(t testing.TB, file string) (path string, h Hit) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	h.Header = http.Header{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	lineNo := 0
	state := "preamble"
	var body strings.Builder
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		switch state {
		case "preamble":
			switch {
			case line == "" || strings.HasPrefix(line, "#"):
			case strings.HasPrefix(line, "@remote-ip:"):
				h.RemoteIP = strings.TrimSpace(strings.TrimPrefix(line, "@remote-ip:"))
			default:
				f := strings.Fields(line)
				if len(f) < 2 {
					t.Fatalf("%s:%d: want a request line \"METHOD TARGET\", got %q", file, lineNo, line)
				}
				h.Method = f[0]
				path, h.RawQuery, _ = strings.Cut(f[1], "?")
				state = "headers"
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
			h.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
		case "body":
			body.WriteString(line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if state == "preamble" {
		t.Fatalf("%s: no request line", file)
	}
	b := strings.NewReplacer(`\r`, "\r", `\n`, "\n").Replace(body.String())
	if b != "" {
		h.Body = []byte(b)
	}
	return path, h
}

// renderTyped encodes parser output with typedjson: a golden file pins value types, and
// any type outside the event-data set (nil included) is an error.
func renderTyped(v any) ([]byte, error) {
	return typedjson.Render(v, typedjson.Options{})
}

// goldenResult is what a golden file records: the events, or the error.
func goldenResult(events []map[string]any, err error) any {
	if err != nil {
		pe, ok := err.(*ParseError)
		if !ok {
			return map[string]any{"error": map[string]any{"type": fmt.Sprintf("%T", err), "msg": err.Error()}}
		}
		return map[string]any{"error": map[string]any{"line": int64(pe.Line), "msg": pe.Msg}}
	}
	list := make([]any, len(events))
	for i, m := range events {
		list[i] = m
	}
	return list
}

func checkGolden(t *testing.T, golden string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output (go test -update rewrites it)\n%s", golden, lineDiff(string(want), string(got)))
	}
}

// lineDiff shows the first differing lines; enough to locate a change.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var out strings.Builder
	shown := 0
	for i := 0; i < max(len(w), len(g)) && shown < 20; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&out, "line %d:\n  want %s\n  got  %s\n", i+1, wl, gl)
			shown++
		}
	}
	return out.String()
}

func httpFiles(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.http"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no testdata/*.http files")
	}
	return files
}
