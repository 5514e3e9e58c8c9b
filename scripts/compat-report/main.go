package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tagd-dev/tagd/sandbox"
	_ "github.com/tagd-dev/tagd/sandbox/api"
	"github.com/tagd-dev/tagd/sandbox/sandboxtest"
)

// report is `tagd test --json` output.
type report struct {
	Templates []struct {
		Path      string `json:"path"`
		Name      string `json:"name"`
		Type      string `json:"type"`
		Loaded    bool   `json:"loaded"`
		LoadError string `json:"load_error"`
		Scenarios []struct {
			Name   string  `json:"name"`
			Passed bool    `json:"passed"`
			Error  string  `json:"error"`
			MS     float64 `json:"duration_ms"`
		} `json:"scenarios"`
	} `json:"templates"`
	Passed int `json:"passed"`
	Failed int `json:"failed"`
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("compat-report", flag.ContinueOnError)
	fl.SetOutput(stderr)
	tagd := fl.String("tagd", "go run ./cmd/tagd", "command that runs tagd (split on spaces)")
	inproc := fl.Bool("inproc", false, "run the tests in this process instead of through the CLI")
	examples := fl.Int("examples", 3, "examples shown per failure group")
	apiTable := fl.Bool("api-table", false, "print the sGTM API coverage table (markdown) and exit")
	writeDoc := fl.String("write-doc", "", "with -api-table: replace the table between the api-table markers of `FILE`")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if *apiTable {
		if *writeDoc == "" {
			writeAPITable(stdout)
			return 0
		}
		if err := updateDoc(*writeDoc); err != nil {
			fmt.Fprintf(stderr, "compat-report: %v\n", err)
			return 1
		}
		return 0
	}
	if fl.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: compat-report [-tagd CMD] [-inproc] [-examples N] DIR | -api-table")
		return 2
	}
	dir := fl.Arg(0)
	var rep *report
	var err error
	if *inproc {
		rep, err = runInProcess(dir)
	} else {
		rep, err = runCLI(*tagd, dir, stderr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "compat-report: %v\n", err)
		return 1
	}
	summarize(stdout, rep, *examples)
	return 0
}

func runCLI(tagd, dir string, stderr io.Writer) (*report, error) {
	argv := append(strings.Fields(tagd), "test", "--json", dir)
	cmd := exec.Command(argv[0], argv[1:]...)
	var out, errOut bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &errOut // `go run` adds "exit status 1" for failing scenarios: noise
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok && (ee.ExitCode() == 1 || ee.ExitCode() == 2) {
		err = nil // failures and load errors are what we measure
	}
	if err != nil {
		stderr.Write(errOut.Bytes())
		return nil, fmt.Errorf("run %s: %w", strings.Join(argv, " "), err)
	}
	var rep report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		stderr.Write(errOut.Bytes())
		return nil, fmt.Errorf("decode tagd test --json output: %w", err)
	}
	return &rep, nil
}

// runInProcess produces the same report without the CLI.
func runInProcess(dir string) (*report, error) {
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".tpl") {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list templates: %w", err)
	}
	sort.Strings(paths)
	var results []sandboxtest.TemplateResult
	for _, p := range paths {
		results = append(results, sandboxtest.RunFile(context.Background(), p, sandboxtest.Options{}))
	}
	// Reuse the JSON shape so both paths share summarize.
	type sc struct {
		Name   string  `json:"name"`
		Passed bool    `json:"passed"`
		Error  string  `json:"error"`
		MS     float64 `json:"duration_ms"`
	}
	type tr struct {
		Path      string `json:"path"`
		Name      string `json:"name"`
		Type      string `json:"type"`
		Loaded    bool   `json:"loaded"`
		LoadError string `json:"load_error"`
		Scenarios []sc   `json:"scenarios"`
	}
	var all struct {
		Templates []tr `json:"templates"`
	}
	for _, r := range results {
		t := tr{Path: r.Path, Name: r.Name, Type: r.Type, Loaded: r.Loaded, LoadError: r.LoadError}
		for _, s := range r.Scenarios {
			t.Scenarios = append(t.Scenarios, sc{s.Name, s.Passed, s.Error, s.DurationMS})
		}
		all.Templates = append(all.Templates, t)
	}
	b, err := json.Marshal(all)
	if err != nil {
		return nil, err
	}
	var rep report
	if err := json.Unmarshal(b, &rep); err != nil {
		return nil, err
	}
	return &rep, nil
}

type example struct{ where, msg string }

type group struct {
	key      string
	count    int
	examples []example
}

func summarize(w io.Writer, rep *report, nExamples int) {
	loaded, scenarios, passed := 0, 0, 0
	withTests, allPass := 0, 0
	groups := map[string]map[string]*group{}
	totals := map[string]int{}
	add := func(cause, key, where, msg string) {
		if groups[cause] == nil {
			groups[cause] = map[string]*group{}
		}
		g := groups[cause][key]
		if g == nil {
			g = &group{key: key}
			groups[cause][key] = g
		}
		g.count++
		totals[cause]++
		if len(g.examples) < nExamples {
			if len(msg) > 400 {
				msg = msg[:400] + "…"
			}
			g.examples = append(g.examples, example{where, msg})
		}
	}
	for _, t := range rep.Templates {
		if t.Loaded {
			loaded++
		} else {
			add(causeLoad, strip(t.LoadError), t.Path, t.LoadError)
		}
		if len(t.Scenarios) > 0 {
			withTests++
		}
		ok := len(t.Scenarios) > 0
		for _, s := range t.Scenarios {
			scenarios++
			if s.Passed {
				passed++
				continue
			}
			ok = false
			cause, key := classify(s.Error)
			add(cause, key, t.Path+": "+s.Name, s.Error)
		}
		if ok {
			allPass++
		}
	}
	fmt.Fprintf(w, "templates loaded: %d/%d\n", loaded, len(rep.Templates))
	fmt.Fprintf(w, "scenarios passed: %d/%d (%.1f%%)\n", passed, scenarios, pct(passed, scenarios))
	fmt.Fprintf(w, "templates with tests whose scenarios all pass: %d/%d\n", allPass, withTests)
	fmt.Fprintf(w, "\nfailures by cause (scenarios; template load errors counted per template):\n")
	for _, c := range causeOrder {
		if totals[c] > 0 {
			fmt.Fprintf(w, "  %-30s %d\n", c, totals[c])
		}
	}
	for _, c := range causeOrder {
		gs := groups[c]
		if len(gs) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n== %s (%d)\n", c, totals[c])
		list := make([]*group, 0, len(gs))
		for _, g := range gs {
			list = append(list, g)
		}
		sort.Slice(list, func(i, j int) bool {
			if list[i].count != list[j].count {
				return list[i].count > list[j].count
			}
			return list[i].key < list[j].key
		})
		for _, g := range list {
			fmt.Fprintf(w, "  %4d  %s\n", g.count, g.key)
			for _, e := range g.examples {
				fmt.Fprintf(w, "          e.g. %s\n               %s\n", e.where, oneLine(e.msg))
			}
		}
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

// writeAPITable prints every sGTM server API with tagd's status: implemented or partial
// as registered in the sandbox, else missing; plus tagd extras not in sGTM's list.
func writeAPITable(w io.Writer) {
	fmt.Fprintln(w, "| API | status | permission |")
	fmt.Fprintln(w, "| --- | --- | --- |")
	known := map[string]bool{}
	for _, name := range sandboxtest.ServerAPIs() {
		known[name] = true
		status, perm := "missing", ""
		if a, ok := sandbox.LookupAPI(name); ok {
			status, perm = a.Status, a.Permission
		}
		fmt.Fprintf(w, "| `%s` | %s | %s |\n", name, status, code(perm))
	}
	for _, a := range sandbox.APIs() {
		if !known[a.Name] {
			fmt.Fprintf(w, "| `%s` (not an sGTM API) | %s | %s |\n", a.Name, a.Status, code(a.Permission))
		}
	}
}

func code(s string) string {
	if s == "" {
		return "—"
	}
	return "`" + s + "`"
}

// Markers around the generated table in docs/COMPATIBILITY.md.
const (
	tableBegin = "<!-- api-table:begin (generated: go run ./scripts/compat-report -api-table -write-doc docs/COMPATIBILITY.md) -->"
	tableEnd   = "<!-- api-table:end -->"
)

// docWithTable returns doc with the text between the markers replaced by the current
// table.
func docWithTable(doc string) (string, error) {
	i := strings.Index(doc, tableBegin)
	j := strings.Index(doc, tableEnd)
	if i < 0 || j < i {
		return "", fmt.Errorf("api-table markers not found (want %q ... %q)", tableBegin, tableEnd)
	}
	var b strings.Builder
	writeAPITable(&b)
	return doc[:i+len(tableBegin)] + "\n" + b.String() + doc[j:], nil
}

func updateDoc(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, err := docWithTable(string(b))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
