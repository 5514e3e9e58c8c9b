package packs

import (
	"os"
	"testing"
)

// The manifest, the lock file and archives come from outside (the network, other people's
// repositories): their parsers must reject bad input with an error, never panic.

func FuzzParseManifest(f *testing.F) {
	if b, err := os.ReadFile("testdata/good/" + ManifestName); err == nil {
		f.Add(b)
	}
	f.Add([]byte("name = \"a\"\n[[template]]\nname = \"b\"\nfile = \"../x.tpl\"\n"))
	f.Add([]byte("version = \"1.0.0-rc.1+build\"\nauthors = \"x\"\ntemplate = 3\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest("m.toml", data)
		if err == nil && (m == nil || !ValidName(m.Name)) {
			t.Fatalf("accepted an invalid manifest: %+v", m)
		}
	})
}

func FuzzParseLock(f *testing.F) {
	l := &Lock{Packs: []Locked{{Name: "a", Version: "1.0.0", SHA256: Digest(nil), Source: "x"}}}
	f.Add(l.Encode())
	f.Add([]byte("lock_version = 1\npack = 3\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseLock("tagd.lock", data)
		if err != nil {
			return
		}
		// What parses re-encodes and parses to the same entries.
		back, err := ParseLock("tagd.lock", l.Encode())
		if err != nil || len(back.Packs) != len(l.Packs) {
			t.Fatalf("re-encoded lock: %v (%d vs %d entries)", err, len(back.Packs), len(l.Packs))
		}
	})
}

func FuzzReadArchive(f *testing.F) {
	if p, err := LoadDir("testdata/good"); err == nil {
		if b, err := p.Archive(); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ReadArchive("fuzz.tar.gz", data)
		if err != nil {
			return
		}
		for name := range p.Files {
			if _, err := cleanPath(name); err != nil {
				t.Fatalf("accepted unsafe path %q", name)
			}
		}
	})
}
