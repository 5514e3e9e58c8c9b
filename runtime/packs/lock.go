package packs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
)

// LockName is the lock file's name, beside the container config.
const LockName = "tagd.lock"

// Lock is tagd.lock: the exact packs a container runs.
type Lock struct {
	Path  string
	Packs []Locked
}

// Locked is one [[pack]] of the lock file.
type Locked struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// SHA256 is the hex SHA-256 of the installed archive.
	SHA256 string `json:"sha256"`
	// Source is where it was installed from (informational).
	Source string `json:"source,omitempty"`
	Line   int    `json:"line,omitempty"`
}

var hexSHA256 = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ReadLock reads a lock file. A missing file is an empty lock (err is nil).
func ReadLock(path string) (*Lock, error) {
	src, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &Lock{Path: path}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read lock file: %w", err)
	}
	return ParseLock(path, src)
}

// ParseLock decodes a lock file strictly; every problem carries its line.
func ParseLock(path string, src []byte) (*Lock, error) {
	var top map[string]any
	if _, err := toml.Decode(string(src), &top); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, Problems{{File: path, Line: pe.Position.Line, Msg: "invalid TOML: " + pe.Message}}
		}
		return nil, Problems{{File: path, Msg: "invalid TOML: " + err.Error()}}
	}
	lines := indexLines(string(src))
	l := &Lock{Path: path}
	var ps Problems
	add := func(line int, format string, args ...any) {
		ps = append(ps, Problem{File: path, Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	for _, k := range sortedKeys(top) {
		if k != "pack" && k != "lock_version" {
			add(lines.key("", 0, k), "unknown key %q", k)
		}
	}
	if v, ok := top["lock_version"]; ok && v != int64(1) {
		add(lines.key("", 0, "lock_version"), "lock_version %v is not supported by this tagd (want 1)", v)
	}
	var entries []map[string]any
	switch v := top["pack"].(type) {
	case nil:
	case []map[string]any:
		entries = v
	default:
		add(lines.key("", 0, "pack"), "pack must be written as [[pack]] tables")
	}
	seen := map[string]int{}
	for i, e := range entries {
		line := lines.table("pack", i)
		p := Locked{Line: line}
		for _, k := range sortedKeys(e) {
			s, ok := e[k].(string)
			if !ok {
				add(lines.key("pack", i, k), "pack %d: %s must be a string", i+1, k)
				continue
			}
			switch k {
			case "name":
				p.Name = s
			case "version":
				p.Version = s
			case "sha256":
				p.SHA256 = s
			case "source":
				p.Source = s
			default:
				add(lines.key("pack", i, k), "pack %d: unknown key %q", i+1, k)
			}
		}
		switch {
		case !ValidName(p.Name):
			add(line, "pack %d: name %q is not a valid pack name", i+1, p.Name)
		default:
			if first, dup := seen[p.Name]; dup {
				add(line, "pack %q is locked twice (first at line %d)", p.Name, first)
			}
			seen[p.Name] = line
		}
		if _, err := ParseVersion(p.Version); err != nil {
			add(lines.key("pack", i, "version"), "pack %q: version: %v", p.Name, err)
		}
		if !hexSHA256.MatchString(p.SHA256) {
			add(lines.key("pack", i, "sha256"), "pack %q: sha256 must be 64 lower-case hex digits", p.Name)
		}
		l.Packs = append(l.Packs, p)
	}
	if len(ps) > 0 {
		return nil, ps
	}
	return l, nil
}

// Find returns the lock entry of a pack.
func (l *Lock) Find(name string) (Locked, bool) {
	for _, p := range l.Packs {
		if p.Name == name {
			return p, true
		}
	}
	return Locked{}, false
}

func (l *Lock) find(name string) bool {
	_, ok := l.Find(name)
	return ok
}

// Set adds or replaces a pack's entry.
func (l *Lock) Set(p Locked) {
	p.Line = 0
	for i := range l.Packs {
		if l.Packs[i].Name == p.Name {
			l.Packs[i] = p
			return
		}
	}
	l.Packs = append(l.Packs, p)
}

// Remove drops a pack's entry; it reports whether there was one.
func (l *Lock) Remove(name string) bool {
	i := slices.IndexFunc(l.Packs, func(p Locked) bool { return p.Name == name })
	if i < 0 {
		return false
	}
	l.Packs = slices.Delete(l.Packs, i, i+1)
	return true
}

// Encode renders the lock file: a header comment and one [[pack]] per pack, by name.
func (l *Lock) Encode() []byte {
	ps := slices.Clone(l.Packs)
	sort.Slice(ps, func(i, j int) bool { return ps[i].Name < ps[j].Name })
	var b strings.Builder
	b.WriteString("# tagd.lock: the template packs this container runs, pinned by version and SHA-256.\n")
	b.WriteString("# Written by `tagd pack install`; commit it next to the config. tagd refuses to load a\n")
	b.WriteString("# pack whose archive does not match its entry here.\n")
	b.WriteString("lock_version = 1\n")
	for _, p := range ps {
		b.WriteString("\n[[pack]]\n")
		fmt.Fprintf(&b, "name = %s\n", quote(p.Name))
		fmt.Fprintf(&b, "version = %s\n", quote(p.Version))
		fmt.Fprintf(&b, "sha256 = %s\n", quote(p.SHA256))
		if p.Source != "" {
			fmt.Fprintf(&b, "source = %s\n", quote(p.Source))
		}
	}
	return []byte(b.String())
}

// Write saves the lock file atomically (a temporary file renamed over the old one).
func (l *Lock) Write() error {
	return writeAtomic(l.Path, l.Encode())
}

// quote writes a TOML basic string.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
