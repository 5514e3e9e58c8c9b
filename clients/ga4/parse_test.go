package ga4

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestGolden parses every testdata/*.http file and compares the typed
// rendering of the events (or of the error) with the .golden.json next to it.
func TestGolden(t *testing.T) {
	for _, file := range httpFiles(t) {
		name := strings.TrimSuffix(file, ".http")
		t.Run(strings.TrimPrefix(name, "testdata/"), func(t *testing.T) {
			_, hit := readHit(t, file)
			events, err := Parse(hit)
			if err != nil {
				var pe *ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("error %v is %T, want *ParseError", err, err)
				}
				if events != nil {
					t.Errorf("events %v returned along with error", events)
				}
			}
			got, rerr := renderTyped(goldenResult(events, err))
			if rerr != nil {
				t.Fatalf("render: %v", rerr)
			}
			checkGolden(t, name+".golden.json", got)
		})
	}
}

// TestDocumentedExamples checks protocols.md §a.9 examples 1 and 2 key for
// key: every documented key must be present with the documented value, and
// any key the document does not list must be one the brief or the parameter
// tables require in addition (listed here with the reason).
func TestDocumentedExamples(t *testing.T) {
	tests := []struct {
		name  string
		extra map[int]map[string]string // event index → allowed undocumented key → why
	}{
		{
			name: "example1",
			extra: map[int]map[string]string{0: {
				"consent_state": "derived from gcs/gcd as the brief requires",
			}},
		},
		{
			name: "example2",
			extra: map[int]map[string]string{1: {
				"x-ga-page_id":    "the query has _p; §a.2 maps it, the example text omits it",
				"user_properties": "the brief asks for a copy of x-ga-mp2-user_properties",
			}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, hit := readHit(t, "testdata/"+tc.name+".http")
			events, err := Parse(hit)
			if err != nil {
				t.Fatal(err)
			}
			var doc []map[string]any
			raw, err := os.ReadFile("testdata/" + tc.name + ".doc.json")
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(raw, &doc); err != nil {
				t.Fatal(err)
			}
			if len(events) != len(doc) {
				t.Fatalf("got %d events, the document shows %d", len(events), len(doc))
			}
			for i, want := range doc {
				if want == nil {
					continue // event not spelled out in the document
				}
				got := jsonRoundTrip(t, events[i])
				for k, wv := range want {
					gv, ok := got[k]
					if !ok {
						t.Errorf("event %d: documented key %q missing", i, k)
						continue
					}
					if d := cmp.Diff(wv, gv); d != "" {
						t.Errorf("event %d: key %q (-documented +got):\n%s", i, k, d)
					}
				}
				for k := range got {
					if _, documented := want[k]; documented {
						continue
					}
					if _, ok := tc.extra[i][k]; !ok {
						t.Errorf("event %d: key %q = %v is not in the documented example", i, k, got[k])
					}
				}
				for k := range tc.extra[i] {
					if _, ok := got[k]; !ok {
						t.Errorf("event %d: expected extra key %q is missing", i, k)
					}
				}
			}
		})
	}
}

func jsonRoundTrip(t *testing.T, ev map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestValueTypes pins the Go types that tag code and the sandbox bridge rely
// on; the golden files pin them too, this states the contract explicitly.
func TestValueTypes(t *testing.T) {
	_, hit := readHit(t, "testdata/example2.http")
	events, err := Parse(hit)
	if err != nil {
		t.Fatal(err)
	}
	ev := events[1]
	checks := []struct {
		key  string
		want any
	}{
		{"x-ga-page_id", int64(1716200000999)},
		{"ga_session_id", "1716199900"},
		{"ga_session_number", int64(3)},
		{"engagement_time_msec", int64(310)},
		{"x-ga-request_count", int64(4)},
		{"value", 59.98},
		{"shipping", float64(0)},
		{"transaction_id", "T-1001"},
		{"x-ga-mp2-richsstsse", ""},
	}
	for _, c := range checks {
		if got := ev[c.key]; got != c.want {
			t.Errorf("%s = %#v (%T), want %#v (%T)", c.key, got, got, c.want, c.want)
		}
	}
	item := ev["items"].([]any)[0].(map[string]any)
	if item["price"] != 19.99 || item["quantity"] != int64(2) || item["color"] != "blue" {
		t.Errorf("item 0 = %#v", item)
	}

	// The two user-property maps must not alias each other.
	up := ev["user_properties"].(map[string]any)
	up["plan"] = "changed"
	if got := ev["x-ga-mp2-user_properties"].(map[string]any)["plan"]; got != "gold" {
		t.Errorf("x-ga-mp2-user_properties aliased user_properties: plan = %v", got)
	}
}

// TestBatchEventsAreIndependent checks that events of one batch share no
// maps, since the runtime hands each to tags that may mutate it.
func TestBatchEventsAreIndependent(t *testing.T) {
	events, err := Parse(Hit{
		RawQuery: "v=2&tid=G-1&uaa=arm&_ss=1&up.a=b&gcs=G111",
		Body:     []byte("en=a\nen=b\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"client_hints", "x-ga-system_properties", "x-ga-mp2-user_properties", "consent_state"} {
		events[0][k].(map[string]any)["mutated"] = true
		if _, leaked := events[1][k].(map[string]any)["mutated"]; leaked {
			t.Errorf("%s is shared between events", k)
		}
	}
}

func TestParseErrors(t *testing.T) {
	long := "en=x&ep.pad=" + strings.Repeat("a", MaxLineBytes)
	tests := []struct {
		name     string
		hit      Hit
		wantLine int
		wantMsg  string // substring
	}{
		{"bad escape in query value", Hit{RawQuery: "en=a&dt=%G1"}, 0, `value of "dt"`},
		{"truncated escape in query", Hit{RawQuery: "en=a&dt=%4"}, 0, "invalid percent-encoding"},
		{"bad escape in query name", Hit{RawQuery: "e%n=a"}, 0, "parameter name"},
		{"no en in query-only hit", Hit{RawQuery: "v=2&tid=G-1"}, 0, "no event name"},
		{"empty en", Hit{RawQuery: "en="}, 0, "no event name"},
		{"bad escape on line 2", Hit{RawQuery: "v=2", Body: []byte("en=a\r\nen=%zz\r\n")}, 2, "value of \"en\""},
		{"no en on line 1", Hit{Body: []byte("ep.a=1\n")}, 1, "no event name"},
		{"body too large", Hit{RawQuery: "en=a", Body: []byte(strings.Repeat("x", MaxBodyBytes+1))}, -1, "exceeds the limit"},
		{"line too long", Hit{RawQuery: "en=a", Body: []byte("en=ok\n" + long + "\n")}, 2, "line limit"},
		{"too many lines", Hit{Body: []byte(strings.Repeat("en=a\n\n", MaxLines+1))}, 2*MaxLines + 1, "more than 500"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			events, err := Parse(tc.hit)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v (%T), want *ParseError", err, err)
			}
			if events != nil {
				t.Errorf("events = %v, want nil on error", events)
			}
			if pe.Line != tc.wantLine || !strings.Contains(pe.Msg, tc.wantMsg) {
				t.Errorf("got line %d %q, want line %d containing %q", pe.Line, pe.Msg, tc.wantLine, tc.wantMsg)
			}
		})
	}
}

func TestParseLimitsAccepted(t *testing.T) {
	tests := []struct {
		name       string
		hit        Hit
		wantEvents int
	}{
		{"exactly MaxLines lines", Hit{Body: []byte(strings.Repeat("en=a\r\n", MaxLines))}, MaxLines},
		{"line of exactly MaxLineBytes", Hit{Body: []byte("en=a&x=" + strings.Repeat("b", MaxLineBytes-7))}, 1},
		{"blank body lines only", Hit{RawQuery: "en=q", Body: []byte("\r\n\n  \n")}, 1},
		{"whitespace around the body", Hit{Body: []byte("\n\nen=a\n\n")}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			events, err := Parse(tc.hit)
			if err != nil {
				t.Fatal(err)
			}
			if len(events) != tc.wantEvents {
				t.Errorf("got %d events, want %d", len(events), tc.wantEvents)
			}
		})
	}
}

func TestParseErrorString(t *testing.T) {
	tests := []struct {
		err  ParseError
		want string
	}{
		{ParseError{Line: 0, Msg: "m"}, "ga4: query string: m"},
		{ParseError{Line: 3, Msg: "m"}, "ga4: body line 3: m"},
		{ParseError{Line: -1, Msg: "m"}, "ga4: body: m"},
	}
	for _, tc := range tests {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("%+v.Error() = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestClientIDFromCookie(t *testing.T) {
	tests := []struct {
		cookie string
		want   any // nil = no client_id
	}{
		{"_ga=GA1.1.1234567890.1716199000", "1234567890.1716199000"},
		{"_ga=GA1.2.5.6", "5.6"},
		{"_ga=GA1.3.a.b.c", "b.c"},
		{"_ga=GA1.1.123", nil},
		{"_ga=XX1.1.1.2", nil},
		{"_ga=GA1.1..2", nil},
		{"_ga_ABC=GS1.1.1.1.1.1", nil},
		{"", nil},
	}
	for _, tc := range tests {
		h := http.Header{}
		if tc.cookie != "" {
			h.Set("Cookie", tc.cookie)
		}
		events, err := Parse(Hit{RawQuery: "en=a", Header: h})
		if err != nil {
			t.Fatal(err)
		}
		if got := events[0]["client_id"]; got != tc.want {
			t.Errorf("cookie %q: client_id = %v, want %v", tc.cookie, got, tc.want)
		}
	}
}

func TestNumberParsing(t *testing.T) {
	tests := []struct {
		in          string
		float, intg any
	}{
		{"12", 12.0, int64(12)},
		{"-3", -3.0, int64(-3)},
		{"+4", 4.0, int64(4)},
		{"1.5", 1.5, 1.5},
		{".5", 0.5, 0.5},
		{"5.", 5.0, 5.0},
		{"1e3", 1000.0, 1000.0},
		{"1E-2", 0.01, 0.01},
		{"", "", ""},
		{".", ".", "."},
		{"1e", "1e", "1e"},
		{"0x10", "0x10", "0x10"},
		{"NaN", "NaN", "NaN"},
		{"Inf", "Inf", "Inf"},
		{"1_000", "1_000", "1_000"},
		{"1e999", "1e999", "1e999"},
		{" 1", " 1", " 1"},
		{"99999999999999999999", 1e20, 1e20},
	}
	for _, tc := range tests {
		if got := floatOrRaw(tc.in); got != tc.float {
			t.Errorf("floatOrRaw(%q) = %#v, want %#v", tc.in, got, tc.float)
		}
		if got := intOrRaw(tc.in); got != tc.intg {
			t.Errorf("intOrRaw(%q) = %#v, want %#v", tc.in, got, tc.intg)
		}
	}
}

// TestLineTerminators checks that CRLF and LF bodies give identical events.
func TestLineTerminators(t *testing.T) {
	_, crlf := readHit(t, "testdata/batch_crlf.http")
	_, lf := readHit(t, "testdata/batch_lf.http")
	if !strings.Contains(string(crlf.Body), "\r\n") || strings.Contains(string(lf.Body), "\r") {
		t.Fatal("fixtures do not use the terminators their names promise")
	}
	a, err := Parse(crlf)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse(lf)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(a, b); d != "" {
		t.Errorf("CRLF and LF bodies differ (-crlf +lf):\n%s", d)
	}
	if len(a) != 3 {
		t.Errorf("got %d events, want 3", len(a))
	}
}
