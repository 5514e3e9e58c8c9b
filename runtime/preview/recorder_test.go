package preview

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func rec(id, path, client string, events []string, tags map[string]int, notFired int) *Record {
	r := &Record{ID: id, Method: "GET", Path: path, Client: client, Status: 200}
	for _, e := range events {
		er := EventRecord{Name: e}
		for st, n := range tags {
			for range n {
				er.Tags = append(er.Tags, tagResult(st))
			}
		}
		tags = nil // count the tags once, on the first event
		for range notFired {
			er.NotFired = append(er.NotFired, notFiredTag())
		}
		notFired = 0
		r.Events = append(r.Events, er)
	}
	return r
}

func ids(ss []Summary) []string {
	out := []string{}
	for _, s := range ss {
		out = append(out, s.ID)
	}
	return out
}

func TestRingKeepsNewest(t *testing.T) {
	r := New(Options{Size: 3})
	for i := 1; i <= 5; i++ {
		r.Add(rec(fmt.Sprint(i), "/p", "", nil, nil, 0))
	}
	if diff := cmp.Diff([]string{"5", "4", "3"}, ids(r.List(Filter{}, 0))); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}
	if r.Get("2") != nil || r.Get("1") != nil {
		t.Error("evicted records still reachable by id")
	}
	if r.Get("3") == nil || r.Len() != 3 {
		t.Errorf("Get(3) = %v, Len = %d", r.Get("3"), r.Len())
	}
	if got := ids(r.List(Filter{}, 2)); !cmp.Equal(got, []string{"5", "4"}) {
		t.Errorf("limit 2: %v", got)
	}
	r.Clear()
	if r.Len() != 0 || len(r.List(Filter{}, 0)) != 0 || r.Get("5") != nil {
		t.Error("Clear left records behind")
	}
	r.Add(rec("6", "/p", "", nil, nil, 0))
	if got := ids(r.List(Filter{}, 0)); !cmp.Equal(got, []string{"6"}) {
		t.Errorf("after clear: %v", got)
	}
}

func TestFilter(t *testing.T) {
	r := New(Options{})
	r.Add(rec("ga", "/g/collect", "GA4", []string{"page_view", "purchase"}, map[string]int{"success": 2}, 0))
	r.Add(rec("pb", "/postback", "Postback", []string{"conversion"}, map[string]int{"failure": 1}, 1))
	r.Add(rec("none", "/favicon.ico", "", nil, nil, 0))
	r.Add(rec("to", "/g/collect", "GA4", []string{"page_view"}, map[string]int{"timeout": 1, "success": 1}, 0))
	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{"to", "none", "pb", "ga"}},
		{"path=/g/", []string{"to", "ga"}},
		{"path=back", []string{"pb"}},
		{"client=ga4", []string{"to", "ga"}},
		{"client=none", []string{"none"}},
		{"event=purchase", []string{"ga"}},
		{"event=page_view&status=timeout", []string{"to"}},
		{"status=success", []string{"to", "ga"}},
		{"status=FAILURE", []string{"pb"}},
		{"status=not_fired", []string{"pb"}},
		{"client=GA4&path=/postback", []string{}},
	}
	for _, tt := range tests {
		q, _ := url.ParseQuery(tt.query)
		f, err := ParseFilter(q)
		if err != nil {
			t.Fatalf("%q: %v", tt.query, err)
		}
		if diff := cmp.Diff(tt.want, ids(r.List(f, 0))); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tt.query, diff)
		}
	}
}

func TestParseFilterErrors(t *testing.T) {
	long := make([]byte, maxFilterLen+1)
	for i := range long {
		long[i] = 'a'
	}
	tests := map[string]string{
		"status=broken":         `filter status "broken": want one of success, failure, exception, timeout, not_fired`,
		"path=" + string(long):  "filter path: longer than 256 bytes",
		"event=" + string(long): "filter event: longer than 256 bytes",
	}
	for query, want := range tests {
		q, _ := url.ParseQuery(query)
		if _, err := ParseFilter(q); err == nil || err.Error() != want {
			t.Errorf("ParseFilter(%.30q) error = %v, want %q", query, err, want)
		}
	}
}

func TestParseLimit(t *testing.T) {
	tests := []struct {
		in      string
		want    int
		wantErr bool
	}{
		{"", 50, false}, {"1", 1, false}, {"500", 200, false}, {"0", 0, true}, {"-3", 0, true}, {"ten", 0, true}, {"1e3", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseLimit(tt.in, 50, 200)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseLimit(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func FuzzParseFilter(f *testing.F) {
	f.Add("path=/g/collect&client=GA4&event=purchase&status=success&limit=10")
	f.Add("status=%ff&limit=-1")
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		fl, err := ParseFilter(q)
		if err == nil {
			fl.Match(Summary{Path: "/x", Events: []string{"a"}, Tags: map[string]int{"success": 1}})
		}
		if n, err := ParseLimit(q.Get("limit"), DefaultLimit, 100); err == nil && (n < 1 || n > 100) {
			t.Fatalf("limit %d out of range", n)
		}
	})
}

func TestSlowSubscriberIsDropped(t *testing.T) {
	r := New(Options{Size: 10})
	slow, cancelSlow := r.Subscribe()
	defer cancelSlow()
	fast, cancelFast := r.Subscribe()
	for i := range subBuffer + 1 {
		r.Add(rec(fmt.Sprint(i), "/p", "", nil, nil, 0))
		if s := next(t, fast); s.ID != fmt.Sprint(i) {
			t.Fatalf("fast subscriber got %s, want %d", s.ID, i)
		}
	}
	n := 0
	for range slow {
		n++
	}
	if n != subBuffer {
		t.Errorf("slow subscriber got %d summaries before being closed, want %d", n, subBuffer)
	}
	cancelFast()
	if _, ok := <-fast; ok {
		t.Error("cancel did not close the channel")
	}
	cancelFast() // idempotent
	r.Close()
	if ch, _ := r.Subscribe(); func() bool { _, ok := <-ch; return ok }() {
		t.Error("subscription after Close is open")
	}
}
