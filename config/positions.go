package config

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// The TOML library keeps key positions private, so this file re-reads the (already valid)
// source to learn the line of every key, table header and array element. It builds a tree that
// mirrors the decoded data: tables have kids, arrays (of tables or of values) have elems.
// It never fails: on input it does not understand it stops early, and lookups then fall back
// to the nearest known ancestor.

type posNode struct {
	line  int
	kids  map[string]*posNode
	elems []*posNode
}

func (n *posNode) kid(k string, line int) *posNode {
	if n.kids == nil {
		n.kids = make(map[string]*posNode)
	}
	c, ok := n.kids[k]
	if !ok {
		c = &posNode{line: line}
		n.kids[k] = c
	}
	return c
}

// lastTable is where a header path continues: the last element of an array of tables, or the
// node itself.
func (n *posNode) lastTable() *posNode {
	if len(n.elems) > 0 {
		return n.elems[len(n.elems)-1]
	}
	return n
}

// lineOf returns the line of the node at path (string keys and int indexes), or of its
// deepest known ancestor. A nil tree answers 0.
func (n *posNode) lineOf(path ...any) int {
	if n == nil {
		return 0
	}
	line := n.line
	cur := n
	for _, p := range path {
		var next *posNode
		switch p := p.(type) {
		case string:
			next = cur.kids[p]
		case int:
			if p >= 0 && p < len(cur.elems) {
				next = cur.elems[p]
			}
		}
		if next == nil {
			break
		}
		cur = next
		if cur.line > 0 {
			line = cur.line
		}
	}
	return line
}

type posScanner struct {
	src  string
	i    int
	line int
	root *posNode
}

func scanPositions(src string) *posNode {
	s := &posScanner{src: strings.TrimPrefix(src, "\uFEFF"), line: 1, root: &posNode{line: 0}}
	s.document()
	return s.root
}

func (s *posScanner) eof() bool { return s.i >= len(s.src) }

func (s *posScanner) peek() byte {
	if s.eof() {
		return 0
	}
	return s.src[s.i]
}

func (s *posScanner) has(prefix string) bool { return strings.HasPrefix(s.src[s.i:], prefix) }

// adv moves n bytes forward, counting newlines.
func (s *posScanner) adv(n int) {
	end := min(s.i+n, len(s.src))
	s.line += strings.Count(s.src[s.i:end], "\n")
	s.i = end
}

func (s *posScanner) skipSpace() {
	for !s.eof() && (s.src[s.i] == ' ' || s.src[s.i] == '\t') {
		s.i++
	}
}

// skipBlank skips whitespace, newlines and comments.
func (s *posScanner) skipBlank() {
	for !s.eof() {
		switch s.src[s.i] {
		case ' ', '\t', '\r', '\n':
			s.adv(1)
		case '#':
			s.skipComment()
		default:
			return
		}
	}
}

func (s *posScanner) skipComment() {
	for !s.eof() && s.src[s.i] != '\n' {
		s.i++
	}
}

func (s *posScanner) document() {
	cur := s.root
	for {
		s.skipBlank()
		if s.eof() {
			return
		}
		start := s.i
		line := s.line
		switch {
		case s.has("[["):
			s.adv(2)
			keys := s.key()
			s.skipSpace()
			if !s.has("]]") {
				return
			}
			s.adv(2)
			cur = s.arrayHeader(keys, line)
		case s.peek() == '[':
			s.adv(1)
			keys := s.key()
			s.skipSpace()
			if s.peek() != ']' {
				return
			}
			s.adv(1)
			cur = s.tableHeader(keys, line)
		default:
			if !s.keyValue(cur) {
				return
			}
		}
		if s.i == start {
			return // no progress: input we do not understand
		}
	}
}

func (s *posScanner) descend(keys []string, line int) *posNode {
	n := s.root
	for _, k := range keys {
		n = n.kid(k, line).lastTable()
	}
	return n
}

func (s *posScanner) tableHeader(keys []string, line int) *posNode {
	if len(keys) == 0 {
		return s.root
	}
	parent := s.descend(keys[:len(keys)-1], line)
	t := parent.kid(keys[len(keys)-1], line)
	t.line = line // an explicit header wins over an earlier implicit creation
	return t
}

func (s *posScanner) arrayHeader(keys []string, line int) *posNode {
	if len(keys) == 0 {
		return s.root
	}
	parent := s.descend(keys[:len(keys)-1], line)
	arr := parent.kid(keys[len(keys)-1], line)
	el := &posNode{line: line}
	arr.elems = append(arr.elems, el)
	return el
}

// keyValue reads `dotted.key = value` into table t.
func (s *posScanner) keyValue(t *posNode) bool {
	line := s.line
	keys := s.key()
	if len(keys) == 0 {
		return false
	}
	s.skipSpace()
	if s.peek() != '=' {
		return false
	}
	s.adv(1)
	s.skipSpace()
	n := t
	for _, k := range keys[:len(keys)-1] {
		n = n.kid(k, line)
	}
	leaf := &posNode{line: line}
	if n.kids == nil {
		n.kids = make(map[string]*posNode)
	}
	n.kids[keys[len(keys)-1]] = leaf
	return s.value(leaf)
}

// key reads a possibly dotted key made of bare, "basic" and 'literal' parts.
func (s *posScanner) key() []string {
	var keys []string
	for {
		s.skipSpace()
		var k string
		var ok bool
		switch s.peek() {
		case '"':
			k, ok = s.basicString()
		case '\'':
			k, ok = s.literalString()
		default:
			start := s.i
			for !s.eof() && isBareKeyChar(s.src[s.i]) {
				s.i++
			}
			k, ok = s.src[start:s.i], s.i > start
		}
		if !ok {
			return nil
		}
		keys = append(keys, k)
		s.skipSpace()
		if s.peek() != '.' {
			return keys
		}
		s.adv(1)
	}
}

func isBareKeyChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// value skips one value; arrays and inline tables record their members in n.
func (s *posScanner) value(n *posNode) bool {
	switch {
	case s.has(`"""`):
		return s.multiline(`"""`, true)
	case s.has(`'''`):
		return s.multiline(`'''`, false)
	case s.peek() == '"':
		_, ok := s.basicString()
		return ok
	case s.peek() == '\'':
		_, ok := s.literalString()
		return ok
	case s.peek() == '[':
		return s.array(n)
	case s.peek() == '{':
		return s.inlineTable(n)
	}
	// A scalar (number, bool, date-time; date and time may be separated by a space).
	start := s.i
	for !s.eof() && !strings.ContainsRune(",]}#\r\n", rune(s.src[s.i])) {
		s.i++
	}
	return s.i > start
}

func (s *posScanner) array(n *posNode) bool {
	s.adv(1) // [
	for {
		s.skipBlank()
		if s.eof() {
			return false
		}
		if s.peek() == ']' {
			s.adv(1)
			return true
		}
		el := &posNode{line: s.line}
		n.elems = append(n.elems, el)
		start := s.i
		if !s.value(el) || s.i == start {
			return false
		}
		s.skipBlank()
		if s.peek() == ',' {
			s.adv(1)
		}
	}
}

func (s *posScanner) inlineTable(n *posNode) bool {
	s.adv(1) // {
	for {
		s.skipBlank() // TOML 1.1 allows newlines and comments inside inline tables
		if s.eof() {
			return false
		}
		if s.peek() == '}' {
			s.adv(1)
			return true
		}
		start := s.i
		if !s.keyValue(n) || s.i == start {
			return false
		}
		s.skipBlank()
		if s.peek() == ',' {
			s.adv(1)
		}
	}
}

func (s *posScanner) multiline(delim string, escapes bool) bool {
	s.adv(3)
	for !s.eof() {
		if escapes && s.peek() == '\\' {
			s.adv(2)
			continue
		}
		if s.has(delim) {
			// Up to two quotes may sit right before the closing delimiter.
			end := 3
			for end < 5 && s.i+end < len(s.src) && s.src[s.i+end] == delim[0] {
				end++
			}
			s.adv(end)
			return true
		}
		s.adv(1)
	}
	return false
}

func (s *posScanner) literalString() (string, bool) {
	s.adv(1)
	start := s.i
	for !s.eof() && s.src[s.i] != '\'' && s.src[s.i] != '\n' {
		s.i++
	}
	if s.peek() != '\'' {
		return "", false
	}
	v := s.src[start:s.i]
	s.adv(1)
	return v, true
}

// basicString reads a "..." string and decodes its escapes (keys must compare equal to the
// decoded map keys).
func (s *posScanner) basicString() (string, bool) {
	s.adv(1)
	var b strings.Builder
	for !s.eof() {
		c := s.src[s.i]
		switch c {
		case '"':
			s.adv(1)
			return b.String(), true
		case '\n':
			return "", false
		case '\\':
			if s.i+1 >= len(s.src) {
				return "", false
			}
			e := s.src[s.i+1]
			s.i += 2
			switch e {
			case 'b':
				b.WriteByte('\b')
			case 't':
				b.WriteByte('\t')
			case 'n':
				b.WriteByte('\n')
			case 'f':
				b.WriteByte('\f')
			case 'r':
				b.WriteByte('\r')
			case 'e':
				b.WriteByte(0x1b)
			case 'x':
				b.WriteRune(s.hexRune(2))
			case 'u':
				b.WriteRune(s.hexRune(4))
			case 'U':
				b.WriteRune(s.hexRune(8))
			default:
				b.WriteByte(e) // \" and \\
			}
		default:
			b.WriteByte(c)
			s.i++
		}
	}
	return "", false
}

func (s *posScanner) hexRune(n int) rune {
	if s.i+n > len(s.src) {
		s.i = len(s.src)
		return utf8.RuneError
	}
	v, err := strconv.ParseUint(s.src[s.i:s.i+n], 16, 32)
	s.i += n
	if err != nil || !utf8.ValidRune(rune(v)) {
		return utf8.RuneError
	}
	return rune(v)
}
