package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/runtime/loader"
	"github.com/tagd-dev/tagd/runtime/packs"
	"github.com/tagd-dev/tagd/runtime/server"
)

func pack(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := runPack(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

const shopTOML = `
[server]
container_id = "GTM-SHOP"

[[client]]
name = "GA4"
type = "ga4"

[[trigger]]
name = "Leads"
event = "generate_lead"

[[variable]]
name = "Email hash"
type = "template"
template = "acme-agency/email-hash"

[[tag]]
name = "Acme CRM"
template = "acme-agency/lead-webhook"
triggers = ["Leads"]
[tag.parameters]
endpoint = "https://crm.acme-agency.example/v1/leads"
api_key = "k-1"
client_label = "shop"
email_hash = "{{Email hash}}"
`

// sendLead posts a GA4 generate_lead hit and returns the lead the CRM received.
func sendLead(t *testing.T, ts *httptest.Server, crm *recorder) map[string]any {
	t.Helper()
	before := len(crm.all())
	q := url.Values{"v": {"2"}, "tid": {"G-SHOP"}, "cid": {"1.2"}, "en": {"generate_lead"}, "epn.value": {"25"}, "cu": {"EUR"},
		"dl": {"https://shop.example/contact"}}
	resp, err := http.Post(ts.URL+"/g/collect?"+q.Encode(), "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got := crm.all()
	if len(got) != before+1 {
		t.Fatalf("the CRM got %d new requests, want 1", len(got)-before)
	}
	var lead map[string]any
	if err := json.Unmarshal(got[len(got)-1].Body, &lead); err != nil {
		t.Fatalf("lead %s: %v", got[len(got)-1].Body, err)
	}
	return lead
}

var shaLine = regexp.MustCompile(`sha256 ([0-9a-f]{64})`)

// TestPackLifecycle: build → install → serve → change the pack → the lock refuses the
// mismatched version until it is updated → a tampered archive is refused.
func TestPackLifecycle(t *testing.T) {
	work := t.TempDir()
	src := filepath.Join(work, "pack")
	if err := os.CopyFS(src, os.DirFS("../../examples/agency/pack")); err != nil {
		t.Fatal(err)
	}
	dist := filepath.Join(work, "dist")
	code, out, errOut := pack(t, "build", "-o", dist, src)
	if code != 0 {
		t.Fatalf("build: %d\n%s%s", code, out, errOut)
	}
	v1 := filepath.Join(dist, "acme-agency-1.0.0.tar.gz")
	sum1 := shaLine.FindStringSubmatch(out)[1]

	shop := filepath.Join(work, "shop")
	os.MkdirAll(shop, 0o755)
	cfg := filepath.Join(shop, "tagd.toml")
	os.WriteFile(cfg, []byte(shopTOML), 0o644)
	if code, out, errOut := pack(t, "install", "-config", cfg, v1); code != 0 || !strings.Contains(out, "installed acme-agency 1.0.0") {
		t.Fatalf("install: %d\n%s%s", code, out, errOut)
	}
	lock, err := packs.ReadLock(filepath.Join(shop, "tagd.lock"))
	if err != nil || len(lock.Packs) != 1 || lock.Packs[0].SHA256 != sum1 {
		t.Fatalf("lock: %+v %v", lock, err)
	}

	crm := newRecorder(t)
	opts := loader.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), OutboundRedirect: crm.srv.URL}
	res, err := loader.LoadFile(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(shop, "packs", "acme-agency.tar.gz")
	for _, f := range []string{filepath.Join(shop, "tagd.lock"), archive} {
		if !slices.Contains(res.Files, f) {
			t.Errorf("%s is not watched for hot reload: %v", f, res.Files)
		}
	}
	engine := runtime.NewEngine(res.Container, opts.Logger)
	rl := &loader.Reloader{Path: cfg, Options: opts, Engine: engine, Logger: opts.Logger}
	ts := httptest.NewServer(server.Ingress(engine))
	defer ts.Close()
	lead := sendLead(t, ts, crm)
	if lead["client"] != "shop" || lead["event"] != "generate_lead" || lead["value"] != 25.0 || lead["pack"] != nil {
		t.Errorf("lead %v", lead)
	}

	// The agency releases 1.1.0, which adds a field.
	tpl := filepath.Join(src, "templates", "lead-webhook.tpl")
	b, _ := os.ReadFile(tpl)
	b = bytes.Replace(b, []byte("  email_sha256: data.email_hash\n"), []byte("  email_sha256: data.email_hash,\n  pack: '1.1.0'\n"), 1)
	b = bytes.Replace(b, []byte("email_sha256: 'abc'}"), []byte("email_sha256: 'abc', pack: '1.1.0'}"), 1)
	os.WriteFile(tpl, b, 0o644)
	mf := filepath.Join(src, packs.ManifestName)
	b, _ = os.ReadFile(mf)
	os.WriteFile(mf, bytes.Replace(b, []byte(`version = "1.0.0"`), []byte(`version = "1.1.0"`), 1), 0o644)
	if code, out, errOut := pack(t, "build", "-o", dist, src); code != 0 {
		t.Fatalf("build 1.1.0: %d\n%s%s", code, out, errOut)
	}
	v2 := filepath.Join(dist, "acme-agency-1.1.0.tar.gz")

	// Someone copies the new archive in without updating the lock: the reload is refused and
	// the running container keeps 1.0.0.
	data, _ := os.ReadFile(v2)
	os.WriteFile(archive, data, 0o644)
	err = rl.Reload()
	if err == nil || !strings.Contains(err.Error(), "it is version 1.1.0") || !strings.Contains(err.Error(), "tagd.lock pins version 1.0.0") {
		t.Fatalf("reload with an unlocked pack: %v", err)
	}
	if lead := sendLead(t, ts, crm); lead["pack"] != nil {
		t.Errorf("the refused pack is serving: %v", lead)
	}

	// Updating the lock (tagd pack install) accepts it.
	code, out, errOut = pack(t, "install", "-config", cfg, v2)
	if code != 0 || !strings.Contains(out, "updated acme-agency 1.0.0 -> 1.1.0") {
		t.Fatalf("install 1.1.0: %d\n%s%s", code, out, errOut)
	}
	if err := rl.Reload(); err != nil {
		t.Fatalf("reload after install: %v", err)
	}
	if lead := sendLead(t, ts, crm); lead["pack"] != "1.1.0" {
		t.Errorf("1.1.0 is not serving: %v", lead)
	}

	// A tampered archive is refused by install, and the lock keeps 1.1.0.
	bad := filepath.Join(work, "tampered.tar.gz")
	data, _ = os.ReadFile(v1)
	data[len(data)/3] ^= 0x5a
	os.WriteFile(bad, data, 0o644)
	sidecar, _ := os.ReadFile(v1 + ".sha256")
	os.WriteFile(bad+".sha256", sidecar, 0o644)
	code, _, errOut = pack(t, "install", "-config", cfg, bad)
	if code != 1 || !strings.Contains(errOut, "checksum mismatch") {
		t.Errorf("tampered install: %d %s", code, errOut)
	}
	if l, _ := packs.ReadLock(filepath.Join(shop, "tagd.lock")); l.Packs[0].Version != "1.1.0" {
		t.Errorf("lock changed by a refused install: %+v", l.Packs)
	}
	// And a tampered installed archive stops the container from loading.
	data, _ = os.ReadFile(archive)
	data[len(data)/2] ^= 0x01
	os.WriteFile(archive, data, 0o644)
	if err := rl.Reload(); err == nil || !strings.Contains(err.Error(), "refusing") {
		t.Errorf("reload with a tampered archive: %v", err)
	}
	if code, out, errOut := pack(t, "list", "-config", cfg); code != 1 || !strings.Contains(out, "refused") || !strings.Contains(errOut, "refusing") {
		t.Errorf("list: %d\n%s%s", code, out, errOut)
	}
}

func TestPackInitCheckBuildListRemove(t *testing.T) {
	work := t.TempDir()
	dir := filepath.Join(work, "My Pack")
	if code, out, errOut := pack(t, "init", dir); code != 0 || !strings.Contains(out, "created pack my-pack") {
		t.Fatalf("init: %d %s %s", code, out, errOut)
	}
	if code, _, errOut := pack(t, "init", dir); code != 2 || !strings.Contains(errOut, "already has") {
		t.Errorf("init twice: %d %s", code, errOut)
	}
	code, out, errOut := pack(t, "check", dir)
	if code != 0 || !strings.Contains(out, "tests: 1 passed, 0 failed") {
		t.Fatalf("check of a new pack: %d\n%s%s", code, out, errOut)
	}
	// A failing test fails the check and the build.
	tpl := filepath.Join(dir, "templates", "hello-tag.tpl")
	b, _ := os.ReadFile(tpl)
	os.WriteFile(tpl, bytes.Replace(b, []byte("'hi purchase'"), []byte("'bye purchase'"), 1), 0o644)
	if code, _, errOut := pack(t, "check", dir); code != 1 || !strings.Contains(errOut, "test failed: greets the event") {
		t.Errorf("failing check: %d %s", code, errOut)
	}
	if code, _, errOut := pack(t, "build", "-o", work, dir); code != 1 || !strings.Contains(errOut, "nothing was written") {
		t.Errorf("failing build: %d %s", code, errOut)
	}
	os.WriteFile(tpl, b, 0o644)
	code, out, errOut = pack(t, "build", "-o", filepath.Join(work, "dist"), dir)
	if code != 0 {
		t.Fatalf("build: %d %s %s", code, out, errOut)
	}
	archive := filepath.Join(work, "dist", "my-pack-0.1.0.tar.gz")
	if code, out, _ := pack(t, "check", archive); code != 0 || !strings.Contains(out, "ok") {
		t.Errorf("check of the archive: %d %s", code, out)
	}

	shop := filepath.Join(work, "shop")
	os.MkdirAll(shop, 0o755)
	cfg := filepath.Join(shop, "tagd.toml")
	os.WriteFile(cfg, []byte("[[tag]]\nname = \"Hello\"\ntemplate = \"my-pack/hello-tag\"\ntriggers = [\"All Events\"]\n"), 0o644)
	if code, _, errOut := pack(t, "install", "-config", cfg, dir); code != 0 {
		t.Fatalf("install from a directory: %s", errOut)
	}
	if code, out, _ := pack(t, "list", "-config", cfg); code != 0 || !strings.Contains(out, "my-pack") || !strings.Contains(out, "hello-tag") {
		t.Errorf("list: %d %s", code, out)
	}
	if _, err := loader.LoadFile(cfg, loader.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}); err != nil {
		t.Errorf("the config using the pack does not load: %v", err)
	}
	if code, _, errOut := pack(t, "remove", "-config", cfg, "my-pack"); code != 1 || !strings.Contains(errOut, `tag "Hello"`) {
		t.Errorf("remove of a used pack: %d %s", code, errOut)
	}
	if code, _, errOut := pack(t, "remove", "-config", cfg, "-force", "my-pack"); code != 0 {
		t.Errorf("remove -force: %s", errOut)
	}
	if _, err := loader.LoadFile(cfg, loader.Options{}); err == nil || !strings.Contains(err.Error(), `pack "my-pack" is not installed`) {
		t.Errorf("load without the pack: %v", err)
	}
	for _, args := range [][]string{{}, {"frobnicate"}, {"check"}, {"install", "x", "y"}} {
		if code, _, _ := pack(t, args...); code != 2 {
			t.Errorf("tagd pack %v: exit %d, want 2", args, code)
		}
	}
}

// TestAgencyExample keeps examples/agency consistent: the published archive is a fresh
// build of the pack source, both client containers pin it and load.
func TestAgencyExample(t *testing.T) {
	p, err := packs.LoadDir("../../examples/agency/pack")
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := p.Archive()
	if err != nil {
		t.Fatal(err)
	}
	name := "acme-agency-" + p.Manifest.Version + ".tar.gz"
	dist, err := os.ReadFile(filepath.Join("../../examples/agency/dist", name))
	if err != nil {
		t.Fatal(err)
	}
	regen := "regenerate with: tagd pack build -o examples/agency/dist examples/agency/pack, then tagd pack install ../dist/" + name + " in shop-a and shop-b"
	if !bytes.Equal(fresh, dist) {
		t.Fatalf("examples/agency/dist/%s is not a build of examples/agency/pack; %s", name, regen)
	}
	sum := packs.Digest(dist)
	side, _ := os.ReadFile(filepath.Join("../../examples/agency/dist", name+".sha256"))
	if string(side) != sum+"  "+name+"\n" {
		t.Errorf("checksum file %q; %s", side, regen)
	}
	for _, shop := range []string{"shop-a", "shop-b"} {
		dir := filepath.Join("../../examples/agency", shop)
		lock, err := packs.ReadLock(filepath.Join(dir, packs.LockName))
		if err != nil || len(lock.Packs) != 1 || lock.Packs[0].SHA256 != sum {
			t.Errorf("%s: lock %+v %v; %s", shop, lock, err, regen)
		}
		if _, err := loader.LoadFile(filepath.Join(dir, "tagd.toml"), loader.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}); err != nil {
			t.Errorf("%s does not load: %v", shop, err)
		}
	}
}
