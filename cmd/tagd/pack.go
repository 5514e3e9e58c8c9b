package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/tagd-dev/tagd/config"
	"github.com/tagd-dev/tagd/runtime/packs"
	"github.com/tagd-dev/tagd/sandbox/sandboxtest"
	"github.com/tagd-dev/tagd/templates"
)

const packUsage = `usage: tagd pack <command> [flags] [args]

Template packs are directories (or .tar.gz archives) with a tagd-pack.toml manifest and the
templates they provide; configs use them as pack-name/template-name.

  init    [-name NAME] DIR          create a new pack in DIR
  check   DIR|ARCHIVE               check the manifest rules and run every template's tests
  build   [-o OUTDIR] DIR           check, then write NAME-VERSION.tar.gz and its .sha256
  install [-config FILE] [-sha256 HEX] [-update] DIR|ARCHIVE|https://URL
                                    install into the config's packs directory and pin it in
                                    tagd.lock beside the config
  list    [-config FILE]            list the installed packs and verify their checksums
  remove  [-config FILE] [-force] NAME
                                    uninstall a pack
`

// runPack implements `tagd pack`. Exit status: 0 success; 1 the pack or installation failed
// a check; 2 the command line was wrong or a file could not be read.
func runPack(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, packUsage)
		return 2
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "init":
		return packInit(args, stdout, stderr)
	case "check":
		return packCheck(args, stdout, stderr)
	case "build":
		return packBuild(args, stdout, stderr)
	case "install":
		return packInstall(args, stdout, stderr)
	case "list":
		return packList(args, stdout, stderr)
	case "remove", "rm", "uninstall":
		return packRemove(args, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, packUsage)
		return 0
	}
	fmt.Fprintf(stderr, "tagd pack: unknown command %q\n\n%s", cmd, packUsage)
	return 2
}

func packFlags(name string, stderr io.Writer) *flag.FlagSet {
	fl := flag.NewFlagSet("pack "+name, flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() { fmt.Fprint(stderr, packUsage); fl.PrintDefaults() }
	return fl
}

// tagdVersion is the running version for min_tagd_version ("dev" builds satisfy any).
func tagdVersion() string { return strings.TrimPrefix(version, "v") }

// packTestRunner runs a template's ___TESTS___ for packs.Check.
func packTestRunner(ctx context.Context, t *templates.Template) packs.TestResult {
	r := sandboxtest.RunTemplate(ctx, t, sandboxtest.Options{})
	out := packs.TestResult{Passed: r.Passed(), Failed: r.Failed()}
	if !r.Loaded && r.LoadError != "" {
		out.Err = r.LoadError
	}
	for _, s := range r.Scenarios {
		if !s.Passed {
			out.Failures = append(out.Failures, s.Name+": "+s.Error)
		}
	}
	return out
}

// readPack loads a pack from a directory or an archive.
func readPack(src string) (*packs.Pack, error) {
	st, err := os.Stat(src)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return packs.LoadDir(src)
	}
	b, err := os.ReadFile(src)
	if err != nil {
		return nil, err
	}
	return packs.ReadArchive(src, b)
}

func printProblems(w io.Writer, err error) {
	var ps packs.Problems
	if errors.As(err, &ps) {
		for _, p := range ps {
			fmt.Fprintln(w, p)
		}
		return
	}
	fmt.Fprintln(w, err)
}

// checkPack runs packs.Check and prints its report; it returns whether the pack passed.
func checkPack(p *packs.Pack, stdout, stderr io.Writer) bool {
	r := packs.Check(context.Background(), p, packs.CheckOptions{TagdVersion: tagdVersion(), Test: packTestRunner})
	m := r.Manifest
	fmt.Fprintf(stdout, "pack %s %s (%s)\n", m.Name, m.Version, p.Source)
	for _, t := range r.Templates {
		line := fmt.Sprintf("  %s/%s  %s  %s", m.Name, t.Name, t.Kind, t.File)
		if t.Tests != nil {
			line += fmt.Sprintf("  tests: %d passed, %d failed", t.Tests.Passed, t.Tests.Failed)
		}
		fmt.Fprintln(stdout, line)
	}
	for _, pr := range r.Problems {
		fmt.Fprintln(stderr, pr)
	}
	if r.OK() {
		fmt.Fprintln(stdout, "ok")
	}
	return r.OK()
}

func packCheck(args []string, stdout, stderr io.Writer) int {
	fl := packFlags("check", stderr)
	rest, err := parseArgsInterspersed(fl, args)
	if err != nil || len(rest) != 1 {
		if err == nil {
			fl.Usage()
		}
		return 2
	}
	p, err := readPack(rest[0])
	if err != nil {
		printProblems(stderr, err)
		return 2
	}
	if !checkPack(p, stdout, stderr) {
		return 1
	}
	return 0
}

func packBuild(args []string, stdout, stderr io.Writer) int {
	fl := packFlags("build", stderr)
	out := fl.String("o", ".", "`directory` to write the archive and its .sha256 to")
	rest, err := parseArgsInterspersed(fl, args)
	if err != nil || len(rest) != 1 {
		if err == nil {
			fl.Usage()
		}
		return 2
	}
	p, err := packs.LoadDir(rest[0])
	if err != nil {
		printProblems(stderr, err)
		return 2
	}
	if !checkPack(p, stdout, stderr) {
		fmt.Fprintln(stderr, "tagd pack build: the pack does not pass its checks; nothing was written")
		return 1
	}
	r, err := packs.WriteArchive(p, *out)
	if err != nil {
		fmt.Fprintf(stderr, "tagd pack build: %v\n", err)
		return 2
	}
	fmt.Fprintf(stdout, "built %s\nsha256 %s\n", r.Archive, r.SHA256)
	return 0
}

// configPaths loads the config (schema only: packs may not be installed yet) for its lock
// file and packs directory.
func configPaths(path string) (*config.Config, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("no container config at %s (pass -config FILE): %w", path, err)
	}
	return config.Load(path)
}

func packInstall(args []string, stdout, stderr io.Writer) int {
	fl := packFlags("install", stderr)
	cfgPath := fl.String("config", "tagd.toml", "container `config`; the pack goes to its [packs] directory and tagd.lock beside it")
	sum := fl.String("sha256", "", "expected SHA-256 of the archive (default: read from ARCHIVE.sha256)")
	upd := fl.Bool("update", false, "accept a pack whose version is already locked with another checksum")
	rest, err := parseArgsInterspersed(fl, args)
	if err != nil || len(rest) != 1 {
		if err == nil {
			fl.Usage()
		}
		return 2
	}
	cfg, err := configPaths(*cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "tagd pack install: %v\n", err)
		return 2
	}
	res, err := packs.Install(context.Background(), rest[0], packs.InstallOptions{
		LockPath: cfg.LockPath(), Dir: cfg.PacksDir(), SHA256: *sum, Update: *upd, TagdVersion: tagdVersion(),
		Verify: func(p *packs.Pack) error {
			if !checkPack(p, stdout, stderr) {
				return errors.New("the pack does not pass its checks")
			}
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(stderr, "tagd pack install: %v\n", err)
		return 1
	}
	l := res.Locked
	switch {
	case res.Unchanged:
		fmt.Fprintf(stdout, "%s %s is already installed (sha256 %s)\n", l.Name, l.Version, l.SHA256)
	case res.Previous != nil:
		fmt.Fprintf(stdout, "updated %s %s -> %s (sha256 %s); %s updated\n", l.Name, res.Previous.Version, l.Version, l.SHA256, cfg.LockPath())
	default:
		fmt.Fprintf(stdout, "installed %s %s (sha256 %s) into %s; pinned in %s\n", l.Name, l.Version, l.SHA256,
			filepath.Join(cfg.PacksDir(), packs.ArchiveName(l.Name)), cfg.LockPath())
	}
	return 0
}

func packList(args []string, stdout, stderr io.Writer) int {
	fl := packFlags("list", stderr)
	cfgPath := fl.String("config", "tagd.toml", "container `config`")
	rest, err := parseArgsInterspersed(fl, args)
	if err != nil || len(rest) != 0 {
		if err == nil {
			fl.Usage()
		}
		return 2
	}
	cfg, err := configPaths(*cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "tagd pack list: %v\n", err)
		return 2
	}
	lock, err := packs.ReadLock(cfg.LockPath())
	if err != nil {
		printProblems(stderr, err)
		return 2
	}
	set, openErr := packs.Open(cfg.LockPath(), cfg.PacksDir(), cfg.Packs.Prefer)
	if len(lock.Packs) == 0 {
		fmt.Fprintf(stdout, "no packs installed (%s)\n", cfg.LockPath())
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	if len(lock.Packs) > 0 {
		fmt.Fprintln(tw, "NAME\tVERSION\tSHA256\tSTATUS\tTEMPLATES")
	}
	sort.Slice(lock.Packs, func(i, j int) bool { return lock.Packs[i].Name < lock.Packs[j].Name })
	for _, l := range lock.Packs {
		status, tpls := "refused (see below)", "-"
		if set != nil && set.Packs[l.Name] != nil {
			status, tpls = "ok", strings.Join(set.Packs[l.Name].Pack.Manifest.TemplateNames(), ", ")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", l.Name, l.Version, l.SHA256[:12], status, tpls)
	}
	tw.Flush()
	if openErr != nil {
		printProblems(stderr, openErr)
		return 1
	}
	return 0
}

func packRemove(args []string, stdout, stderr io.Writer) int {
	fl := packFlags("remove", stderr)
	cfgPath := fl.String("config", "tagd.toml", "container `config`")
	force := fl.Bool("force", false, "remove the pack even if the config still uses it")
	rest, err := parseArgsInterspersed(fl, args)
	if err != nil || len(rest) != 1 {
		if err == nil {
			fl.Usage()
		}
		return 2
	}
	name := rest[0]
	cfg, err := configPaths(*cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "tagd pack remove: %v\n", err)
		return 2
	}
	if !*force {
		var users []string
		add := func(kind, obj, ref string) {
			if p, _, ok := packs.ParseRef(ref); ok && p == name {
				users = append(users, fmt.Sprintf("%s %q (%s)", kind, obj, ref))
			}
		}
		for _, c := range cfg.Clients {
			add("client", c.Name, c.Template)
		}
		for _, v := range cfg.Variables {
			add("variable", v.Name, v.Template)
		}
		for _, t := range cfg.Tags {
			add("tag", t.Name, t.Template)
		}
		if len(users) > 0 {
			fmt.Fprintf(stderr, "tagd pack remove: %s still uses pack %q: %s (pass -force to remove it anyway)\n", *cfgPath, name, strings.Join(users, ", "))
			return 1
		}
	}
	if err := packs.Remove(name, cfg.LockPath(), cfg.PacksDir()); err != nil {
		fmt.Fprintf(stderr, "tagd pack %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "removed %s (%s updated)\n", name, cfg.LockPath())
	return 0
}

func packInit(args []string, stdout, stderr io.Writer) int {
	fl := packFlags("init", stderr)
	name := fl.String("name", "", "pack `name` (default: the directory's name)")
	rest, err := parseArgsInterspersed(fl, args)
	if err != nil || len(rest) != 1 {
		if err == nil {
			fl.Usage()
		}
		return 2
	}
	dir := rest[0]
	n := *name
	if n == "" {
		n = strings.Trim(regexp.MustCompile(`[^a-z0-9._-]+`).ReplaceAllString(strings.ToLower(filepath.Base(dir)), "-"), "-.")
	}
	if !packs.ValidName(n) {
		fmt.Fprintf(stderr, "tagd pack init: %q is not a valid pack name (lower-case letters, digits, '.', '_', '-'); pass -name\n", n)
		return 2
	}
	if _, err := os.Stat(filepath.Join(dir, packs.ManifestName)); err == nil {
		fmt.Fprintf(stderr, "tagd pack init: %s already has a %s\n", dir, packs.ManifestName)
		return 2
	}
	files := map[string]string{
		packs.ManifestName:        strings.ReplaceAll(initManifest, "PACKNAME", n),
		"templates/hello-tag.tpl": initTemplate,
		"example/tagd.toml":       strings.ReplaceAll(initExample, "PACKNAME", n),
		"README.md":               strings.ReplaceAll(initReadme, "PACKNAME", n),
		".gitignore":              "*.tar.gz\n*.tar.gz.sha256\n",
	}
	for rel, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			fmt.Fprintf(stderr, "tagd pack init: %v\n", err)
			return 2
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			fmt.Fprintf(stderr, "tagd pack init: %v\n", err)
			return 2
		}
	}
	fmt.Fprintf(stdout, "created pack %s in %s\nnext: edit %s, then tagd pack check %s\n", n, dir, filepath.Join(dir, packs.ManifestName), dir)
	return 0
}

const initManifest = `# tagd-pack.toml: the manifest of a tagd template pack.
name = "PACKNAME"
version = "0.1.0"
description = "Describe what the templates in this pack do."
authors = ["Your Name <you@example.com>"]
license = "Apache-2.0"
# The oldest tagd this pack runs on.
min_tagd_version = "0.1.0"
# An example container using the pack (checked by tagd pack check).
example = "example/tagd.toml"

[[template]]
name = "hello-tag"
file = "templates/hello-tag.tpl"
description = "Logs the event name."
`

const initExample = `# Example container for the PACKNAME pack. Install the pack beside your own config with
#   tagd pack install path/to/PACKNAME
# and reference its templates as PACKNAME/<template>.

[[client]]
name = "GA4"
type = "ga4"

[[tag]]
name = "Hello"
template = "PACKNAME/hello-tag"
triggers = ["All Events"]
[tag.parameters]
greeting = "hello"
`

const initReadme = "# PACKNAME\n\nA tagd template pack. `tagd pack check .` runs the templates' tests; `tagd pack build .`\nwrites a reproducible archive and its SHA-256 for `tagd pack install`.\n"

const initTemplate = `___INFO___

{
  "type": "TAG",
  "id": "cvt_temp_public_id",
  "version": 1,
  "securityGroups": [],
  "displayName": "Hello Tag",
  "description": "Logs a greeting with the event name.",
  "containerContexts": [
    "SERVER"
  ]
}


___TEMPLATE_PARAMETERS___

[
  {
    "type": "TEXT",
    "name": "greeting",
    "displayName": "Greeting",
    "simpleValueType": true,
    "defaultValue": "hello",
    "help": "Printed before the event name."
  }
]


___SANDBOXED_JS_FOR_SERVER___

const logToConsole = require('logToConsole');
const getEventData = require('getEventData');

logToConsole(data.greeting + ' ' + getEventData('event_name'));
data.gtmOnSuccess();


___SERVER_PERMISSIONS___

[
  {
    "instance": {
      "key": {
        "publicId": "logging",
        "versionId": "1"
      },
      "param": [
        {
          "key": "environments",
          "value": {
            "type": 1,
            "string": "all"
          }
        }
      ]
    },
    "isRequired": true
  },
  {
    "instance": {
      "key": {
        "publicId": "read_event_data",
        "versionId": "1"
      },
      "param": [
        {
          "key": "eventDataAccess",
          "value": {
            "type": 1,
            "string": "specific"
          }
        },
        {
          "key": "keyPatterns",
          "value": {
            "type": 2,
            "listItem": [
              {
                "type": 1,
                "string": "event_name"
              }
            ]
          }
        }
      ]
    },
    "isRequired": true
  }
]


___TESTS___

scenarios:
- name: greets the event
  code: |-
    mock('getEventData', key => key === 'event_name' ? 'purchase' : undefined);
    runCode({greeting: 'hi'});
    assertApi('logToConsole').wasCalledWith('hi purchase');
    assertApi('gtmOnSuccess').wasCalled();
`
