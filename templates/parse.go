package templates

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
)

// headerRE matches a whole section header line. The name may not end in "_",
// so "___INFO____" is not read as a section called "INFO_".
var headerRE = regexp.MustCompile(`^___([A-Z](?:[A-Z0-9_]*[A-Z0-9])?)___[ \t\r]*$`)

var bom = []byte{0xEF, 0xBB, 0xBF}

// section is one raw section of the file.
type section struct {
	name       string
	headerLine int      // 1-based line of the ___NAME___ header
	lines      []string // body lines, without the header
}

// body returns the section body with leading and trailing blank lines removed
// (interior lines untouched) and the 1-based file line of its first line. An
// empty body reports the line after the header.
func (s *section) body() (string, int) {
	lo, hi := 0, len(s.lines)
	for lo < hi && isBlank(s.lines[lo]) {
		lo++
	}
	for hi > lo && isBlank(s.lines[hi-1]) {
		hi--
	}
	return strings.Join(s.lines[lo:hi], "\n"), s.headerLine + 1 + lo
}

func isBlank(line string) bool {
	return strings.TrimLeft(line, " \t\r\f\v") == ""
}

// ParseFile reads and parses one .tpl file.
func ParseFile(path string) (*Template, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	return Parse(path, src)
}

// ParseDir parses every *.tpl file directly inside dir, in name order. It
// returns the templates that parsed and, joined, the errors of those that
// did not.
func ParseDir(dir string) ([]*Template, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.tpl"))
	if err != nil {
		return nil, fmt.Errorf("list templates in %s: %w", dir, err)
	}
	sort.Strings(paths)
	var out []*Template
	var errs []error
	for _, p := range paths {
		t, err := ParseFile(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, t)
	}
	return out, errors.Join(errs...)
}

// Parse parses a .tpl. name is used in error messages and stored as Path. A
// leading UTF-8 BOM is stripped and CRLF line endings are read as LF (so Code
// always uses LF). Every error is a *ParseError.
func Parse(name string, src []byte) (*Template, error) {
	src = bytes.TrimPrefix(src, bom)
	if bytes.Contains(src, []byte("\r\n")) {
		src = bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n"))
	}
	if !utf8.Valid(src) {
		return nil, &ParseError{File: name, Line: invalidUTF8Line(src), Msg: "file is not valid UTF-8"}
	}
	secs, err := splitSections(name, string(src))
	if err != nil {
		return nil, err
	}
	t := &Template{Path: name}
	byName := make(map[string]*section, len(secs))
	for _, s := range secs {
		t.Sections = append(t.Sections, s.name)
		byName[s.name] = s
	}

	info, ok := byName[SectionInfo]
	if !ok {
		return nil, &ParseError{File: name, Section: SectionInfo, Msg: "missing ___INFO___ section"}
	}
	if err := t.parseInfo(info); err != nil {
		return nil, err
	}

	_, t.HasWebCode = byName[SectionWebCode]
	code, ok := byName[SectionServerCode]
	if !ok {
		if t.HasWebCode || isWebOnly(t.Info.ContainerContexts) {
			return nil, &ParseError{File: name, Section: SectionServerCode, Msg: "not a server template (web template)"}
		}
		return nil, &ParseError{File: name, Section: SectionServerCode, Msg: "missing ___SANDBOXED_JS_FOR_SERVER___ section"}
	}
	t.Code, t.CodeLine = code.body()

	if s, ok := byName[SectionParameters]; ok {
		if err := t.parseParams(s); err != nil {
			return nil, err
		}
	}
	if s, ok := byName[SectionPermissions]; ok {
		if err := t.parsePermissions(s); err != nil {
			return nil, err
		}
	}
	if s, ok := byName[SectionTests]; ok {
		if err := t.parseTests(s); err != nil {
			return nil, err
		}
	}
	if s, ok := byName[SectionNotes]; ok {
		t.Notes, _ = s.body()
	}
	return t, nil
}

// splitSections cuts the file at header lines. Text before the first header
// is ignored (real templates put license comments there); a repeated section
// is an error.
func splitSections(name, src string) ([]*section, error) {
	var secs []*section
	seen := map[string]int{}
	var cur *section
	for i, line := range strings.Split(src, "\n") {
		n := i + 1
		if m := headerRE.FindStringSubmatch(line); m != nil {
			if first, dup := seen[m[1]]; dup {
				return nil, &ParseError{File: name, Line: n, Section: m[1],
					Msg: fmt.Sprintf("duplicate section (first at line %d)", first)}
			}
			seen[m[1]] = n
			cur = &section{name: m[1], headerLine: n}
			secs = append(secs, cur)
			continue
		}
		if cur == nil {
			continue // preamble (e.g. a license comment) before the first header
		}
		cur.lines = append(cur.lines, line)
	}
	return secs, nil
}

func isWebOnly(contexts []string) bool {
	web := false
	for _, c := range contexts {
		switch c {
		case "SERVER":
			return false
		case "WEB":
			web = true
		}
	}
	return web
}

func invalidUTF8Line(src []byte) int {
	line := 1
	for len(src) > 0 {
		r, size := utf8.DecodeRune(src)
		if r == utf8.RuneError && size <= 1 {
			return line
		}
		if r == '\n' {
			line++
		}
		src = src[size:]
	}
	return line
}

func (t *Template) parseInfo(s *section) error {
	body, line := s.body()
	perr := func(l int, format string, args ...any) error {
		return &ParseError{File: t.Path, Line: l, Section: SectionInfo, Msg: fmt.Sprintf(format, args...)}
	}
	if body == "" {
		return perr(s.headerLine, "empty body, want a JSON object")
	}
	info, err := decodeLenient[Info]([]byte(body))
	if err != nil {
		return jsonError(t.Path, SectionInfo, body, line, err)
	}
	t.Info = info
	switch t.Info.Type {
	case KindTag, KindMacro, KindClient:
		return nil
	case "":
		return perr(line, `missing "type" (want TAG, MACRO or CLIENT)`)
	default:
		return perr(line+lineOf(body, valueOffset([]byte(body), "type")),
			"unknown template type %q (want TAG, MACRO or CLIENT)", string(t.Info.Type))
	}
}

func (t *Template) parseParams(s *section) error {
	body, line := s.body()
	if body == "" {
		return nil // an empty section declares no fields
	}
	params, err := decodeLenient[[]Param]([]byte(body))
	if err != nil {
		return jsonError(t.Path, SectionParameters, body, line, err)
	}
	t.Params = params
	return nil
}
