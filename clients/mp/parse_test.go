package mp

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tagd-dev/tagd/clients/internal/jsonx"
)

var now = time.Date(2024, 5, 20, 10, 16, 40, 0, time.UTC)

func parse(t *testing.T, body string) *Result {
	t.Helper()
	r, err := Parse(Input{Body: []byte(body), MeasurementID: "G-1", RemoteIP: "203.0.113.1", UserAgent: "UA", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func codes(r *Result) []string {
	var out []string
	for _, m := range r.Messages {
		out = append(out, m.FieldPath+" "+m.ValidationCode)
	}
	return out
}

func TestValidation(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		codes  []string
		events []string // names of the events that run
	}{
		{"valid", `{"client_id":"1.2","events":[{"name":"a"},{"name":"b","params":{"x":1}}]}`, nil, []string{"a", "b"}},
		{"no client id drops everything", `{"events":[{"name":"a"}]}`, []string{"client_id VALUE_REQUIRED"}, nil},
		{"client id not a string", `{"client_id":12,"events":[{"name":"a"}]}`, []string{"client_id VALUE_INVALID"}, nil},
		{"no events", `{"client_id":"1"}`, []string{"events VALUE_REQUIRED"}, nil},
		{"empty events", `{"client_id":"1","events":[]}`, []string{"events VALUE_REQUIRED"}, nil},
		{"events not a list", `{"client_id":"1","events":{}}`, []string{"events VALUE_INVALID"}, nil},
		{"26 events", `{"client_id":"1","events":[` + strings.Repeat(`{"name":"a"},`, 25) + `{"name":"a"}]}`, []string{"events EXCEEDED_MAX_ENTITIES"}, nil},
		{"bad and reserved names dropped", `{"client_id":"1","events":[{"name":"9x"},{"name":"first_visit"},{"name":"ok"},{"name":"` + strings.Repeat("a", 41) + `"}]}`,
			[]string{"events NAME_INVALID", "events NAME_RESERVED", "events NAME_INVALID"}, []string{"ok"}},
		{"param problems keep the event (relaxed)", `{"client_id":"1","events":[{"name":"a","params":{"google_x":1,"b c":2}}]}`,
			[]string{"events[0].params.b c NAME_INVALID", "events[0].params.google_x NAME_RESERVED"}, []string{"a"}},
		{"enforce recommendations drops it", `{"client_id":"1","validation_behavior":"ENFORCE_RECOMMENDATIONS","events":[{"name":"a","params":{"google_x":1}},{"name":"b"}]}`,
			[]string{"events[0].params.google_x NAME_RESERVED"}, []string{"b"}},
		{"params not an object", `{"client_id":"1","events":[{"name":"a","params":[1]}]}`, []string{"events[0].params VALUE_INVALID"}, nil},
		{"26 params", `{"client_id":"1","events":[{"name":"a","params":{` + manyParams(26) + `}}]}`, []string{"events[0].params EXCEEDED_MAX_ENTITIES"}, []string{"a"}},
		{"11 custom item params", `{"client_id":"1","events":[{"name":"a","params":{"items":[{"item_id":"x",` + manyParams(11) + `}]}}]}`,
			[]string{"events[0].params.items[0] EXCEEDED_MAX_ENTITIES"}, []string{"a"}},
		{"timestamp too old", `{"client_id":"1","timestamp_micros":1,"events":[{"name":"a"}]}`, []string{"timestamp_micros VALUE_OUT_OF_BOUNDS"}, []string{"a"}},
		{"timestamp not a number", `{"client_id":"1","timestamp_micros":"soon","events":[{"name":"a"}]}`, []string{"timestamp_micros VALUE_INVALID"}, nil},
		{"consent values", `{"client_id":"1","consent":{"ad_user_data":"granted"},"events":[{"name":"a"}]}`, []string{"consent.ad_user_data VALUE_INVALID"}, []string{"a"}},
		{"duplicate key", `{"client_id":"1","events":[{"name":"a","params":{"v":1,"v":2}}]}`, []string{"events[0].params.v NAME_DUPLICATED"}, []string{"a"}},
		{"user property name too long", `{"client_id":"1","user_properties":{"` + strings.Repeat("p", 25) + `":{"value":1}},"events":[{"name":"a"}]}`,
			[]string{"user_properties." + strings.Repeat("p", 25) + " NAME_INVALID"}, []string{"a"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := parse(t, tc.body)
			if d := cmp.Diff(tc.codes, codes(r)); d != "" {
				t.Errorf("messages (-want +got):\n%s", d)
			}
			var names []string
			for _, ev := range r.Events {
				names = append(names, ev["event_name"].(string))
			}
			if d := cmp.Diff(tc.events, names); d != "" {
				t.Errorf("events (-want +got):\n%s", d)
			}
		})
	}
}

func manyParams(n int) string {
	var parts []string
	for i := 0; i < n; i++ {
		parts = append(parts, `"p`+strings.Repeat("x", i)+`":1`)
	}
	return strings.Join(parts, ",")
}

func TestMapping(t *testing.T) {
	r := parse(t, `{"client_id":"c","user_id":"u","ip_override":"198.51.100.9","timestamp_micros":1716200000000000,
		"user_properties":{"plan":{"value":"gold"}},"non_personalized_ads":false,
		"events":[{"name":"a","timestamp_micros":1716200100000000,"params":{"client_id":"spoof","session_id":42,"value":1.5}}]}`)
	ev := r.Events[0]
	want := map[string]any{
		"event_name": "a", "client_id": "c", "user_id": "u", "ip_override": "198.51.100.9",
		"timestamp_micros": int64(1716200100000000), "session_id": 42.0, "ga_session_id": "42", "value": 1.5,
		"user_agent": "UA", "x-ga-npa": "0", "x-ga-measurement_id": "G-1", "x-ga-protocol_version": "2",
		"x-ga-mp2-user_properties": map[string]any{"plan": "gold"}, "user_properties": map[string]any{"plan": "gold"},
	}
	if d := cmp.Diff(want, ev); d != "" {
		t.Errorf("event (-want +got):\n%s", d)
	}
	// Request-level maps are copied per event: changing one event changes no other.
	r = parse(t, `{"client_id":"c","user_data":{"a":{"b":1}},"events":[{"name":"a"},{"name":"b"}]}`)
	r.Events[0]["user_data"].(map[string]any)["a"].(map[string]any)["b"] = 2.0
	if got := r.Events[1]["user_data"].(map[string]any)["a"].(map[string]any)["b"]; got != 1.0 {
		t.Errorf("events share user_data: %v", got)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in   Input
		want string
	}{
		{Input{Body: []byte(`{}`)}, "measurement_id"},
		{Input{Body: []byte(`[1]`), MeasurementID: "G"}, "must be a JSON object"},
		{Input{Body: []byte(`{"a":`), MeasurementID: "G"}, "line 1, column 6"},
		{Input{Body: []byte(strings.Repeat(" ", MaxBodyBytes+1)), MeasurementID: "G"}, "exceeds the limit"},
	}
	for _, tc := range tests {
		_, err := Parse(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%.20q): error %v, want one containing %q", tc.in.Body, err, tc.want)
		}
	}
	var se *jsonx.SyntaxError
	if _, err := Parse(Input{Body: []byte(`{`), MeasurementID: "G"}); !errors.As(err, &se) {
		t.Errorf("syntax error is %T", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"client_id":"1.2","user_properties":{"p":{"value":"x"}},"events":[{"name":"purchase","params":{"items":[{"item_id":"a"}],"value":1}}]}`), "G-1", "")
	f.Add([]byte(`{"app_instance_id":"x","events":[{"name":"9"},{"params":[]}],"consent":{"a":"GRANTED"}}`), "", "1:2:android:3")
	f.Add([]byte(`{"client_id":1,"timestamp_micros":"x","events":[1,{"name":"a","timestamp_micros":-1}]}`), "G", "")
	f.Fuzz(func(t *testing.T, body []byte, mid, fid string) {
		r, err := Parse(Input{Body: body, MeasurementID: mid, FirebaseAppID: fid, RemoteIP: "127.0.0.1", Now: now})
		if err != nil {
			if r != nil {
				t.Fatal("result with error")
			}
			return
		}
		if r.Messages == nil {
			t.Fatal("nil messages: the debug endpoint must answer [] not null")
		}
		for _, ev := range r.Events {
			if name, ok := ev["event_name"].(string); !ok || !validName(name, MaxNameLen) {
				t.Fatalf("event with bad name %#v ran", ev["event_name"])
			}
			if _, err := json.Marshal(ev); err != nil {
				t.Fatalf("event does not encode: %v", err)
			}
		}
		if _, err := json.Marshal(r.Messages); err != nil {
			t.Fatal(err)
		}
	})
}
