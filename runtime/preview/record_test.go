package preview

import (
	"encoding/json"
	"flag"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tagd-dev/tagd/runtime"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

// normalize zeroes what changes from run to run (ids, clocks, durations, Date headers).
func normalize(r *Record) {
	r.ID, r.Time, r.Duration = "REQ", time.Time{}, 0
	r.Host = "HOST"
	for i := range r.Events {
		r.Events[i].Start, r.Events[i].Duration = time.Time{}, 0
		for j := range r.Events[i].Tags {
			r.Events[i].Tags[j].Duration = 0
		}
	}
	for i := range r.Outbound {
		r.Outbound[i].Start, r.Outbound[i].Duration = time.Time{}, 0
	}
}

// TestCapturedRequestGolden runs a real engine with the recorder's hooks and compares the
// record of a captured request with testdata/record.golden.json: claim verdicts for every
// client, the event, fired and not-fired tags, outbound and console, redactions.
func TestCapturedRequestGolden(t *testing.T) {
	rec := New(Options{})
	e := runtime.NewEngine(testContainer(), quietLogger())
	e.Capture = rec.Capture
	e.Observe = rec.Observe
	ch, cancel := rec.Subscribe()
	defer cancel()

	req := httptest.NewRequest("POST", "/collect?en=page_view&api_secret=s3", strings.NewReader(`{"hello":"world"}`))
	req.Header.Set("X-Gtm-Server-Preview", "ZW52LTU=")
	req.Header.Set("Authorization", "Bearer abc")
	w := httptest.NewRecorder()
	e.ServeHTTP(w, req)
	if w.Code != 204 {
		t.Fatalf("status %d", w.Code)
	}
	s := next(t, ch)
	got := rec.Get(s.ID)
	if got == nil {
		t.Fatal("record not stored")
	}
	wantSummary := Summary{ID: s.ID, Time: got.Time, Duration: got.Duration, Method: "POST", Path: "/collect", Status: 204,
		Client: "Collector", Preview: true, Events: []string{"page_view"}, Tags: map[string]int{"success": 1, "failure": 1},
		NotFired: 1, Outbound: 1, Console: 1}
	if diff := cmp.Diff(wantSummary, s); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	normalize(got)
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	golden := filepath.Join("testdata", "record.golden.json")
	if *update {
		if err := os.WriteFile(golden, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if diff := cmp.Diff(string(want), string(b)); diff != "" {
		t.Errorf("record differs from %s (-want +got):\n%s", golden, diff)
	}
}

func TestNotCapturedWithoutHeader(t *testing.T) {
	tests := []struct {
		name   string
		opts   Options
		header string
		want   bool
	}{
		{"no header", Options{}, "", false},
		{"gtm header", Options{}, "X-Gtm-Server-Preview", true},
		{"tagd header", Options{}, "X-Tagd-Preview", true},
		{"configured header", Options{Header: "X-Debug"}, "X-Debug", true},
		{"other header", Options{Header: "X-Debug"}, "X-Other", false},
		{"capture all", Options{CaptureAll: true}, "", true},
		{"disabled beats header", Options{Disabled: true}, "X-Tagd-Preview", false},
		{"disabled beats all", Options{Disabled: true, CaptureAll: true}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := New(tt.opts)
			e := runtime.NewEngine(testContainer(), quietLogger())
			e.Capture = rec.Capture
			var traced bool
			e.Observe = func(x *runtime.Exchange, _ int, _ time.Duration) { traced = x.Trace != nil }
			req := httptest.NewRequest("GET", "/collect?en=x", nil)
			if tt.header != "" {
				req.Header.Set(tt.header, "1")
			}
			e.ServeHTTP(httptest.NewRecorder(), req)
			if traced != tt.want {
				t.Errorf("captured = %v, want %v", traced, tt.want)
			}
		})
	}
}

func TestObserveIgnoresUncaptured(t *testing.T) {
	rec := New(Options{})
	x := runtime.NewExchange(&runtime.Request{Method: "GET", Path: "/x", Header: http.Header{}}, testContainer())
	rec.Observe(x, 200, time.Millisecond)
	// Observe returns without starting work for an uncaptured request, so this is final.
	if rec.Len() != 0 {
		t.Fatalf("recorded %d uncaptured requests", rec.Len())
	}
}

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://a.example/p", "https://a.example/p"},
		{"https://a.example/p?access_token=abc&v=1", "https://a.example/p?access_token=[redacted]&v=1"},
		{"https://a.example/p?v=1&API_KEY=x#frag", "https://a.example/p?v=1&API_KEY=[redacted]#frag"},
		{"https://a.example/p?my%5Fsecret=x&b", "https://a.example/p?my%5Fsecret=[redacted]&b"},
		{"https://a.example/p?token", "https://a.example/p?token=[redacted]"},
		{"https://a.example/p?a=%zz&signature=1", "https://a.example/p?a=%zz&signature=[redacted]"},
		{"?", "?"},
	}
	for _, tt := range tests {
		if got := redactURL(tt.in); got != tt.want {
			t.Errorf("redactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzRedactURL(f *testing.F) {
	f.Add("https://a.example/p?access_token=abc&v=1#x")
	f.Add("?&&=&token=%")
	f.Fuzz(func(t *testing.T, in string) {
		out := redactURL(in)
		if !strings.Contains(in, "?") && out != in {
			t.Fatalf("URL without a query changed: %q -> %q", in, out)
		}
		base, _, _ := strings.Cut(in, "?")
		if !strings.HasPrefix(out, base) {
			t.Fatalf("base changed: %q -> %q", in, out)
		}
	})
}

func TestJSONSafe(t *testing.T) {
	in := map[string]any{"a": math.NaN(), "b": []any{math.Inf(1), 1.5, map[string]any{"c": math.Inf(-1)}}, "d": "x"}
	out := jsonSafeMap(in)
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatalf("still not encodable: %v", err)
	}
	if want := `{"a":"NaN","b":["+Inf",1.5,{"c":"-Inf"}],"d":"x"}`; string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
}
