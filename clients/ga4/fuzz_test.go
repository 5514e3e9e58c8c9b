package ga4

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, file := range httpFiles(f) {
		_, h := readHit(f, file)
		f.Add(h.RawQuery, h.Body, h.Header.Get("Cookie"))
	}
	f.Add("en=a&pr1=~~~k~v~", []byte("en=b&uafvl=%25%7C%3B\r\n\r\n"), "_ga=GA1.1..")
	f.Add("", []byte("\n\r\n"), "")
	f.Fuzz(func(t *testing.T, query string, body []byte, cookie string) {
		h := Hit{Method: http.MethodPost, RawQuery: query, Body: body, Header: http.Header{}, RemoteIP: "127.0.0.1"}
		if cookie != "" {
			h.Header.Set("Cookie", cookie)
		}
		events, err := Parse(h)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is %T, want *ParseError", err, err)
			}
			if events != nil {
				t.Fatal("events returned with an error")
			}
			return
		}
		if len(events) == 0 {
			t.Fatal("no events and no error")
		}
		for i, ev := range events {
			name, ok := ev["event_name"].(string)
			if !ok || name == "" {
				t.Fatalf("event %d: event_name = %#v, want a non-empty string", i, ev["event_name"])
			}
			// Only event-data types, finite numbers and valid UTF-8: the
			// typed renderer rejects anything else, json.Marshal checks
			// what it accepts.
			if _, err := renderTyped(ev); err != nil {
				t.Fatalf("event %d: %v", i, err)
			}
			if _, err := json.Marshal(ev); err != nil {
				t.Fatalf("event %d: %v", i, err)
			}
		}
	})
}

func FuzzClaims(f *testing.F) {
	f.Add("/g/collect", "v=2&tid=G-1", []byte(""))
	f.Add("/g/collect/", "v=2", []byte("tid=G-1\r\nen=a"))
	f.Add("/g/collect", "v=%zz&tid", []byte("\n\n"))
	f.Fuzz(func(t *testing.T, path, query string, body []byte) {
		got := Claims(path, query, body)
		if got && path != "/g/collect" && path != "/g/collect/" {
			t.Fatalf("claimed path %q", path)
		}
	})
}
