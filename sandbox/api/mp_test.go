package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tagd-dev/tagd/runtime"
)

var fxUpdate = flag.Bool("fx.update", false, "rewrite the golden files of sandbox/api/testdata/mp")

// fxReadHit reads a testdata request: "METHOD target" on the first line, the body after.
func fxReadHit(t *testing.T, path string) *runtime.Request {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	head, body, _ := strings.Cut(string(b), "\n")
	method, target, ok := strings.Cut(head, " ")
	if !ok {
		t.Fatalf("%s:1: want \"METHOD target\"", path)
	}
	return fxRequest(method, target, body)
}

func TestExtractGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/mp/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".txt")
		t.Run(name, func(t *testing.T) {
			r := fxReadHit(t, f)
			var evs []map[string]any
			var err error
			switch {
			case strings.HasPrefix(name, "mpv1"):
				if !isMpv1(r) || isMpv2(r) {
					t.Fatalf("isMpv1=%v isMpv2=%v, want a v1 request", isMpv1(r), isMpv2(r))
				}
				evs, err = extractMpv1(r)
			default:
				if !isMpv2(r) || isMpv1(r) {
					t.Fatalf("isMpv1=%v isMpv2=%v, want a v2 request", isMpv1(r), isMpv2(r))
				}
				evs, err = extractMpv2(r)
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(evs, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden := strings.TrimSuffix(f, ".txt") + ".golden.json"
			if *fxUpdate {
				if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(bytes.TrimSpace(want)), string(got)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", golden, diff)
			}
		})
	}
}

func TestMpDetection(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		target     string
		body       string
		mpv1, mpv2 bool
	}{
		{"ga4 query", "GET", "/g/collect?v=2&tid=G-1&en=x", "", false, true},
		{"ga4 under a prefix", "GET", "/metrics/g/collect?v=2&tid=G-1", "", false, true},
		{"ga4 trailing slash", "GET", "/g/collect/?v=2&tid=G-1", "", false, true},
		{"ga4 params in the first body line", "POST", "/g/collect", "v=2&tid=G-1&en=a\nen=b", false, true},
		{"ga4 without tid", "GET", "/g/collect?v=2", "", false, false},
		{"ga4 path with v=1", "GET", "/g/collect?v=1&tid=G-1", "", false, false},
		{"ua collect", "GET", "/collect?v=1&tid=UA-1-1&t=pageview", "", true, false},
		{"ua j/collect", "POST", "/j/collect", "v=1&tid=UA-1-1&t=event", true, false},
		{"ua batch", "POST", "/batch", "v=1&tid=UA-1-1&t=pageview\nv=1&tid=UA-1-1&t=event", true, false},
		{"ua with v=2", "GET", "/collect?v=2&tid=UA-1-1", "", false, false},
		{"other path", "GET", "/mp/collect?v=2&tid=G-1", "", false, false},
		{"broken body", "POST", "/g/collect?v=2&tid=G-1", "%zz", false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := fxRequest(tc.method, tc.target, tc.body)
			if got := isMpv1(r); got != tc.mpv1 {
				t.Errorf("isMpv1 = %v, want %v", got, tc.mpv1)
			}
			if got := isMpv2(r); got != tc.mpv2 {
				t.Errorf("isMpv2 = %v, want %v", got, tc.mpv2)
			}
		})
	}
}

func TestExtractErrors(t *testing.T) {
	tests := []struct {
		name   string
		v1     bool
		target string
		body   string
		frag   string
	}{
		{"v2 bad line", false, "/g/collect?v=2&tid=G-1", "en=a\nen=%zz", "body line 2"},
		{"v2 no event name", false, "/g/collect?v=2&tid=G-1", "", "no event name"},
		{"v2 second hit without name", false, "/g/collect?v=2&tid=G-1", "en=a\n_et=5", "hit 2: no event name"},
		{"v2 too many lines", false, "/g/collect?v=2&tid=G-1", strings.Repeat("en=a\n", maxHitLines+1), "more than"},
		{"v1 bad query", true, "/collect?v=1&tid=UA-1&t=%zz", "", "query string"},
		{"v1 no hit type", true, "/collect?v=1&tid=UA-1", "", "hit type t is missing"},
		{"v1 bad body", true, "/collect", "v=1&tid=UA-1&t=x&a=%zz", "body"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := fxRequest("POST", tc.target, tc.body)
			var err error
			if tc.v1 {
				_, err = extractMpv1(r)
			} else {
				_, err = extractMpv2(r)
			}
			fxWantErr(t, err, tc.frag)
		})
	}
}

func TestExtractAPIs(t *testing.T) {
	ga4 := runtime.NewExchange(fxRequest("GET", "/g/collect?v=2&tid=G-1&en=page_view&cid=1.2", ""), &runtime.Container{})
	ua := runtime.NewExchange(fxRequest("GET", "/collect?v=1&tid=UA-1-1&t=pageview&cid=1.2", ""), &runtime.Container{})
	onlyPath := fxPerm{"read_request", map[string]any{"requestAccess": "specific", "pathAllowed": true}}

	res := fxEval(t, ga4, `return [require('isRequestMpv1')(), require('isRequestMpv2')(), require('extractEventsFromMpv2')()[0].event_name];`, onlyPath)
	if diff := cmp.Diff([]any{false, true, "page_view"}, res.Value); res.Err != nil || diff != "" {
		t.Fatalf("ga4: err %v, (-want +got):\n%s", res.Err, diff)
	}
	res = fxEval(t, ua, `return require('extractEventsFromMpv1')().map((e) => e.event_name + ' ' + e.client_id);`, onlyPath)
	if diff := cmp.Diff([]any{"page_view 1.2"}, res.Value); res.Err != nil || diff != "" {
		t.Fatalf("ua: err %v, (-want +got):\n%s", res.Err, diff)
	}
	res = fxEval(t, ua, `require('extractEventsFromMpv2')();`, onlyPath)
	fxWantErr(t, res.Err, "not a Measurement Protocol v2 request")
	res = fxEval(t, ga4, `require('extractEventsFromMpv1')();`, onlyPath)
	fxWantErr(t, res.Err, "not a Measurement Protocol v1 request")
	res = fxEval(t, ga4, `require('isRequestMpv2')();`)
	fxWantErr(t, res.Err, "Permission denied", `isRequestMpv2 requires permission "read_request"`)
	res = fxEval(t, ga4, `require('extractEventsFromMpv2')();`)
	fxWantErr(t, res.Err, "Permission denied")
}

func TestSetMpv2Parser(t *testing.T) {
	t.Cleanup(func() { SetMpv2Parser(nil) })
	x := runtime.NewExchange(fxRequest("GET", "/g/collect?v=2&tid=G-1&en=page_view", ""), &runtime.Container{})
	SetMpv2Parser(func(r *runtime.Request) ([]map[string]any, error) {
		return []map[string]any{{"event_name": "custom", "path": r.Path}}, nil
	})
	res := fxEval(t, x, `return require('extractEventsFromMpv2')();`, fxReadRequestAny)
	if diff := cmp.Diff([]any{map[string]any{"event_name": "custom", "path": "/g/collect"}}, res.Value); res.Err != nil || diff != "" {
		t.Fatalf("err %v, (-want +got):\n%s", res.Err, diff)
	}
	SetMpv2Parser(func(*runtime.Request) ([]map[string]any, error) { return nil, errors.New("boom") })
	fxWantErr(t, fxEval(t, x, `require('extractEventsFromMpv2')();`, fxReadRequestAny).Err, "extractEventsFromMpv2: boom")
	SetMpv2Parser(nil)
	res = fxEval(t, x, `return require('extractEventsFromMpv2')()[0].event_name;`, fxReadRequestAny)
	if res.Err != nil || res.Value != "page_view" {
		t.Fatalf("restored parser: %v, %v", res.Value, res.Err)
	}
}

func FuzzExtractMpv2(f *testing.F) {
	f.Add("v=2&tid=G-1&en=page_view&pr1=idA~nmB~pr1.5~k0c~v0d", "en=a&epn.v=1\r\nen=b")
	f.Add("v=2&tid=G-1&_p=99999999999999999999", "")
	f.Add("v=2&tid=G-1", "%zz\n")
	f.Fuzz(func(t *testing.T, query, body string) {
		r := fxRequest("POST", "/g/collect", body)
		r.RawQuery = query
		_ = isMpv2(r)
		evs, err := extractMpv2(r)
		if err == nil {
			for _, e := range evs {
				if n, _ := e["event_name"].(string); n == "" {
					t.Fatalf("event without a name: %v", e)
				}
			}
		}
	})
}

func FuzzExtractMpv1(f *testing.F) {
	f.Add("/batch", "v=1&tid=UA-1&t=pageview", "v=1&t=event&ea=x&pr1id=a&pr12qt=2")
	f.Add("/collect", "v=1&tid=UA-1&t=event", "")
	f.Fuzz(func(t *testing.T, path, query, body string) {
		r := fxRequest("POST", "/", body)
		r.Path, r.RawQuery = path, query
		_ = isMpv1(r)
		evs, err := extractMpv1(r)
		if err == nil {
			for _, e := range evs {
				if n, _ := e["event_name"].(string); n == "" {
					t.Fatalf("event without a name: %v", e)
				}
			}
		}
	})
}
