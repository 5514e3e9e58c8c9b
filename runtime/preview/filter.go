package preview

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// NotFiredStatus is the tag status filter for requests where some tag did not fire.
const NotFiredStatus = "not_fired"

// TagStatuses are the values the status filter accepts.
var TagStatuses = []string{"success", "failure", "exception", "timeout", NotFiredStatus}

// maxFilterLen bounds a filter value: they are compared against every record.
const maxFilterLen = 256

// Filter selects requests in the list and on the stream. Zero fields match everything.
type Filter struct {
	Path   string // substring of the request path
	Client string // claiming client's name, case-insensitive; "none" for unclaimed requests
	Event  string // name of one of the request's events
	Status string // one of TagStatuses: some tag of the request ended so (or did not fire)
}

// ParseFilter reads a filter from query parameters path, client, event and status.
func ParseFilter(q url.Values) (Filter, error) {
	f := Filter{Path: q.Get("path"), Client: q.Get("client"), Event: q.Get("event"), Status: strings.ToLower(q.Get("status"))}
	for name, v := range map[string]string{"path": f.Path, "client": f.Client, "event": f.Event} {
		if len(v) > maxFilterLen {
			return Filter{}, fmt.Errorf("filter %s: longer than %d bytes", name, maxFilterLen)
		}
	}
	if f.Status != "" && !slices.Contains(TagStatuses, f.Status) {
		return Filter{}, fmt.Errorf("filter status %q: want one of %s", f.Status, strings.Join(TagStatuses, ", "))
	}
	return f, nil
}

// Match reports whether s passes the filter.
func (f Filter) Match(s Summary) bool {
	if f.Path != "" && !strings.Contains(s.Path, f.Path) {
		return false
	}
	if f.Client != "" {
		c := s.Client
		if c == "" {
			c = "none"
		}
		if !strings.EqualFold(c, f.Client) {
			return false
		}
	}
	if f.Event != "" && !slices.Contains(s.Events, f.Event) {
		return false
	}
	switch f.Status {
	case "":
	case NotFiredStatus:
		if s.NotFired == 0 {
			return false
		}
	default:
		if s.Tags[f.Status] == 0 {
			return false
		}
	}
	return true
}

// ParseLimit reads the limit parameter: "" gives def; otherwise a number from 1 to max.
func ParseLimit(s string, def, max int) (int, error) {
	if s == "" {
		return min(def, max), nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("limit %q: want a whole number from 1 to %d", s, max)
	}
	return min(n, max), nil
}
