package jsonx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxDepth is the default nesting limit: event data is shallow, and a deep body is an
// attack, not an event.
const MaxDepth = 32

// SyntaxError is malformed JSON at a 1-based line and column.
type SyntaxError struct {
	Line, Column int
	Msg          string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

// Decoded is a decoded body.
type Decoded struct {
	Value any
	// Duplicates lists the paths of object keys that appeared more than once ("a.b",
	// "events[0].params.x"); the last occurrence is kept, as encoding/json does.
	Duplicates []string
}

// Decode parses exactly one JSON value from b (surrounding whitespace allowed). Invalid
// UTF-8 in strings is replaced by U+FFFD.
func Decode(b []byte, maxDepth int) (*Decoded, error) {
	if maxDepth <= 0 {
		maxDepth = MaxDepth
	}
	d := &decoder{src: b, dec: json.NewDecoder(bytes.NewReader(b)), max: maxDepth}
	d.dec.UseNumber()
	v, err := d.value("", 0)
	if err != nil {
		return nil, d.wrap(err)
	}
	d.mark()
	if _, err := d.dec.Token(); err != io.EOF {
		if err == nil {
			err = errors.New("unexpected data after the JSON value")
		}
		return nil, d.wrap(err)
	}
	return &Decoded{Value: v, Duplicates: d.dups}, nil
}

type decoder struct {
	src  []byte
	dec  *json.Decoder
	max  int
	dups []string
	tok  int64 // where the token being read starts, for errors of our own
}

// mark records where the next token starts (after whitespace).
func (d *decoder) mark() {
	off := d.dec.InputOffset()
	for off < int64(len(d.src)) {
		switch d.src[off] {
		case ' ', '\t', '\n', '\r':
			off++
			continue
		}
		break
	}
	d.tok = off
}

type depthError struct{ max int }

func (e depthError) Error() string { return fmt.Sprintf("nesting deeper than %d levels", e.max) }

func (d *decoder) value(path string, depth int) (any, error) {
	d.mark()
	tok, err := d.dec.Token()
	if err != nil {
		if err == io.EOF {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if depth >= d.max {
			return nil, depthError{d.max}
		}
		switch t {
		case '{':
			m := map[string]any{}
			for d.dec.More() {
				kt, err := d.dec.Token()
				if err != nil {
					return nil, err
				}
				k, ok := kt.(string)
				if !ok {
					return nil, errors.New("object key is not a string")
				}
				k = strings.ToValidUTF8(k, "\uFFFD")
				child := k
				if path != "" {
					child = path + "." + k
				}
				v, err := d.value(child, depth+1)
				if err != nil {
					return nil, err
				}
				if _, dup := m[k]; dup {
					d.dups = append(d.dups, child)
				}
				m[k] = v
			}
			if _, err := d.dec.Token(); err != nil { // '}'
				return nil, err
			}
			return m, nil
		case '[':
			s := []any{}
			for i := 0; d.dec.More(); i++ {
				v, err := d.value(fmt.Sprintf("%s[%d]", path, i), depth+1)
				if err != nil {
					return nil, err
				}
				s = append(s, v)
			}
			if _, err := d.dec.Token(); err != nil { // ']'
				return nil, err
			}
			return s, nil
		}
		return nil, fmt.Errorf("unexpected %q", rune(t))
	case json.Number:
		return Number(t), nil
	case string:
		if !utf8.ValidString(t) {
			return strings.ToValidUTF8(t, "\uFFFD"), nil
		}
		return t, nil
	default: // bool, nil
		return t, nil
	}
}

// Number converts a JSON number to float64, or to int64 when it is an integer a float64
// cannot hold exactly (ids and microsecond timestamps beyond 2^53).
func Number(n json.Number) any {
	s := string(n)
	if !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil && (i > 1<<53 || i < -(1<<53)) {
			return i
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		// Out of float64 range: keep the literal rather than invent a value.
		return s
	}
	return f
}

// wrap turns decoder errors into a *SyntaxError with a position.
func (d *decoder) wrap(err error) error {
	off := d.dec.InputOffset()
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = se.Offset
	}
	msg := err.Error()
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		msg = "unexpected end of input"
		off = int64(len(d.src))
	case se != nil:
		msg = se.Error()
	}
	var de depthError
	if errors.As(err, &de) || (se == nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF)) {
		off = d.tok
	}
	line, col := position(d.src, off)
	return &SyntaxError{Line: line, Column: col, Msg: msg}
}

func position(b []byte, off int64) (line, col int) {
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	if off < 0 {
		off = 0
	}
	pre := b[:off]
	line = bytes.Count(pre, []byte{'\n'}) + 1
	col = utf8.RuneCount(pre[bytes.LastIndexByte(pre, '\n')+1:]) + 1
	return line, col
}
