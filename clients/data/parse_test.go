package data

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tagd-dev/tagd/clients/internal/jsonx"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   Input
		want []map[string]any
	}{
		{
			name: "query only",
			in:   Input{Method: "GET", RawQuery: "event_name=page_view&value=3&user_data.email_address=a%40b.c&x=1&x=2"},
			want: []map[string]any{{"event_name": "page_view", "value": 3.0, "user_data": map[string]any{"email_address": "a@b.c"}, "x": "1"}},
		},
		{
			name: "json object overrides query defaults",
			in:   Input{Method: "POST", RawQuery: "event_name=q&keep=1", ContentType: "application/json", Body: []byte(`{"event_name":"b","value":"9"}`)},
			want: []map[string]any{{"event_name": "b", "keep": "1", "value": "9"}},
		},
		{
			name: "batch shares keys, event keys win, shared maps copied",
			in:   Input{Method: "POST", ContentType: "application/vnd.api+json", Body: []byte(`{"user_data":{"e":"x"},"events":[{"event_name":"a"},{"event_name":"b","user_data":{"e":"y"}}]}`)},
			want: []map[string]any{
				{"event_name": "a", "user_data": map[string]any{"e": "x"}},
				{"event_name": "b", "user_data": map[string]any{"e": "y"}},
			},
		},
		{
			name: "sniffed text/plain form",
			in:   Input{Method: "POST", ContentType: "text/plain", Body: []byte("event_name=a&items=%5B1%5D&user_data=%7Bbad")},
			want: []map[string]any{{"event_name": "a", "items": []any{1.0}, "user_data": "{bad"}},
		},
		{
			name: "derived keys added unless given",
			in:   Input{Method: "GET", RawQuery: "event_name=a&ip_override=1.1.1.1", RemoteIP: "2.2.2.2", UserAgent: "UA"},
			want: []map[string]any{{"event_name": "a", "ip_override": "1.1.1.1", "user_agent": "UA"}},
		},
		{
			name: "ignored keys and odd dotted keys",
			in:   Input{Method: "GET", RawQuery: "event_name=a&api_key=s&a..b=1&c.=2&user_data=x&user_data.e=y", Ignore: []string{"api_key"}},
			want: []map[string]any{{"event_name": "a", "a..b": "1", "c.": "2", "user_data": map[string]any{"e": "y"}}},
		},
		{
			name: "non-decimal numeric key stays text",
			in:   Input{Method: "GET", RawQuery: "event_name=a&value=0x10&price=Inf"},
			want: []map[string]any{{"event_name": "a", "value": "0x10", "price": "Inf"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
	// Events of one batch never share nested values.
	evs, err := Parse(Input{Method: "POST", Body: []byte(`{"items":[{"id":1}],"events":[{"event_name":"a"},{"event_name":"b"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	evs[0]["items"].([]any)[0].(map[string]any)["id"] = 2.0
	if evs[1]["items"].([]any)[0].(map[string]any)["id"] != 1.0 {
		t.Error("batch events share items")
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in   Input
		want string
	}{
		{Input{Method: "GET"}, "no event_name"},
		{Input{Method: "GET", RawQuery: "event_name=%zz"}, "query string: invalid percent-encoding"},
		{Input{Method: "POST", ContentType: "application/json", Body: []byte(`{"event_name":1}`)}, "event_name must be a string"},
		{Input{Method: "POST", ContentType: "application/json", Body: []byte(`[{"event_name":"a"},2]`)}, "event 1 is not a JSON object"},
		{Input{Method: "POST", ContentType: "application/json", Body: []byte(`"x"`)}, "must be an event object"},
		{Input{Method: "POST", ContentType: "application/json", Body: []byte(`{"events":1}`)}, `"events" must be an array`},
		{Input{Method: "POST", ContentType: "application/json", Body: []byte(`[]`)}, "no events"},
		{Input{Method: "POST", ContentType: "application/json", Body: []byte("[" + strings.Repeat(`{"event_name":"a"},`, MaxEvents) + `{"event_name":"a"}]`)}, "the limit is 500"},
		{Input{Method: "POST", ContentType: "image/png", Body: []byte{1}}, "unsupported content type"},
		{Input{Method: "POST", ContentType: "application/x-www-form-urlencoded", Body: []byte("event_name=a&" + strings.Repeat("k", MaxKeyBytes+1) + "=1")}, "longer than 256"},
		{Input{Method: "GET", RawQuery: "event_name=a&" + strings.Repeat("a.", maxDepth+1) + "b=1"}, "nests deeper"},
	}
	for _, tc := range tests {
		_, err := Parse(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q, %.30q): error %v, want one containing %q", tc.in.RawQuery, tc.in.Body, err, tc.want)
			continue
		}
		if !IsClientError(err) {
			t.Errorf("%v is not a client error", err)
		}
	}
	var se *jsonx.SyntaxError
	if _, err := Parse(Input{Method: "POST", ContentType: "application/json", Body: []byte(`{`)}); !errors.As(err, &se) {
		t.Errorf("syntax error is %T", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("event_name=a&user_data.e=x", "", []byte(nil))
	f.Add("", "application/json", []byte(`{"events":[{"event_name":"a"},{"event_name":"b","items":[1]}],"currency":"USD"}`))
	f.Add("event_name=q", "text/plain", []byte(`[{"value":1}]`))
	f.Add("", "application/x-www-form-urlencoded", []byte("event_name=a&items=%5B%7B%7D%5D&a..=1"))
	f.Fuzz(func(t *testing.T, query, ctype string, body []byte) {
		evs, err := Parse(Input{Method: "POST", RawQuery: query, ContentType: ctype, Body: body, RemoteIP: "127.0.0.1"})
		if err != nil {
			if !IsClientError(err) {
				t.Fatalf("%T %v is not a client error", err, err)
			}
			return
		}
		if len(evs) == 0 || len(evs) > MaxEvents {
			t.Fatalf("%d events", len(evs))
		}
		for _, ev := range evs {
			if s, ok := ev["event_name"].(string); !ok || strings.TrimSpace(s) == "" {
				t.Fatalf("event without a name: %#v", ev)
			}
			if _, err := json.Marshal(ev); err != nil {
				t.Fatalf("event does not encode: %v", err)
			}
		}
	})
}
