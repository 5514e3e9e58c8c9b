package packs

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tagd-dev/tagd/templates"
)

func TestParseManifest(t *testing.T) {
	m, err := ParseManifest("good.toml", []byte(`
name = "acme"
version = "2.0.0-rc.1"
description = "x"
authors = "Acme"
license = "MIT"

[[template]]
name = "hook"
file = "templates/hook.tpl"
`))
	if err != nil {
		t.Fatal(err)
	}
	want := &Manifest{Name: "acme", Version: "2.0.0-rc.1", Description: "x", Authors: []string{"Acme"}, License: "MIT",
		Templates: []Provided{{Name: "hook", File: "templates/hook.tpl", Line: 8}}}
	if diff := cmp.Diff(want, m, cmp.AllowUnexported(Manifest{}), cmp.FilterPath(func(p cmp.Path) bool {
		s := p.String()
		return s == "file" || s == "lines"
	}, cmp.Ignore())); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}

	tests := []struct {
		name, src string
		want      []string
	}{
		{"syntax", "name = \n", []string{"m.toml:1: invalid TOML: expected value but found '\\n' instead"}},
		{"empty", "", []string{
			"m.toml: name is required",
			`m.toml: version is required (semver, e.g. "1.0.0")`,
			"m.toml: description is required",
			`m.toml: authors is required (a list of names, e.g. ["Acme Agency <dev@acme.example>"])`,
			`m.toml: license is required (an SPDX identifier such as "Apache-2.0")`,
			"m.toml: the pack provides no template: add [[template]] entries with name and file",
		}},
		{"fields", `name = "Acme Pack"
version = "1.0"
description = "d"
authors = ["a", 3]
license = "MIT"
min_tagd_version = "soon"
example = "../x.toml"
homepage = "https://acme.example"

[[template]]
name = "Hook"
file = "/abs/hook.tpl"
colour = "red"

[[template]]
name = "dup"
file = "a.tpl"
[[template]]
name = "dup"
file = "b.txt"
`, []string{
			`m.toml:1: name "Acme Pack" must be lower-case letters, digits, '.', '_' or '-' (at most 64, starting with a letter or digit)`,
			`m.toml:2: version: "1.0" is not a semantic version (MAJOR.MINOR.PATCH, e.g. "1.4.0" or "2.0.0-rc.1")`,
			"m.toml:4: authors[1] must be a string",
			`m.toml:6: min_tagd_version: "soon" is not a semantic version (MAJOR.MINOR.PATCH, e.g. "1.4.0" or "2.0.0-rc.1")`,
			`m.toml:7: example: path "../x.toml" leaves the pack`,
			`m.toml:8: unknown key "homepage" (known: name, version, description, authors, license, min_tagd_version, example, template)`,
			`m.toml:11: template 1: name "Hook" must be lower-case letters, digits, '.', '_' or '-'`,
			`m.toml:12: template 1: file: path "/abs/hook.tpl" must be relative to the pack`,
			`m.toml:13: template 1: unknown key "colour" (known: name, file, description)`,
			`m.toml:18: template 3: name "dup" is already provided by the template at line 15`,
			`m.toml:20: template 3: file "b.txt" is not a .tpl file`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseManifest("m.toml", []byte(tt.src))
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("err = %v", err)
			}
			var got []string
			for _, p := range ps {
				got = append(got, p.String())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestVersions(t *testing.T) {
	order := []string{"0.9.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "v1.0.1", "1.10.0", "2.0.0+build.5"}
	for i := range order {
		for j := range order {
			a, err1 := ParseVersion(order[i])
			b, err2 := ParseVersion(order[j])
			if err1 != nil || err2 != nil {
				t.Fatal(err1, err2)
			}
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := a.Compare(b); got != want {
				t.Errorf("Compare(%s, %s) = %d, want %d", order[i], order[j], got, want)
			}
		}
	}
	for _, bad := range []string{"", "1", "1.0", "01.0.0", "1.0.0-", "1.0.0+", "1.0.0-01", "x.y.z"} {
		if _, err := ParseVersion(bad); err == nil {
			t.Errorf("ParseVersion(%q) accepted", bad)
		}
	}
	m := &Manifest{Name: "p", Version: "1.0.0", MinTagdVersion: "1.4.0"}
	for running, ok := range map[string]bool{"1.4.0": true, "1.5.2": true, "1.3.9": false, "dev": true, "dev-abc123": true} {
		if err := m.CheckTagdVersion(running); (err == nil) != ok {
			t.Errorf("tagd %s: err = %v", running, err)
		}
	}
}

func TestArchiveIsReproducible(t *testing.T) {
	p1, err := LoadDir("testdata/good")
	if err != nil {
		t.Fatal(err)
	}
	a1, err := p1.Archive()
	if err != nil {
		t.Fatal(err)
	}
	// A copy of the directory, written later with other modes, gives the same bytes.
	dir := copyDir(t, "testdata/good")
	os.Chmod(filepath.Join(dir, "templates", "noop.tpl"), 0o600)
	p2, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	a2, _ := p2.Archive()
	if !bytes.Equal(a1, a2) {
		t.Error("the same pack gave different archives")
	}
	back, err := ReadArchive("good.tar.gz", a1)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p1.Files, back.Files); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	// Any change changes the checksum.
	os.WriteFile(filepath.Join(dir, "example.toml"), []byte("# changed\n"), 0o644)
	p3, _ := LoadDir(dir)
	a3, _ := p3.Archive()
	if Digest(a3) == Digest(a1) {
		t.Error("a changed pack kept its checksum")
	}
}

func tarGz(t *testing.T, entries ...*tar.Header) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, h := range entries {
		body := []byte(strings.Repeat("x", int(h.Size)))
		if h.Name == ManifestName {
			body = []byte(`name = "p"` + "\n" + strings.Repeat(" ", int(h.Size)-11))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			tw.Write(body)
		}
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func TestReadArchiveRefusesUnsafeEntries(t *testing.T) {
	reg := func(name string, size int64) *tar.Header {
		return &tar.Header{Name: name, Typeflag: tar.TypeReg, Size: size, Mode: 0o644}
	}
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"not gzip", []byte("plain text"), "not a .tar.gz archive"},
		{"traversal", tarGz(t, reg("../evil.tpl", 3)), `path "../evil.tpl" leaves the pack`},
		{"absolute", tarGz(t, reg("/etc/passwd", 3)), "must be relative"},
		{"symlink", tarGz(t, &tar.Header{Name: "link", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"}), "is not a regular file"},
		{"duplicate", tarGz(t, reg("a.tpl", 1), reg("./a.tpl", 1)), `"a.tpl" appears twice`},
		{"too big", tarGz(t, reg("big.tpl", MaxFileBytes+1)), "more than the"},
		{"no manifest", tarGz(t, reg("a.tpl", 1)), "no tagd-pack.toml at the pack's root"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadArchive("x.tar.gz", tt.data)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestLock(t *testing.T) {
	sum := strings.Repeat("ab", 32)
	l := &Lock{Path: filepath.Join(t.TempDir(), LockName)}
	l.Set(Locked{Name: "zeta", Version: "1.0.0", SHA256: sum, Source: `C:\packs\"z"`})
	l.Set(Locked{Name: "alpha", Version: "0.1.0", SHA256: sum})
	l.Set(Locked{Name: "zeta", Version: "1.1.0", SHA256: sum, Source: `C:\packs\"z"`})
	if err := l.Write(); err != nil {
		t.Fatal(err)
	}
	back, err := ReadLock(l.Path)
	if err != nil {
		t.Fatal(err)
	}
	want := []Locked{{Name: "alpha", Version: "0.1.0", SHA256: sum, Line: 6}, {Name: "zeta", Version: "1.1.0", SHA256: sum, Source: `C:\packs\"z"`, Line: 11}}
	if diff := cmp.Diff(want, back.Packs); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if !back.Remove("alpha") || back.Remove("alpha") {
		t.Error("Remove")
	}
	empty, err := ReadLock(filepath.Join(t.TempDir(), "missing.lock"))
	if err != nil || len(empty.Packs) != 0 {
		t.Errorf("missing lock: %v %v", empty, err)
	}
	_, err = ParseLock("tagd.lock", []byte("lock_version = 2\n\n[[pack]]\nname = \"Bad Name\"\nversion = \"x\"\nsha256 = \"abc\"\nextra = \"y\"\n\n[[pack]]\nname = \"ok\"\nversion = \"1.0.0\"\nsha256 = \""+sum+"\"\n[[pack]]\nname = \"ok\"\nversion = \"1.0.0\"\nsha256 = \""+sum+"\"\n"))
	wantErr := strings.Join([]string{
		"tagd.lock:1: lock_version 2 is not supported by this tagd (want 1)",
		`tagd.lock:7: pack 1: unknown key "extra"`,
		`tagd.lock:3: pack 1: name "Bad Name" is not a valid pack name`,
		`tagd.lock:5: pack "Bad Name": version: "x" is not a semantic version (MAJOR.MINOR.PATCH, e.g. "1.4.0" or "2.0.0-rc.1")`,
		`tagd.lock:6: pack "Bad Name": sha256 must be 64 lower-case hex digits`,
		`tagd.lock:13: pack "ok" is locked twice (first at line 9)`,
	}, "\n")
	if err == nil || err.Error() != wantErr {
		t.Errorf("err =\n%v\nwant\n%s", err, wantErr)
	}
}

// fakeTests stands in for the sandbox test runner: it passes every scenario, except those
// whose name contains "fails".
func fakeTests(_ context.Context, tpl *templates.Template) TestResult {
	var r TestResult
	for _, s := range tpl.Tests.Scenarios {
		if strings.Contains(s.Name, "fails") {
			r.Failed++
			r.Failures = append(r.Failures, s.Name+": boom")
		} else {
			r.Passed++
		}
	}
	return r
}

func TestCheck(t *testing.T) {
	p, err := LoadDir("testdata/good")
	if err != nil {
		t.Fatal(err)
	}
	if r := Check(context.Background(), p, CheckOptions{Test: fakeTests}); !r.OK() {
		t.Fatalf("good pack: %v", r.Problems)
	}
	dir := copyDir(t, "testdata/good")
	write := func(rel, s string) {
		t.Helper()
		os.MkdirAll(filepath.Dir(filepath.Join(dir, rel)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, rel), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	noop, _ := os.ReadFile("testdata/good/templates/noop.tpl")
	write("templates/extra.tpl", string(noop))
	write("templates/notests.tpl", strings.Split(string(noop), "___TESTS___")[0])
	write("templates/failing.tpl", strings.Replace(string(noop), "name: succeeds", "name: fails on purpose", 1))
	write("example.toml", "[[tag]]\nname = \"Other\"\ntemplate = \"good/missing\"\ntriggers = [\"All Events\"]\n")
	write(ManifestName, `name = "good"
version = "1.2.3"
description = "d"
authors = ["a"]
license = "MIT"
min_tagd_version = "9.0.0"
example = "example.toml"

[[template]]
name = "noop"
file = "templates/noop.tpl"
[[template]]
name = "notests"
file = "templates/notests.tpl"
[[template]]
name = "failing"
file = "templates/failing.tpl"
[[template]]
name = "gone"
file = "templates/gone.tpl"
`)
	p, err = LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := Check(context.Background(), p, CheckOptions{Test: fakeTests, TagdVersion: "1.0.0"})
	var got []string
	for _, pr := range r.Problems {
		got = append(got, strings.TrimPrefix(pr.String(), dir+"/"))
	}
	want := []string{
		"tagd-pack.toml:6: pack good 1.2.3 needs tagd 9.0.0 or newer; this is tagd 1.0.0",
		`templates/notests.tpl: template "notests" has no ___TESTS___: a pack template must ship tests`,
		`templates/failing.tpl:26: template "failing": test failed: fails on purpose: boom`,
		`tagd-pack.toml:18: template "gone": file templates/gone.tpl is not in the pack`,
		"tagd-pack.toml: templates/extra.tpl is not listed in any [[template]]: list it, or remove it from the pack",
		`example.toml:1: "good/missing": pack good provides no template "missing" (it provides: noop, notests, failing, gone)`,
	}
	for i := range got {
		got[i] = strings.TrimPrefix(got[i], filepath.Join(dir, ManifestName)+":")
		got[i] = strings.Replace(got[i], filepath.Join(dir, ManifestName), "tagd-pack.toml", 1)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}

// build writes testdata/good (optionally changed) as an archive and returns its path.
func buildGood(t *testing.T, change func(dir string)) *BuildResult {
	t.Helper()
	dir := copyDir(t, "testdata/good")
	if change != nil {
		change(dir)
	}
	p, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	r, err := WriteArchive(p, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestInstallOpenResolve(t *testing.T) {
	root := t.TempDir()
	o := InstallOptions{LockPath: filepath.Join(root, LockName), Dir: filepath.Join(root, "packs")}
	ctx := context.Background()
	v1 := buildGood(t, nil)

	res, err := Install(ctx, v1.Archive, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Locked.SHA256 != v1.SHA256 || res.Previous != nil {
		t.Errorf("install: %+v", res)
	}
	if res, err := Install(ctx, v1.Archive, o); err != nil || !res.Unchanged {
		t.Errorf("reinstall: %+v %v", res, err)
	}
	set, err := Open(o.LockPath, o.Dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	tpl, handled, err := set.Resolve("good/noop", nil)
	if !handled || err != nil || tpl.Version != "1.2.3" || !strings.Contains(string(tpl.Source), "gtmOnSuccess") {
		t.Errorf("Resolve good/noop: %+v %v %v", tpl, handled, err)
	}
	if _, handled, err := set.Resolve("good/nope", nil); !handled || err == nil || !strings.Contains(err.Error(), "provides no template") {
		t.Errorf("unknown template: %v", err)
	}
	if _, handled, err := set.Resolve("other/noop", nil); !handled || err == nil || !strings.Contains(err.Error(), "not installed") {
		t.Errorf("unknown pack: %v", err)
	}
	if tpl, handled, _ := set.Resolve("noop", nil); !handled || tpl.Pack != "good" {
		t.Error("a bare name provided by one pack resolves to it")
	}
	if _, handled, _ := set.Resolve("noop", func(string) bool { return true }); handled {
		t.Error("a built-in of the same name wins without prefer")
	}
	for _, ref := range []string{"templates/x.tpl", "logger", "a/b/c"} {
		if _, handled, _ := set.Resolve(ref, nil); handled {
			t.Errorf("%q was taken as a pack reference", ref)
		}
	}

	// A changed pack with the same version is refused unless -update.
	changed := buildGood(t, func(dir string) {
		os.WriteFile(filepath.Join(dir, "example.toml"), []byte("# v1 changed\n"), 0o644)
	})
	if _, err := Install(ctx, changed.Archive, o); err == nil || !strings.Contains(err.Error(), "changed without a new version") {
		t.Errorf("same version, new content: %v", err)
	}
	// Copying the new archive over the installed one is caught when the container loads.
	data, _ := os.ReadFile(changed.Archive)
	os.WriteFile(filepath.Join(o.Dir, "good.tar.gz"), data, 0o644)
	if _, err := Open(o.LockPath, o.Dir, nil); err == nil || !strings.Contains(err.Error(), "refusing") || !strings.Contains(err.Error(), v1.SHA256) {
		t.Errorf("tampered install not refused: %v", err)
	}
	o.Update = true
	if _, err := Install(ctx, changed.Archive, o); err != nil {
		t.Fatalf("-update: %v", err)
	}
	o.Update = false
	if _, err := Open(o.LockPath, o.Dir, nil); err != nil {
		t.Errorf("after -update: %v", err)
	}

	// A new version replaces the entry.
	v2 := buildGood(t, func(dir string) {
		b, _ := os.ReadFile(filepath.Join(dir, ManifestName))
		os.WriteFile(filepath.Join(dir, ManifestName), bytes.Replace(b, []byte("1.2.3"), []byte("1.3.0"), 1), 0o644)
	})
	if res, err := Install(ctx, v2.Archive, o); err != nil || res.Previous == nil || res.Previous.Version != "1.2.3" {
		t.Errorf("upgrade: %+v %v", res, err)
	}

	// A tampered archive (checksum file from the build, bytes changed since) is refused.
	data, _ = os.ReadFile(v1.Archive)
	data[len(data)/2] ^= 0xff
	os.WriteFile(v1.Archive, data, 0o644)
	if _, err := Install(ctx, v1.Archive, o); err == nil || !strings.Contains(err.Error(), "checksum mismatch") {
		t.Errorf("tampered archive: %v", err)
	}
	// So is one without any checksum to check against.
	os.Remove(v2.Checksum)
	if _, err := Install(ctx, v2.Archive, o); err == nil || !strings.Contains(err.Error(), "no checksum") {
		t.Errorf("no checksum: %v", err)
	}
	o.SHA256 = v2.SHA256
	if _, err := Install(ctx, v2.Archive, o); err != nil {
		t.Errorf("-sha256: %v", err)
	}
	o.SHA256 = strings.Repeat("0", 64)
	if _, err := Install(ctx, v2.Archive, o); err == nil || !strings.Contains(err.Error(), "checksum mismatch") {
		t.Errorf("wrong -sha256: %v", err)
	}
	o.SHA256 = ""

	if err := Remove("good", o.LockPath, o.Dir); err != nil {
		t.Fatal(err)
	}
	if err := Remove("good", o.LockPath, o.Dir); err == nil {
		t.Error("removing twice")
	}
	if _, err := os.Stat(filepath.Join(o.Dir, "good.tar.gz")); !os.IsNotExist(err) {
		t.Error("archive left behind")
	}
}

func TestInstallFromHTTPS(t *testing.T) {
	v1 := buildGood(t, nil)
	archive, _ := os.ReadFile(v1.Archive)
	sidecar, _ := os.ReadFile(v1.Checksum)
	tampered := append([]byte(nil), archive...)
	tampered[40] ^= 1
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/good.tar.gz":
			w.Write(archive)
		case "/good.tar.gz.sha256":
			w.Write(sidecar)
		case "/bad.tar.gz":
			w.Write(tampered)
		case "/bad.tar.gz.sha256":
			w.Write(sidecar)
		case "/nosum.tar.gz":
			w.Write(archive)
		case "/redirect.tar.gz":
			http.Redirect(w, r, "http://127.0.0.1:1/good.tar.gz", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	root := t.TempDir()
	o := InstallOptions{LockPath: filepath.Join(root, LockName), Dir: filepath.Join(root, "packs"), HTTP: srv.Client()}
	ctx := context.Background()
	if _, err := Install(ctx, srv.URL+"/good.tar.gz", o); err != nil {
		t.Fatalf("https install: %v", err)
	}
	lock, _ := ReadLock(o.LockPath)
	if l, _ := lock.Find("good"); l.SHA256 != v1.SHA256 || l.Source != srv.URL+"/good.tar.gz" {
		t.Errorf("lock entry %+v", l)
	}
	for path, want := range map[string]string{
		"/bad.tar.gz":      "checksum mismatch",
		"/nosum.tar.gz":    "no checksum to verify it against",
		"/redirect.tar.gz": "only https:// is accepted",
		"/missing.tar.gz":  "HTTP 404",
	} {
		if _, err := Install(ctx, srv.URL+path, o); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", path, err, want)
		}
	}
	if _, err := Install(ctx, "http://127.0.0.1:1/good.tar.gz", o); err == nil || !strings.Contains(err.Error(), "only https://") {
		t.Errorf("http:// accepted: %v", err)
	}
	o.SHA256 = v1.SHA256
	if _, err := Install(ctx, srv.URL+"/nosum.tar.gz", o); err != nil {
		t.Errorf("https with -sha256: %v", err)
	}
}

func TestOpenConflictsAndPrefer(t *testing.T) {
	root := t.TempDir()
	o := InstallOptions{LockPath: filepath.Join(root, LockName), Dir: filepath.Join(root, "packs")}
	for _, name := range []string{"alpha", "beta"} {
		r := buildGood(t, func(dir string) {
			b, _ := os.ReadFile(filepath.Join(dir, ManifestName))
			os.WriteFile(filepath.Join(dir, ManifestName), bytes.Replace(b, []byte(`name = "good"`), []byte(`name = "`+name+`"`), 1), 0o644)
		})
		if _, err := Install(context.Background(), r.Archive, o); err != nil {
			t.Fatal(err)
		}
	}
	_, err := Open(o.LockPath, o.Dir, nil)
	if err == nil || !strings.Contains(err.Error(), `packs alpha, beta all provide template "noop": say which wins in the config with [packs] prefer = { "noop" = "alpha" }`) {
		t.Errorf("conflict: %v", err)
	}
	set, err := Open(o.LockPath, o.Dir, map[string]string{"noop": "beta"})
	if err != nil {
		t.Fatal(err)
	}
	if tpl, handled, err := set.Resolve("noop", func(string) bool { return true }); !handled || err != nil || tpl.Pack != "beta" {
		t.Errorf("prefer: %+v %v %v", tpl, handled, err)
	}
	if tpl, _, _ := set.Resolve("alpha/noop", nil); tpl.Pack != "alpha" {
		t.Error("a qualified reference ignores prefer")
	}
	_, err = Open(o.LockPath, o.Dir, map[string]string{"noop": "gamma", "other": "alpha"})
	if err == nil || !strings.Contains(err.Error(), `prefer.noop names pack "gamma", which is not installed`) ||
		!strings.Contains(err.Error(), `prefer.other names pack "alpha", which provides no template "other"`) {
		t.Errorf("bad prefer: %v", err)
	}
	os.Remove(filepath.Join(o.Dir, "beta.tar.gz"))
	if _, err := Open(o.LockPath, o.Dir, map[string]string{"noop": "alpha"}); err == nil || !strings.Contains(err.Error(), "is missing") {
		t.Errorf("missing archive: %v", err)
	}
}
