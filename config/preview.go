package config

import "strings"

// Preview is the [preview] table: which requests the admin listener's preview UI records.
// Zero values mean the defaults, so a config without [preview] has a zero Preview.
type Preview struct {
	// Enabled, when false, turns capture off entirely (preview headers included); nil = on.
	Enabled *bool `json:"enabled,omitempty"`
	// CaptureAll records every request, not only those carrying a preview header.
	CaptureAll bool `json:"capture_all,omitempty"`
	// BufferSize is how many captured requests are kept; 0 = DefaultPreviewBufferSize.
	BufferSize int `json:"buffer_size,omitempty"`
	// Header is one more request header (besides X-Gtm-Server-Preview and X-Tagd-Preview)
	// whose presence turns capture on.
	Header string `json:"header,omitempty"`
}

// Preview limits.
const (
	DefaultPreviewBufferSize = 200
	MaxPreviewBufferSize     = 10000
)

// IsEnabled reports whether capture is on (the default).
func (p Preview) IsEnabled() bool { return p.Enabled == nil || *p.Enabled }

// Size is the buffer size with the default applied.
func (p Preview) Size() int {
	if p.BufferSize <= 0 {
		return DefaultPreviewBufferSize
	}
	return p.BufferSize
}

func (d *decoder) preview(t *table, p *Preview) {
	if _, ok := t.m["enabled"]; ok {
		on := true
		t.boolean("enabled", &on)
		p.Enabled = &on
	}
	t.boolean("capture_all", &p.CaptureAll)
	t.int("buffer_size", &p.BufferSize)
	t.str("header", &p.Header, true)
	p.Header = strings.TrimSpace(p.Header)
}

func (v *validator) preview() {
	p := &v.c.Preview
	line := func(key string) int { return v.keyLine(0, "preview", key) }
	if p.BufferSize < 0 || p.BufferSize > MaxPreviewBufferSize {
		v.add(line("buffer_size"), "preview", "buffer_size must be from 1 to %d, not %d", MaxPreviewBufferSize, p.BufferSize)
	}
	if h := p.Header; h != "" && !validToken(h) {
		v.add(line("header"), "preview", "header %q is not a valid HTTP header name", h)
	}
}

// validToken reports whether s is an RFC 9110 token (what a header name must be).
func validToken(s string) bool {
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("!#$%&'*+-.^_`|~", r):
		default:
			return false
		}
	}
	return s != ""
}
