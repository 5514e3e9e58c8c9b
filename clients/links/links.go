package links

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
)

// Template is a destination URL template such as
// "https://shop.example/p/blue-mug?src={aff_id}&tid={click_id}".
type Template struct {
	raw   string
	parts []part
}

type part struct {
	text  string
	macro bool
	query bool // the macro sits in the query or fragment (else in the path)
}

// MaxMacroValue bounds one filled-in value: click URLs are attacker-controlled input.
const MaxMacroValue = 1024

// ParseTemplate checks a destination template: an absolute http or https URL whose
// scheme, host and port contain no macros (a macro there would make the link an open
// redirect), with well-formed {name} macros (letters, digits, '_', '-', '.').
func ParseTemplate(s string) (*Template, error) {
	t := &Template{raw: s}
	rest := s
	inQuery := false
	for rest != "" {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			if strings.Contains(rest, "}") {
				return nil, fmt.Errorf("destination %q: unmatched '}'", s)
			}
			t.parts = append(t.parts, part{text: rest})
			break
		}
		lit := rest[:i]
		if strings.ContainsAny(lit, "}") {
			return nil, fmt.Errorf("destination %q: unmatched '}'", s)
		}
		if lit != "" {
			t.parts = append(t.parts, part{text: lit})
		}
		if strings.ContainsAny(lit, "?#") {
			inQuery = true
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return nil, fmt.Errorf("destination %q: unclosed '{'", s)
		}
		name := rest[i+1 : i+j]
		if !validMacro(name) {
			return nil, fmt.Errorf("destination %q: bad macro {%s}: use letters, digits, '_', '-' and '.'", s, name)
		}
		t.parts = append(t.parts, part{text: name, macro: true, query: inQuery})
		rest = rest[i+j+1:]
	}
	// The authority must be literal: check that the first macro comes after it.
	sample, err := t.Render(func(string) string { return "x" }, "", "")
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(sample)
	if err != nil {
		return nil, fmt.Errorf("destination %q: %w", s, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("destination %q: want an absolute http or https URL", s)
	}
	if u.Host == "" || u.User != nil {
		return nil, fmt.Errorf("destination %q: want a host and no user info", s)
	}
	prefix := t.literalPrefix()
	authorityEnd := len(u.Scheme) + len("://") + len(u.Host)
	if len(prefix) < authorityEnd || !strings.HasPrefix(prefix, u.Scheme+"://"+u.Host) {
		return nil, fmt.Errorf("destination %q: macros are not allowed in the scheme, host or port", s)
	}
	return t, nil
}

// literalPrefix is the template text before its first macro.
func (t *Template) literalPrefix() string {
	var b strings.Builder
	for _, p := range t.parts {
		if p.macro {
			break
		}
		b.WriteString(p.text)
	}
	return b.String()
}

func validMacro(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// String returns the template as written.
func (t *Template) String() string { return t.raw }

// Macros lists the macro names the template uses, in order.
func (t *Template) Macros() []string {
	var out []string
	for _, p := range t.parts {
		if p.macro {
			out = append(out, p.text)
		}
	}
	return out
}

// Render fills every macro with value(name), URL-encoded for its place (path or query);
// missing values become empty. Unless param is "" or the URL already has it, it then
// appends param=clickID to the query, keeping the existing query text and fragment as
// they are.
func (t *Template) Render(value func(name string) string, param, clickID string) (string, error) {
	var b strings.Builder
	for _, p := range t.parts {
		if !p.macro {
			b.WriteString(p.text)
			continue
		}
		v := value(p.text)
		if len(v) > MaxMacroValue {
			v = v[:MaxMacroValue]
		}
		if p.query {
			b.WriteString(url.QueryEscape(v))
		} else {
			b.WriteString(url.PathEscape(v))
		}
	}
	s := b.String()
	if param == "" {
		return s, nil
	}
	return AppendParam(s, param, clickID)
}

// AppendParam adds name=value to u's query unless u already has name; the existing query
// and fragment are kept byte for byte.
func AppendParam(u, name, value string) (string, error) {
	base, frag, hasFrag := strings.Cut(u, "#")
	path, query, _ := strings.Cut(base, "?")
	q, err := url.ParseQuery(query)
	if err == nil && q.Has(name) {
		return u, nil
	}
	pair := url.QueryEscape(name) + "=" + url.QueryEscape(value)
	switch {
	case query == "":
		base = path + "?" + pair
	case strings.HasSuffix(query, "&"):
		base = path + "?" + query + pair
	default:
		base = path + "?" + query + "&" + pair
	}
	if hasFrag {
		return base + "#" + frag, nil
	}
	return base, nil
}

// ClickIDLen is the length of a minted click ID.
const ClickIDLen = 32

// NewClickID mints a click ID: 32 lower-case hex characters, the first 12 the click time
// in milliseconds (so IDs sort by time and are unique across restarts), the rest 80 random
// bits.
func NewClickID(now time.Time, rnd io.Reader) string {
	if rnd == nil {
		rnd = rand.Reader
	}
	var b [16]byte
	var ms [8]byte
	binary.BigEndian.PutUint64(ms[:], uint64(now.UnixMilli()))
	copy(b[:6], ms[2:])
	if _, err := io.ReadFull(rnd, b[6:]); err != nil {
		_, _ = rand.Read(b[6:])
	}
	return hex.EncodeToString(b[:])
}

// ErrBadClickID is returned by CheckClickID.
var ErrBadClickID = errors.New("a click id is 1 to 128 characters of letters, digits, '-', '_' and '.'")

// CheckClickID accepts the ids we mint and the usual shapes other trackers use, and
// rejects anything else before it reaches the store or a log line.
func CheckClickID(s string) error {
	if s == "" || len(s) > 128 {
		return ErrBadClickID
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return ErrBadClickID
		}
	}
	return nil
}
