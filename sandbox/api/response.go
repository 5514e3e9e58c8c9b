package api

import (
	"encoding/base64"
	"fmt"
	"math"
	"strings"
	"unicode/utf16"

	"github.com/dop251/goja"
	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/sandbox"
)

// The response APIs stage status, headers and body on the exchange's response; nothing is
// sent until returnResponse. Writes after the response was returned are ignored, as in
// sGTM. Outside a request they do nothing.

func init() {
	sandbox.RegisterPermission("access_response", newAccessResponse)
	sandbox.RegisterPermission("return_response", presence)

	register("setResponseStatus", "access_response", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		vu.MustCheck("setResponseStatus", "access_response", "write", "status")
		f := c.Argument(0).ToFloat()
		if math.IsNaN(f) || f != math.Trunc(f) || f < 100 || f > 999 {
			vu.Throwf("setResponseStatus: %s is not a valid HTTP status code", jsString(c.Argument(0)))
		}
		if resp := response(vu); resp != nil {
			resp.SetStatus(int(f))
		}
		return undef
	})
	register("setResponseHeader", "access_response", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		name := strings.ToLower(jsString(c.Argument(0)))
		vu.MustCheck("setResponseHeader", "access_response", "write", "header", name)
		if !validHeaderName(name) {
			vu.Throwf("setResponseHeader: %q is not a valid header name", name)
		}
		del := isNullish(c.Argument(1))
		value := ""
		if !del {
			value = jsString(c.Argument(1))
			if strings.ContainsAny(value, "\r\n\x00") {
				vu.Throwf("setResponseHeader: the value of %q contains a line break or NUL", name)
			}
		}
		if resp := response(vu); resp != nil {
			resp.SetHeader(name, value, del)
		}
		return undef
	})
	register("setResponseBody", "access_response", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		vu.MustCheck("setResponseBody", "access_response", "write", "body")
		enc := "utf8"
		if s, ok := argString(c, 1); ok || !isNullish(c.Argument(1)) {
			enc = s
		}
		b, err := encodeBody(jsString(c.Argument(0)), enc)
		if err != nil {
			vu.Throwf("setResponseBody: %v", err)
		}
		if resp := response(vu); resp != nil {
			resp.SetBody(b)
		}
		return undef
	})
	register("setPixelResponse", "access_response", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		vu.MustCheck("setPixelResponse", "access_response", "write", "status")
		vu.MustCheck("setPixelResponse", "access_response", "write", "body")
		for _, h := range pixelHeaders {
			vu.MustCheck("setPixelResponse", "access_response", "write", "header", h[0])
		}
		if resp := response(vu); resp != nil {
			resp.SetStatus(200)
			for _, h := range pixelHeaders {
				resp.SetHeader(h[0], h[1], false)
			}
			resp.SetBody(append([]byte(nil), pixelGIF...))
		}
		return undef
	})
	register("returnResponse", "return_response", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		vu.MustCheck("returnResponse", "return_response")
		if resp := response(vu); resp != nil {
			resp.Return()
		}
		return undef
	})
}

// pixelGIF is a 1×1 transparent GIF.
var pixelGIF = []byte{
	'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff,
	'!', 0xf9, 4, 1, 0, 0, 0, 0, ',', 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 'D', 1, 0, ';',
}

// pixelHeaders make the pixel uncacheable [inf: sGTM's exact header set is undocumented].
var pixelHeaders = [][2]string{
	{"content-type", "image/gif"},
	{"cache-control", "no-store, no-cache, must-revalidate, max-age=0"},
	{"pragma", "no-cache"},
	{"expires", "Fri, 01 Jan 1990 00:00:00 GMT"},
}

// response returns the staged response of the current request, or nil.
func response(vu *sandbox.VU) *runtime.Response {
	if x := vu.Exec().Exchange(); x != nil {
		return x.Response()
	}
	return nil
}

// validHeaderName reports whether s is an HTTP token.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
			return false
		}
	}
	return true
}

// encodeBody converts a JS string to bytes the way Node's Buffer.from(s, encoding) does
// for setResponseBody's encodings. Lenient decoders (base64, hex) stop at the first
// invalid input as Node does.
func encodeBody(s, encoding string) ([]byte, error) {
	switch strings.ToLower(encoding) {
	case "", "utf8", "utf-8":
		return []byte(s), nil
	case "ascii", "latin1", "binary":
		units := utf16.Encode([]rune(s))
		b := make([]byte, len(units))
		for i, u := range units {
			b[i] = byte(u)
		}
		return b, nil
	case "utf16le", "utf-16le", "ucs2", "ucs-2":
		units := utf16.Encode([]rune(s))
		b := make([]byte, 2*len(units))
		for i, u := range units {
			b[2*i], b[2*i+1] = byte(u), byte(u>>8)
		}
		return b, nil
	case "base64":
		return decodeBase64Lenient(s), nil
	case "hex":
		b := make([]byte, 0, len(s)/2)
		for i := 0; i+1 < len(s); i += 2 {
			h, ok1 := unhex(s[i])
			l, ok2 := unhex(s[i+1])
			if !ok1 || !ok2 {
				break
			}
			b = append(b, h<<4|l)
		}
		return b, nil
	}
	return nil, fmt.Errorf("unknown encoding %q (want utf8, ascii, utf16le, ucs2, base64, latin1, binary or hex)", encoding)
}

// decodeBase64Lenient accepts the standard and URL alphabets, with or without padding,
// ignoring whitespace; it stops at the first character outside the alphabets.
func decodeBase64Lenient(s string) []byte {
	var clean strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '-':
			clean.WriteByte('+')
		case c == '_':
			clean.WriteByte('/')
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/':
			clean.WriteByte(c)
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
		default:
			i = len(s) // '=' or garbage ends the data
		}
	}
	t := clean.String()
	if len(t)%4 == 1 {
		t = t[:len(t)-1]
	}
	b, err := base64.RawStdEncoding.DecodeString(t)
	if err != nil {
		return nil
	}
	return b
}

// access_response: writeResponseAccess any | specific with writeStatusAllowed,
// writeBodyAllowed, writeHeadersAllowed, and headers narrowed by writeHeaderAccess any |
// specific + writeHeaderWhitelist [{headerName}]. With "any" the header sub-settings are
// ignored: real templates carry a stale writeHeaderAccess "specific" next to "any" and
// still write headers. Arguments: ('write', 'status'|'body'|'header', headerName?).
func newAccessResponse(p map[string]any) (sandbox.Checker, error) {
	if sandbox.ParamString(p, "writeResponseAccess") == "any" {
		return func(...any) error { return nil }, nil
	}
	status, body := sandbox.ParamBool(p, "writeStatusAllowed"), sandbox.ParamBool(p, "writeBodyAllowed")
	headers := sandbox.ParamBool(p, "writeHeadersAllowed")
	headerAny := sandbox.ParamString(p, "writeHeaderAccess") != "specific"
	allowed := map[string]bool{}
	for _, h := range sandbox.ParamStrings(p, "writeHeaderWhitelist", "headerName") {
		allowed[strings.ToLower(h)] = true
	}
	return func(args ...any) error {
		strs := make([]string, 0, len(args))
		for _, a := range args {
			s, _ := a.(string)
			strs = append(strs, s)
		}
		if len(strs) > 0 && strs[0] == "write" {
			strs = strs[1:]
		}
		if len(strs) == 0 {
			return fmt.Errorf("writing the whole response needs writeResponseAccess \"any\"")
		}
		switch strs[0] {
		case "status":
			if status {
				return nil
			}
		case "body":
			if body {
				return nil
			}
		case "header", "headers":
			if !headers {
				break
			}
			name := ""
			if len(strs) > 1 {
				name = strings.ToLower(strs[1])
			}
			if headerAny || allowed[name] {
				return nil
			}
			return fmt.Errorf("header %q is not among the allowed response headers", name)
		default:
			return fmt.Errorf("unknown response component %q", strs[0])
		}
		return fmt.Errorf("writing the response %s is not allowed", strs[0])
	}, nil
}
