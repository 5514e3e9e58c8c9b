package packs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ArchiveName is the file an installed pack is kept in, inside the packs directory.
func ArchiveName(pack string) string { return pack + ".tar.gz" }

// ParseRef splits a config reference "pack-name/template-name". ok is false for anything
// else (built-in names, .tpl paths).
func ParseRef(ref string) (pack, name string, ok bool) {
	if strings.HasSuffix(ref, ".tpl") || strings.Contains(ref, `\`) {
		return "", "", false
	}
	pack, name, found := strings.Cut(ref, "/")
	if !found || strings.Contains(name, "/") || !ValidName(pack) || !ValidName(name) {
		return "", "", false
	}
	return pack, name, true
}

// Installed is one locked pack, verified and read.
type Installed struct {
	Locked
	Archive string // path of the archive in the packs directory
	Pack    *Pack
}

// Set is the packs a container may use: every pack in its lock file, each verified against
// its checksum, and an index from template name to the packs that provide it.
type Set struct {
	LockPath string
	Dir      string
	Packs    map[string]*Installed
	prefer   map[string]string
	provides map[string][]string // template name -> pack names, sorted
}

// Open reads the lock file and every pack it names from dir. An archive that is missing,
// whose SHA-256 differs from its lock entry, or whose manifest names another pack or
// version is refused; so are two packs that provide a template of the same name unless
// prefer (template name -> pack) says which wins. All problems are returned together.
// A missing lock file gives an empty set.
func Open(lockPath, dir string, prefer map[string]string) (*Set, error) {
	lock, err := ReadLock(lockPath)
	if err != nil {
		return nil, err
	}
	s := &Set{LockPath: lockPath, Dir: dir, Packs: map[string]*Installed{}, prefer: prefer, provides: map[string][]string{}}
	var ps Problems
	add := func(line int, format string, args ...any) {
		ps = append(ps, Problem{File: lockPath, Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	for _, l := range lock.Packs {
		archive := filepath.Join(dir, ArchiveName(l.Name))
		b, err := os.ReadFile(archive)
		if errors.Is(err, os.ErrNotExist) {
			add(l.Line, "pack %q %s is locked but %s is missing (run: tagd pack install <source of %s %s>)", l.Name, l.Version, archive, l.Name, l.Version)
			continue
		}
		if err != nil {
			add(l.Line, "pack %q: %v", l.Name, err)
			continue
		}
		if got := Digest(b); got != l.SHA256 {
			what := "its content changed"
			if p, perr := ReadArchive(archive, b); perr == nil && p.Manifest.Version != l.Version {
				what = fmt.Sprintf("it is version %s", p.Manifest.Version)
			}
			add(l.Line, "pack %q: refusing %s: its SHA-256 is %s but tagd.lock pins version %s with %s (%s; to accept it, run tagd pack install with the new pack, which updates the lock)",
				l.Name, archive, got, l.Version, l.SHA256, what)
			continue
		}
		p, err := ReadArchive(archive, b)
		if err != nil {
			add(l.Line, "pack %q: %v", l.Name, err)
			continue
		}
		if p.Manifest.Name != l.Name || p.Manifest.Version != l.Version {
			add(l.Line, "pack %q: %s holds %s %s, but the lock says %s %s", l.Name, archive, p.Manifest.Name, p.Manifest.Version, l.Name, l.Version)
			continue
		}
		s.Packs[l.Name] = &Installed{Locked: l, Archive: archive, Pack: p}
		for _, t := range p.Manifest.Templates {
			s.provides[t.Name] = append(s.provides[t.Name], l.Name)
		}
	}
	for _, name := range sortedKeys(s.provides) {
		sort.Strings(s.provides[name])
		if by := s.provides[name]; len(by) > 1 && prefer[name] == "" {
			add(0, "packs %s all provide template %q: say which wins in the config with [packs] prefer = { %q = %q }",
				strings.Join(by, ", "), name, name, by[0])
		}
	}
	for _, name := range sortedKeys(prefer) {
		in := s.Packs[prefer[name]]
		switch {
		case in == nil && lock.find(prefer[name]):
			// Already reported: the locked pack could not be read.
		case in == nil:
			add(0, "[packs] prefer.%s names pack %q, which is not installed", name, prefer[name])
		default:
			if _, ok := in.Pack.Manifest.Template(name); !ok {
				add(0, "[packs] prefer.%s names pack %q, which provides no template %q (it provides: %s)", name, prefer[name], name, strings.Join(in.Pack.Manifest.TemplateNames(), ", "))
			}
		}
	}
	if len(ps) > 0 {
		return s, ps
	}
	return s, nil
}

// Files are the files the set was read from, for the config watcher: the lock and every
// archive.
func (s *Set) Files() []string {
	out := []string{s.LockPath}
	for _, name := range sortedKeys(s.Packs) {
		out = append(out, s.Packs[name].Archive)
	}
	return out
}

// Hashes are the installed archives' checksums (they make up the container version).
func (s *Set) Hashes() []string {
	var out []string
	for _, name := range sortedKeys(s.Packs) {
		out = append(out, s.Packs[name].SHA256)
	}
	return out
}

// Template is a template resolved from a pack.
type Template struct {
	Pack    string
	Version string
	Name    string
	// Path names it in messages: "<archive>:<file inside the pack>".
	Path   string
	Source []byte
}

// Key identifies the template for caching: pack/name@version.
func (t *Template) Key() string { return "pack:" + t.Pack + "/" + t.Name + "@" + t.Version }

// Resolve finds a config template reference in the packs. A "pack/template" reference is
// always a pack reference: handled is true and err says why it cannot be used. A bare name
// is a pack template when [packs] prefer names a pack for it, or when no built-in has that
// name (isBuiltin) and exactly one pack provides it; otherwise handled is false and the
// caller resolves it as before. s may be nil (no packs installed).
func (s *Set) Resolve(ref string, isBuiltin func(string) bool) (t *Template, handled bool, err error) {
	if pack, name, ok := ParseRef(ref); ok {
		t, err := s.lookup(pack, name)
		return t, true, err
	}
	if s == nil || !ValidName(ref) {
		return nil, false, nil
	}
	if pack, ok := s.prefer[ref]; ok {
		t, err := s.lookup(pack, ref)
		return t, true, err
	}
	by := s.provides[ref]
	if len(by) == 0 || isBuiltin != nil && isBuiltin(ref) {
		return nil, false, nil
	}
	if len(by) > 1 {
		return nil, true, fmt.Errorf("template %q is provided by packs %s: write %s/%s or set [packs] prefer", ref, strings.Join(by, ", "), by[0], ref)
	}
	t, err = s.lookup(by[0], ref)
	return t, true, err
}

func (s *Set) lookup(pack, name string) (*Template, error) {
	if s == nil || s.Packs[pack] == nil {
		lock := LockName
		if s != nil {
			lock = s.LockPath
		}
		return nil, fmt.Errorf("pack %q is not installed (it is not in %s; run: tagd pack install <dir, archive or https URL>)", pack, lock)
	}
	in := s.Packs[pack]
	prov, src, err := in.Pack.TemplateSource(name)
	if err != nil {
		return nil, err
	}
	return &Template{Pack: pack, Version: in.Version, Name: name, Path: in.Archive + ":" + prov.File, Source: src}, nil
}
