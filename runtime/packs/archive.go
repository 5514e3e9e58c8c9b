package packs

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Limits on what a pack may hold; archives come from the network.
const (
	MaxFileBytes    = 4 << 20  // one file
	MaxPackBytes    = 32 << 20 // all files together, uncompressed
	MaxPackFiles    = 2000
	MaxArchiveBytes = 32 << 20 // the .tar.gz itself
)

// Pack is a pack's files in memory, keyed by slash-separated path, with its manifest.
type Pack struct {
	Manifest *Manifest
	Files    map[string][]byte
	// Source names where the pack was read from, for messages.
	Source string
}

// Digest is the hex SHA-256 of b: the checksum of a pack archive.
func Digest(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// cleanPath checks a path inside a pack: relative, slash-separated, no "..", no empty parts.
func cleanPath(p string) (string, error) {
	if p == "" {
		return "", errors.New("empty path")
	}
	if strings.Contains(p, `\`) {
		return "", fmt.Errorf("path %q must use '/' separators", p)
	}
	if path.IsAbs(p) || filepath.IsAbs(p) {
		return "", fmt.Errorf("path %q must be relative to the pack", p)
	}
	c := path.Clean(p)
	if c == "." || c == ".." || strings.HasPrefix(c, "../") {
		return "", fmt.Errorf("path %q leaves the pack", p)
	}
	return c, nil
}

// LoadDir reads a pack directory: the manifest and every regular file except hidden ones
// (names starting with "."). Symbolic links are refused so that a pack is the same wherever
// it is copied.
func LoadDir(dir string) (*Pack, error) {
	files := map[string][]byte{}
	total := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, rerr := filepath.Rel(dir, p)
		if rerr != nil {
			return rerr
		}
		if rel == "." {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			return fmt.Errorf("%s: symbolic links are not allowed in a pack", p)
		case d.IsDir():
			return nil
		case !d.Type().IsRegular():
			return fmt.Errorf("%s: not a regular file", p)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if len(b) > MaxFileBytes {
			return fmt.Errorf("%s: %d bytes is more than the %d a pack file may have", p, len(b), MaxFileBytes)
		}
		total += len(b)
		if total > MaxPackBytes || len(files) >= MaxPackFiles {
			return fmt.Errorf("%s: the pack is larger than %d bytes or %d files", dir, MaxPackBytes, MaxPackFiles)
		}
		files[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read pack %s: %w", dir, err)
	}
	return newPack(dir, files, filepath.Join(dir, ManifestName))
}

func newPack(source string, files map[string][]byte, manifestName string) (*Pack, error) {
	src, ok := files[ManifestName]
	if !ok {
		return nil, fmt.Errorf("%s: no %s at the pack's root", source, ManifestName)
	}
	m, err := ParseManifest(manifestName, src)
	if err != nil {
		return nil, err
	}
	return &Pack{Manifest: m, Files: files, Source: source}, nil
}

// archiveTime is the modification time of every archive entry, so the same files always
// give the same bytes.
var archiveTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// Archive returns the pack as a reproducible .tar.gz: files in path order, fixed times,
// owners and modes, no gzip name or time. The same files give the same bytes (and SHA-256)
// with the same tagd build.
func (p *Pack) Archive() ([]byte, error) {
	names := make([]string, 0, len(p.Files))
	for n := range p.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	tw := tar.NewWriter(zw)
	for _, n := range names {
		b := p.Files[n]
		hdr := &tar.Header{
			Typeflag: tar.TypeReg,
			Name:     n,
			Size:     int64(len(b)),
			Mode:     0o644,
			ModTime:  archiveTime,
			Format:   tar.FormatPAX,
		}
		if len(n) <= 100 {
			hdr.Format = tar.FormatUSTAR
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, fmt.Errorf("archive %s: %w", n, err)
		}
		if _, err := tw.Write(b); err != nil {
			return nil, fmt.Errorf("archive %s: %w", n, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ReadArchive reads a pack .tar.gz. Only regular files and directories are accepted; paths
// must stay inside the pack; sizes are capped. name is used in messages.
func ReadArchive(name string, b []byte) (*Pack, error) {
	if len(b) > MaxArchiveBytes {
		return nil, fmt.Errorf("%s: archive of %d bytes is larger than %d", name, len(b), MaxArchiveBytes)
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%s: not a .tar.gz archive: %w", name, err)
	}
	tr := tar.NewReader(zr)
	files := map[string][]byte{}
	total := 0
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: broken archive: %w", name, err)
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			if _, err := cleanPath(strings.TrimSuffix(hdr.Name, "/")); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			continue
		case tar.TypeReg:
		default:
			return nil, fmt.Errorf("%s: entry %q is not a regular file (links and devices are not allowed)", name, hdr.Name)
		}
		p, err := cleanPath(hdr.Name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if _, dup := files[p]; dup {
			return nil, fmt.Errorf("%s: %q appears twice", name, p)
		}
		if hdr.Size < 0 || hdr.Size > MaxFileBytes {
			return nil, fmt.Errorf("%s: %q has %d bytes, more than the %d a pack file may have", name, p, hdr.Size, MaxFileBytes)
		}
		total += int(hdr.Size)
		if total > MaxPackBytes || len(files) >= MaxPackFiles {
			return nil, fmt.Errorf("%s: the pack is larger than %d bytes or %d files", name, MaxPackBytes, MaxPackFiles)
		}
		data, err := io.ReadAll(io.LimitReader(tr, hdr.Size+1))
		if err != nil {
			return nil, fmt.Errorf("%s: read %q: %w", name, p, err)
		}
		if int64(len(data)) != hdr.Size {
			return nil, fmt.Errorf("%s: %q is truncated", name, p)
		}
		files[p] = data
	}
	if err := zr.Close(); err != nil {
		return nil, fmt.Errorf("%s: broken gzip stream: %w", name, err)
	}
	return newPack(name, files, name+":"+ManifestName)
}

// TemplateSource returns the text of a provided template.
func (p *Pack) TemplateSource(name string) (Provided, []byte, error) {
	t, ok := p.Manifest.Template(name)
	if !ok {
		return Provided{}, nil, fmt.Errorf("pack %q provides no template %q (it provides: %s)", p.Manifest.Name, name, strings.Join(p.Manifest.TemplateNames(), ", "))
	}
	fp, err := cleanPath(t.File)
	if err != nil {
		return t, nil, fmt.Errorf("pack %q template %q: %w", p.Manifest.Name, name, err)
	}
	src, ok := p.Files[fp]
	if !ok {
		return t, nil, fmt.Errorf("pack %q template %q: file %s is not in the pack", p.Manifest.Name, name, t.File)
	}
	return t, src, nil
}
