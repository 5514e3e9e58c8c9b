package outbox

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// State is where an item is.
type State string

// States.
const (
	Pending State = "pending" // waiting for its next attempt
	Dead    State = "dead"    // given up on; kept until replayed or dropped
)

// Item is one stored request with its delivery history. The request fields are kept
// exactly as first sent (URL after the redirect decision, every header, body bytes).
type Item struct {
	ID      uint64        `json:"id"`
	State   State         `json:"state"`
	Tag     string        `json:"tag"`
	Host    string        `json:"host"` // partition: the destination's host[:port]
	Method  string        `json:"method"`
	URL     string        `json:"url"`
	Header  http.Header   `json:"header,omitempty"`
	Body    []byte        `json:"body,omitempty"`
	Timeout time.Duration `json:"timeout,omitempty"`
	Policy  Policy        `json:"policy"`
	// Redirected marks a URL chosen by server.outbound_redirect: it is sent without the
	// SSRF guard, as the first attempt was.
	Redirected bool `json:"redirected,omitempty"`

	Created     time.Time `json:"created"` // the first attempt
	Attempts    int       `json:"attempts"`
	NotBefore   time.Time `json:"not_before,omitzero"`
	LastAttempt time.Time `json:"last_attempt,omitzero"`
	// LastStatus, LastError and LastResponse describe the last attempt; LastResponse is
	// the start of the response body.
	LastStatus   int    `json:"last_status,omitempty"`
	LastError    string `json:"last_error,omitempty"`
	LastResponse string `json:"last_response,omitempty"`

	Reason string `json:"reason,omitempty"` // why it is dead
	// Unreadable marks a dead letter made from a damaged record: Body holds the raw record.
	Unreadable bool      `json:"unreadable,omitempty"`
	DeadAt     time.Time `json:"dead_at,omitzero"`
	Replays    int       `json:"replays,omitempty"`
}

// Summary is an item without its headers and body, for listings.
type Summary struct {
	ID          uint64    `json:"id"`
	State       State     `json:"state"`
	Tag         string    `json:"tag"`
	Host        string    `json:"host"`
	Method      string    `json:"method"`
	URL         string    `json:"url"`
	Size        int       `json:"size"`
	Created     time.Time `json:"created"`
	Attempts    int       `json:"attempts"`
	NotBefore   time.Time `json:"not_before,omitzero"`
	LastStatus  int       `json:"last_status,omitempty"`
	LastError   string    `json:"last_error,omitempty"`
	Reason      string    `json:"reason,omitempty"`
	DeadAt      time.Time `json:"dead_at,omitzero"`
	BodyBytes   int       `json:"body_bytes"`
	HeaderCount int       `json:"header_count"`
}

// Summary returns the listing view of it; size is its stored size in bytes.
func (it *Item) Summary(size int) Summary {
	return Summary{
		ID: it.ID, State: it.State, Tag: it.Tag, Host: it.Host, Method: it.Method, URL: it.URL,
		Size: size, Created: it.Created, Attempts: it.Attempts, NotBefore: it.NotBefore,
		LastStatus: it.LastStatus, LastError: it.LastError, Reason: it.Reason, DeadAt: it.DeadAt,
		BodyBytes: len(it.Body), HeaderCount: len(it.Header),
	}
}

// maxLastResponse is how much of a failed response's body an item keeps.
const maxLastResponse = 4 << 10

func clipResponse(b []byte) string {
	if len(b) > maxLastResponse {
		return string(b[:maxLastResponse]) + "…(truncated)"
	}
	return string(b)
}

func itemKey(id uint64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], id)
	return k[:]
}

func keyID(k []byte) uint64 {
	if len(k) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(k)
}

func encodeItem(it *Item) ([]byte, error) {
	b, err := json.Marshal(it)
	if err != nil {
		return nil, fmt.Errorf("encoding outbox item %d: %w", it.ID, err)
	}
	return b, nil
}

// decodeItem reads a stored record. The store is ours, but a damaged file must give an
// error, never a panic or a half-filled item that would be sent.
func decodeItem(b []byte) (*Item, error) {
	var it Item
	if err := json.Unmarshal(b, &it); err != nil {
		return nil, fmt.Errorf("decoding outbox item: %w", err)
	}
	switch {
	case it.ID == 0:
		return nil, fmt.Errorf("decoding outbox item: no id")
	case it.State != Pending && it.State != Dead:
		return nil, fmt.Errorf("decoding outbox item %d: unknown state %q", it.ID, it.State)
	case it.Unreadable && it.State == Dead:
	case it.Method == "" || it.URL == "" || it.Host == "":
		return nil, fmt.Errorf("decoding outbox item %d: method, url and host are required", it.ID)
	}
	return &it, nil
}

// hostOf is the partition of a URL: its lower-cased host[:port].
func hostOf(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	if u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", fmt.Errorf("%q is not an absolute http(s) URL", raw)
	}
	return strings.ToLower(u.Host), nil
}

// Filter selects items for List, ReplayAll and DropAll. Empty fields match everything.
type Filter struct {
	State State  `json:"state,omitempty"`
	Tag   string `json:"tag,omitempty"`
	Host  string `json:"host,omitempty"`
	Limit int    `json:"limit,omitempty"` // List only; 0 = no limit
}

func (f Filter) match(it *Item) bool {
	return (f.State == "" || f.State == it.State) &&
		(f.Tag == "" || f.Tag == it.Tag) &&
		(f.Host == "" || strings.EqualFold(f.Host, it.Host))
}
