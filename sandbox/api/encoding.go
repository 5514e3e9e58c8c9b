package api

import (
	"encoding/base64"
	"strings"
	"unicode/utf8"

	"github.com/dop251/goja"
	"github.com/tagd-dev/tagd/sandbox"
)

func init() {
	register("encodeUriComponent", "", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		return encodeValue(vu, c.Argument(0), uriComponentSafe)
	})
	register("encodeUri", "", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		return encodeValue(vu, c.Argument(0), uriSafe)
	})
	register("decodeUriComponent", "", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		s, ok := decodeURI(jsString(c.Argument(0)), "")
		if !ok {
			return undef
		}
		return vu.Runtime().ToValue(s)
	})
	register("decodeUri", "", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		s, ok := decodeURI(jsString(c.Argument(0)), ";/?:@&=+$,#")
		if !ok {
			return undef
		}
		return vu.Runtime().ToValue(s)
	})
	register("toBase64", "", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		s := jsString(c.Argument(0))
		enc := base64.StdEncoding
		if o, ok := c.Argument(1).(*goja.Object); ok && o.Get("urlEncoding") != nil && o.Get("urlEncoding").ToBoolean() {
			enc = base64.URLEncoding
		}
		return vu.Runtime().ToValue(enc.EncodeToString([]byte(s)))
	})
	register("fromBase64", "", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		s := strings.TrimSpace(jsString(c.Argument(0)))
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
			if b, err := enc.DecodeString(s); err == nil {
				return vu.Runtime().ToValue(string(b))
			}
		}
		return undef
	})
}

const (
	uriComponentSafe = "-_.!~*'()"
	uriSafe          = "-_.!~*'();/?:@&=+$,#"
)

// encodeValue encodes v's string form. A string with nothing to escape, the common case
// for ids and names, is returned as the same value: no copy, no new JS string.
func encodeValue(vu *sandbox.VU, v goja.Value, safe string) goja.Value {
	s := jsString(v)
	if goja.IsString(v) && !needsEscape(s, safe) {
		return v
	}
	return vu.Runtime().ToValue(encodeURI(s, safe))
}

// needsEscape reports whether encodeURI would change s.
func needsEscape(s, safe string) bool {
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || strings.IndexByte(safe, ch) >= 0) {
			return true
		}
	}
	return false
}

// encodeURI follows ECMAScript encodeURI/encodeURIComponent: UTF-8 percent-encoding of
// everything but ASCII letters, digits and the given safe set. Lone surrogates (invalid
// UTF-8 after conversion) are encoded as U+FFFD rather than throwing.
func encodeURI(s, safe string) string {
	var b strings.Builder
	b.Grow(len(s))
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		ch := s[i]
		if size == 1 && (ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || strings.IndexByte(safe, ch) >= 0) {
			b.WriteByte(ch)
			i++
			continue
		}
		var buf [4]byte
		n := utf8.EncodeRune(buf[:], r)
		for _, x := range buf[:n] {
			b.WriteByte('%')
			b.WriteByte(hex[x>>4])
			b.WriteByte(hex[x&15])
		}
		i += size
	}
	return b.String()
}

// decodeURI decodes percent-escapes; escapes of characters in reserved are kept as they
// are (decodeURI semantics). Malformed input reports false.
func decodeURI(s, reserved string) (string, bool) {
	if !strings.Contains(s, "%") {
		return s, true
	}
	var out []byte
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			out = append(out, s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", false
		}
		h, ok1 := unhex(s[i+1])
		l, ok2 := unhex(s[i+2])
		if !ok1 || !ok2 {
			return "", false
		}
		c := h<<4 | l
		if c < 0x80 && strings.IndexByte(reserved, c) >= 0 {
			out = append(out, s[i:i+3]...)
		} else {
			out = append(out, c)
		}
		i += 2
	}
	if !utf8.Valid(out) {
		return "", false
	}
	return string(out), true
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
