package packs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// BuildResult is a written pack archive.
type BuildResult struct {
	Archive  string // path of the .tar.gz
	Checksum string // path of the .sha256 file beside it
	SHA256   string
	Manifest *Manifest
}

// WriteArchive writes p's reproducible archive to outDir as <name>-<version>.tar.gz, plus
// <name>-<version>.tar.gz.sha256 in sha256sum format.
func WriteArchive(p *Pack, outDir string) (*BuildResult, error) {
	b, err := p.Archive()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	base := p.Manifest.Name + "-" + p.Manifest.Version + ".tar.gz"
	r := &BuildResult{Archive: filepath.Join(outDir, base), SHA256: Digest(b), Manifest: p.Manifest}
	r.Checksum = r.Archive + ".sha256"
	if err := writeAtomic(r.Archive, b); err != nil {
		return nil, err
	}
	if err := writeAtomic(r.Checksum, []byte(r.SHA256+"  "+base+"\n")); err != nil {
		return nil, err
	}
	return r, nil
}

// InstallOptions say where a pack goes and how it is fetched and trusted.
type InstallOptions struct {
	LockPath string // tagd.lock beside the config
	Dir      string // the packs directory
	// SHA256 is the expected archive checksum. For an archive or URL without it, the
	// checksum is read from "<archive>.sha256" beside it; with neither the install fails.
	SHA256 string
	// Update accepts an archive whose version is already locked with another checksum
	// (the pack changed without a version bump).
	Update bool
	// TagdVersion is the running tagd, checked against the manifest's min_tagd_version.
	TagdVersion string
	// HTTP fetches https:// sources (nil: a client with a 60 s timeout).
	HTTP *http.Client
	// Verify, when set, is run on the pack before it is installed (e.g. Check).
	Verify func(*Pack) error
}

// InstallResult says what Install did.
type InstallResult struct {
	Locked   Locked
	Previous *Locked // the entry it replaced, if any
	// Unchanged: the same version and checksum were already installed.
	Unchanged bool
}

// Install installs a pack from a directory, a .tar.gz path or an https:// URL: it reads
// and verifies the archive, copies it into the packs directory and records name, version
// and SHA-256 in the lock file.
func Install(ctx context.Context, source string, o InstallOptions) (*InstallResult, error) {
	data, expected, err := fetchSource(ctx, source, o)
	if err != nil {
		return nil, err
	}
	sum := Digest(data)
	if expected != "" && sum != expected {
		return nil, fmt.Errorf("install %s: checksum mismatch: the archive's SHA-256 is %s, expected %s (the archive was changed or damaged after it was built; refusing it)", source, sum, expected)
	}
	p, err := ReadArchive(source, data)
	if err != nil {
		return nil, fmt.Errorf("install: %w", err)
	}
	m := p.Manifest
	if err := m.CheckTagdVersion(o.TagdVersion); err != nil {
		return nil, fmt.Errorf("install: %w", err)
	}
	for _, t := range m.Templates {
		if _, _, err := p.TemplateSource(t.Name); err != nil {
			return nil, fmt.Errorf("install: %w", err)
		}
	}
	if o.Verify != nil {
		if err := o.Verify(p); err != nil {
			return nil, fmt.Errorf("install %s %s: %w", m.Name, m.Version, err)
		}
	}
	lock, err := ReadLock(o.LockPath)
	if err != nil {
		return nil, fmt.Errorf("install: %w", err)
	}
	res := &InstallResult{Locked: Locked{Name: m.Name, Version: m.Version, SHA256: sum, Source: source}}
	archive := filepath.Join(o.Dir, ArchiveName(m.Name))
	if prev, ok := lock.Find(m.Name); ok {
		res.Previous = &prev
		if prev.Version == m.Version && prev.SHA256 != sum && !o.Update {
			return nil, fmt.Errorf("install: pack %s %s is locked with SHA-256 %s, but this archive has %s: the pack changed without a new version. Give it a new version, or pass -update to accept the change", m.Name, m.Version, prev.SHA256, sum)
		}
		if prev.Version == m.Version && prev.SHA256 == sum {
			if cur, err := os.ReadFile(archive); err == nil && Digest(cur) == sum {
				res.Unchanged = true
				return res, nil
			}
		}
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("install: %w", err)
	}
	if err := writeAtomic(archive, data); err != nil {
		return nil, fmt.Errorf("install: %w", err)
	}
	lock.Set(res.Locked)
	if err := lock.Write(); err != nil {
		return nil, fmt.Errorf("install: %w", err)
	}
	return res, nil
}

// Remove uninstalls a pack: its lock entry and its archive.
func Remove(name, lockPath, dir string) error {
	lock, err := ReadLock(lockPath)
	if err != nil {
		return fmt.Errorf("remove: %w", err)
	}
	if !lock.Remove(name) {
		return fmt.Errorf("remove: pack %q is not installed (not in %s)", name, lockPath)
	}
	if err := lock.Write(); err != nil {
		return fmt.Errorf("remove: %w", err)
	}
	if err := os.Remove(filepath.Join(dir, ArchiveName(name))); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove: %w", err)
	}
	return nil
}

// fetchSource returns the archive bytes of a source and the checksum they must have ("" when
// the source is a directory: its archive is built here).
func fetchSource(ctx context.Context, source string, o InstallOptions) (data []byte, expected string, err error) {
	expected = strings.ToLower(strings.TrimSpace(o.SHA256))
	if expected != "" && !hexSHA256.MatchString(expected) {
		return nil, "", fmt.Errorf("install: -sha256 %q is not 64 hex digits", o.SHA256)
	}
	switch {
	case strings.HasPrefix(source, "https://"):
		data, err = download(ctx, o.HTTP, source, MaxArchiveBytes)
		if err != nil {
			return nil, "", err
		}
		if expected == "" {
			side, err := download(ctx, o.HTTP, source+".sha256", 4096)
			if err != nil {
				return nil, "", fmt.Errorf("install %s: no checksum to verify it against: pass -sha256 or publish %s.sha256 (%v)", source, source, err)
			}
			if expected, err = parseChecksumFile(side); err != nil {
				return nil, "", fmt.Errorf("install: %s.sha256: %w", source, err)
			}
		}
		return data, expected, nil
	case strings.Contains(source, "://"):
		return nil, "", fmt.Errorf("install %s: only https:// URLs are accepted", source)
	}
	st, err := os.Stat(source)
	if err != nil {
		return nil, "", fmt.Errorf("install: %w", err)
	}
	if st.IsDir() {
		p, err := LoadDir(source)
		if err != nil {
			return nil, "", fmt.Errorf("install: %w", err)
		}
		data, err = p.Archive()
		return data, expected, err
	}
	if st.Size() > MaxArchiveBytes {
		return nil, "", fmt.Errorf("install %s: %d bytes is larger than %d", source, st.Size(), MaxArchiveBytes)
	}
	data, err = os.ReadFile(source)
	if err != nil {
		return nil, "", fmt.Errorf("install: %w", err)
	}
	if expected == "" {
		side, err := os.ReadFile(source + ".sha256")
		if err != nil {
			return nil, "", fmt.Errorf("install %s: no checksum to verify it against: pass -sha256 or keep %s.sha256 (written by tagd pack build) beside it", source, filepath.Base(source))
		}
		if expected, err = parseChecksumFile(side); err != nil {
			return nil, "", fmt.Errorf("install: %s.sha256: %w", source, err)
		}
	}
	return data, expected, nil
}

// parseChecksumFile reads the first field of a sha256sum-format file.
func parseChecksumFile(b []byte) (string, error) {
	f := strings.Fields(string(b))
	if len(f) == 0 || !hexSHA256.MatchString(strings.ToLower(f[0])) {
		return "", errors.New("want a 64-digit hex SHA-256 first")
	}
	return strings.ToLower(f[0]), nil
}

func download(ctx context.Context, c *http.Client, url string, limit int64) ([]byte, error) {
	if c == nil {
		c = &http.Client{Timeout: 60 * time.Second}
	}
	// A redirect must not downgrade the download to plain HTTP.
	cc := *c
	cc.CheckRedirect = func(r *http.Request, via []*http.Request) error {
		if r.URL.Scheme != "https" {
			return fmt.Errorf("refusing redirect to %s: only https:// is accepted", r.URL)
		}
		if len(via) >= 10 {
			return errors.New("too many redirects")
		}
		return nil
	}
	c = &cc
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("download %s: %w", url, err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("download %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("download %s: HTTP %d", url, resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("download %s: %w", url, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("download %s: larger than %d bytes", url, limit)
	}
	return b, nil
}
