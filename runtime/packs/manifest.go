package packs

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// ManifestName is the file name of a pack's manifest, at the pack's root.
const ManifestName = "tagd-pack.toml"

// Manifest is a parsed tagd-pack.toml.
type Manifest struct {
	Name        string   `json:"name"`
	Version     string   `json:"version"` // semver
	Description string   `json:"description"`
	Authors     []string `json:"authors"`
	License     string   `json:"license"`
	// MinTagdVersion is the oldest tagd that runs the pack ("" = any).
	MinTagdVersion string `json:"min_tagd_version,omitempty"`
	// Example is an optional example config inside the pack.
	Example   string     `json:"example,omitempty"`
	Templates []Provided `json:"templates"`

	file  string
	lines *lineIndex
}

// Provided is one [[template]] of a manifest: a template the pack provides.
type Provided struct {
	Name        string `json:"name"` // referenced as pack-name/name
	File        string `json:"file"` // slash-separated path inside the pack
	Description string `json:"description,omitempty"`
	Line        int    `json:"line"`
}

// Problem is one thing wrong with a pack, at a file and line when known.
type Problem struct {
	File string `json:"file"`
	Line int    `json:"line,omitempty"`
	Msg  string `json:"message"`
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
	}
	return p.File + ": " + p.Msg
}

// Problems is every problem found, as one error.
type Problems []Problem

func (ps Problems) Error() string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, "\n")
}

// namePattern is the spelling of pack and template names: they appear in config references
// (pack/template) and file names.
var namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// ValidName reports whether s may name a pack or a pack template.
func ValidName(s string) bool { return namePattern.MatchString(s) && !strings.Contains(s, "..") }

// ParseManifest decodes a manifest strictly: unknown keys and wrong types are problems, each
// with its line. It checks the form of every field; Check adds the rules that need the
// pack's files.
func ParseManifest(file string, src []byte) (*Manifest, error) {
	var top map[string]any
	if _, err := toml.Decode(string(src), &top); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, Problems{{File: file, Line: pe.Position.Line, Msg: "invalid TOML: " + pe.Message}}
		}
		return nil, Problems{{File: file, Msg: "invalid TOML: " + err.Error()}}
	}
	m := &Manifest{file: file, lines: indexLines(string(src))}
	var ps Problems
	add := func(line int, format string, args ...any) {
		ps = append(ps, Problem{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	str := func(tbl map[string]any, key string, dst *string, line int) {
		v, ok := tbl[key]
		if !ok {
			return
		}
		s, ok := v.(string)
		if !ok {
			add(line, "%s must be a string", key)
			return
		}
		*dst = s
	}
	known := []string{"name", "version", "description", "authors", "license", "min_tagd_version", "example", "template"}
	for _, k := range sortedKeys(top) {
		if !slices.Contains(known, k) {
			add(m.lines.key("", 0, k), "unknown key %q (known: %s)", k, strings.Join(known, ", "))
		}
	}
	for _, k := range []struct {
		key string
		dst *string
	}{{"name", &m.Name}, {"version", &m.Version}, {"description", &m.Description}, {"license", &m.License},
		{"min_tagd_version", &m.MinTagdVersion}, {"example", &m.Example}} {
		str(top, k.key, k.dst, m.lines.key("", 0, k.key))
	}
	switch a := top["authors"].(type) {
	case nil:
	case string:
		m.Authors = []string{a}
	case []any:
		for i, x := range a {
			s, ok := x.(string)
			if !ok {
				add(m.lines.key("", 0, "authors"), "authors[%d] must be a string", i)
				continue
			}
			m.Authors = append(m.Authors, s)
		}
	default:
		add(m.lines.key("", 0, "authors"), "authors must be a list of strings")
	}
	switch ts := top["template"].(type) {
	case nil:
	case []map[string]any:
		for i, t := range ts {
			line := m.lines.table("template", i)
			p := Provided{Line: line}
			for _, k := range sortedKeys(t) {
				if !slices.Contains([]string{"name", "file", "description"}, k) {
					add(m.lines.key("template", i, k), "template %d: unknown key %q (known: name, file, description)", i+1, k)
				}
			}
			str(t, "name", &p.Name, m.lines.key("template", i, "name"))
			str(t, "file", &p.File, m.lines.key("template", i, "file"))
			str(t, "description", &p.Description, m.lines.key("template", i, "description"))
			m.Templates = append(m.Templates, p)
		}
	default:
		add(m.lines.key("", 0, "template"), "template must be an array of tables: write [[template]]")
	}
	ps = append(ps, m.formProblems()...)
	if len(ps) > 0 {
		sort.SliceStable(ps, func(i, j int) bool { return ps[i].Line < ps[j].Line })
		return nil, ps
	}
	return m, nil
}

// formProblems checks each field on its own.
func (m *Manifest) formProblems() Problems {
	var ps Problems
	add := func(line int, format string, args ...any) {
		ps = append(ps, Problem{File: m.file, Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	top := func(k string) int { return m.lines.key("", 0, k) }
	switch {
	case m.Name == "":
		add(0, "name is required")
	case !ValidName(m.Name):
		add(top("name"), "name %q must be lower-case letters, digits, '.', '_' or '-' (at most 64, starting with a letter or digit)", m.Name)
	}
	if m.Version == "" {
		add(0, "version is required (semver, e.g. \"1.0.0\")")
	} else if _, err := ParseVersion(m.Version); err != nil {
		add(top("version"), "version: %v", err)
	}
	if strings.TrimSpace(m.Description) == "" {
		add(top("description"), "description is required")
	}
	if len(m.Authors) == 0 {
		add(top("authors"), "authors is required (a list of names, e.g. [\"Acme Agency <dev@acme.example>\"])")
	}
	for i, a := range m.Authors {
		if strings.TrimSpace(a) == "" {
			add(top("authors"), "authors[%d] is empty", i)
		}
	}
	if strings.TrimSpace(m.License) == "" {
		add(top("license"), "license is required (an SPDX identifier such as \"Apache-2.0\")")
	}
	if m.MinTagdVersion != "" {
		if _, err := ParseVersion(m.MinTagdVersion); err != nil {
			add(top("min_tagd_version"), "min_tagd_version: %v", err)
		}
	}
	if m.Example != "" {
		if _, err := cleanPath(m.Example); err != nil {
			add(top("example"), "example: %v", err)
		}
	}
	if len(m.Templates) == 0 {
		add(0, "the pack provides no template: add [[template]] entries with name and file")
	}
	seen := map[string]int{}
	for i, t := range m.Templates {
		w := fmt.Sprintf("template %d", i+1)
		switch {
		case t.Name == "":
			add(t.Line, "%s: name is required", w)
		case !ValidName(t.Name):
			add(m.lines.key("template", i, "name"), "%s: name %q must be lower-case letters, digits, '.', '_' or '-'", w, t.Name)
		default:
			if first, dup := seen[t.Name]; dup {
				add(t.Line, "%s: name %q is already provided by the template at line %d", w, t.Name, first)
			}
			seen[t.Name] = t.Line
		}
		if t.File == "" {
			add(t.Line, "%s: file is required", w)
		} else if p, err := cleanPath(t.File); err != nil {
			add(m.lines.key("template", i, "file"), "%s: file: %v", w, err)
		} else if !strings.HasSuffix(p, ".tpl") {
			add(m.lines.key("template", i, "file"), "%s: file %q is not a .tpl file", w, t.File)
		}
	}
	return ps
}

// Template returns the provided template called name.
func (m *Manifest) Template(name string) (Provided, bool) {
	for _, t := range m.Templates {
		if t.Name == name {
			return t, true
		}
	}
	return Provided{}, false
}

// TemplateNames lists the provided template names in manifest order.
func (m *Manifest) TemplateNames() []string {
	out := make([]string, len(m.Templates))
	for i, t := range m.Templates {
		out[i] = t.Name
	}
	return out
}

// File is the manifest's file name as given to ParseManifest.
func (m *Manifest) File() string { return m.file }

// Line is the line of a top-level key ("" for the file).
func (m *Manifest) Line(key string) int {
	if m.lines == nil || key == "" {
		return 0
	}
	return m.lines.key("", 0, key)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// lineIndex finds where keys and [[array]] tables were written, for messages. It reads
// lines, not TOML: good enough for the flat files packs and locks are.
type lineIndex struct {
	lines []string
}

func indexLines(src string) *lineIndex {
	return &lineIndex{lines: strings.Split(src, "\n")}
}

// table returns the line of the n-th [[name]] header (0 if absent).
func (x *lineIndex) table(name string, n int) int {
	seen := 0
	for i, l := range x.lines {
		if strings.TrimSpace(l) == "[["+name+"]]" {
			if seen == n {
				return i + 1
			}
			seen++
		}
	}
	return 0
}

// key returns the line of key in the n-th [[table]] (table "" = top level, before any
// header); for a table key that is not written, the table's header line.
func (x *lineIndex) key(table string, n int, key string) int {
	start := 0
	if table != "" {
		h := x.table(table, n)
		if h == 0 {
			return 0
		}
		start = h // the line after the header (h is 1-based)
	}
	for i := start; i < len(x.lines); i++ {
		l := strings.TrimSpace(x.lines[i])
		if strings.HasPrefix(l, "[") {
			break
		}
		k, _, ok := strings.Cut(l, "=")
		if !ok {
			continue
		}
		if strings.Trim(strings.TrimSpace(k), `"'`) == key {
			return i + 1
		}
	}
	return start
}

// Version is a parsed semantic version (semver 2.0; a leading "v" is accepted).
type Version struct {
	Major, Minor, Patch int
	Pre                 []string
	Build               string
}

var semverRe = regexp.MustCompile(`^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$`)

// ParseVersion parses "MAJOR.MINOR.PATCH[-pre][+build]".
func ParseVersion(s string) (Version, error) {
	m := semverRe.FindStringSubmatch(s)
	if m == nil {
		return Version{}, fmt.Errorf("%q is not a semantic version (MAJOR.MINOR.PATCH, e.g. \"1.4.0\" or \"2.0.0-rc.1\")", s)
	}
	var v Version
	var err error
	for i, dst := range []*int{&v.Major, &v.Minor, &v.Patch} {
		if *dst, err = strconv.Atoi(m[i+1]); err != nil {
			return Version{}, fmt.Errorf("%q: number too large", s)
		}
	}
	if m[4] != "" {
		v.Pre = strings.Split(m[4], ".")
	}
	v.Build = m[5]
	return v, nil
}

// Compare orders versions by semver precedence (build metadata is ignored).
func (v Version) Compare(w Version) int {
	for _, d := range [][2]int{{v.Major, w.Major}, {v.Minor, w.Minor}, {v.Patch, w.Patch}} {
		if d[0] != d[1] {
			if d[0] < d[1] {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(v.Pre) == 0 && len(w.Pre) == 0:
		return 0
	case len(v.Pre) == 0:
		return 1
	case len(w.Pre) == 0:
		return -1
	}
	for i := 0; i < len(v.Pre) && i < len(w.Pre); i++ {
		a, b := v.Pre[i], w.Pre[i]
		na, errA := strconv.Atoi(a)
		nb, errB := strconv.Atoi(b)
		switch {
		case errA == nil && errB == nil:
			if na != nb {
				if na < nb {
					return -1
				}
				return 1
			}
		case errA == nil:
			return -1
		case errB == nil:
			return 1
		default:
			if c := strings.Compare(a, b); c != 0 {
				return c
			}
		}
	}
	switch {
	case len(v.Pre) < len(w.Pre):
		return -1
	case len(v.Pre) > len(w.Pre):
		return 1
	}
	return 0
}

// CheckTagdVersion reports an error when running (the tagd version) is older than the
// manifest's min_tagd_version. Development builds ("dev...", or anything that is not a
// version) satisfy every minimum.
func (m *Manifest) CheckTagdVersion(running string) error {
	if m.MinTagdVersion == "" {
		return nil
	}
	have, err := ParseVersion(running)
	if err != nil {
		return nil
	}
	want, err := ParseVersion(m.MinTagdVersion)
	if err != nil {
		return err
	}
	if have.Compare(want) < 0 {
		return fmt.Errorf("pack %s %s needs tagd %s or newer; this is tagd %s", m.Name, m.Version, m.MinTagdVersion, running)
	}
	return nil
}
