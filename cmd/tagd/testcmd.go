package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	goruntime "runtime"
	"sort"
	"strings"
	"sync"

	_ "github.com/tagd-dev/tagd/sandbox/api" // the APIs templates under test require
	"github.com/tagd-dev/tagd/sandbox/sandboxtest"
)

// runTest implements `tagd test [--json] [--junit FILE] [--run REGEX] [-v] PATH...`: it
// runs the ___TESTS___ of every .tpl given or found (recursively) under the directories
// given. Exit status: 0 all passed, 1 a scenario failed, 2 a template could not be loaded
// or the command line was wrong.
func runTest(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("test", flag.ContinueOnError)
	fl.SetOutput(stderr)
	asJSON := fl.Bool("json", false, "print results as JSON")
	junit := fl.String("junit", "", "also write a JUnit XML report to `FILE`")
	runRE := fl.String("run", "", "run only scenarios whose name matches `REGEX`")
	verbose := fl.Bool("v", false, "print the logs of passing scenarios too")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: tagd test [--json] [--junit FILE] [--run REGEX] [-v] PATH...")
		fl.PrintDefaults()
	}
	paths, err := parseTestArgs(fl, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if len(paths) == 0 {
		fl.Usage()
		return 2
	}
	opts := sandboxtest.Options{Verbose: *verbose}
	if *runRE != "" {
		re, err := regexp.Compile(*runRE)
		if err != nil {
			fmt.Fprintf(stderr, "tagd test: --run: %v\n", err)
			return 2
		}
		opts.Run = re
	}
	files, err := findTemplateFiles(paths)
	if err != nil {
		fmt.Fprintf(stderr, "tagd test: %v\n", err)
		return 2
	}
	if len(files) == 0 {
		fmt.Fprintf(stderr, "tagd test: no .tpl files in %s\n", strings.Join(paths, " "))
		return 2
	}

	results := runTemplateFiles(context.Background(), files, opts, func(r sandboxtest.TemplateResult) {
		if !*asJSON {
			printTestResult(stdout, r, *verbose)
		}
	})
	sum := summarizeTests(results)
	if *asJSON {
		if err := writeTestJSON(stdout, results, sum); err != nil {
			fmt.Fprintf(stderr, "tagd test: %v\n", err)
			return 2
		}
	} else {
		line := fmt.Sprintf("%d passed, %d failed", sum.passed, sum.failed)
		if sum.skipped > 0 {
			line += fmt.Sprintf(", %d skipped", sum.skipped)
		}
		fmt.Fprintln(stdout, line)
	}
	if *junit != "" {
		if err := writeTestJUnitFile(*junit, results); err != nil {
			fmt.Fprintf(stderr, "tagd test: %v\n", err)
			return 2
		}
	}
	switch {
	case sum.loadErrors > 0:
		return 2
	case sum.failed > 0:
		return 1
	}
	return 0
}

// runTemplateFiles runs templates in parallel (each scenario has its own runtime) and
// hands results to done in file order as soon as they are ready.
func runTemplateFiles(ctx context.Context, files []string, opts sandboxtest.Options, done func(sandboxtest.TemplateResult)) []sandboxtest.TemplateResult {
	results := make([]sandboxtest.TemplateResult, len(files))
	ready := make([]chan struct{}, len(files))
	for i := range ready {
		ready[i] = make(chan struct{})
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(goruntime.GOMAXPROCS(0), len(files)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i] = sandboxtest.RunFile(ctx, files[i], opts)
				close(ready[i])
			}
		}()
	}
	go func() {
		for i := range files {
			next <- i
		}
		close(next)
	}()
	for i := range files {
		<-ready[i]
		done(results[i])
	}
	wg.Wait()
	return results
}

// parseTestArgs lets flags follow paths (tagd test dir -v), as users type them.
func parseTestArgs(fl *flag.FlagSet, args []string) ([]string, error) {
	var paths []string
	for {
		if err := fl.Parse(args); err != nil {
			return nil, err
		}
		rest := fl.Args()
		if len(rest) == 0 {
			return paths, nil
		}
		paths = append(paths, rest[0])
		args = rest[1:]
	}
}

// findTemplates expands directories into their .tpl files (recursively, sorted); files
// are taken as given whatever their name.
func findTemplateFiles(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && path != p && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			if !d.IsDir() && strings.HasSuffix(d.Name(), ".tpl") {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("list templates in %s: %w", p, err)
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, nil
}

type testSummary struct{ passed, failed, skipped, loadErrors int }

func summarizeTests(rs []sandboxtest.TemplateResult) testSummary {
	var s testSummary
	for _, r := range rs {
		s.passed += r.Passed()
		s.failed += r.Failed()
		s.skipped += r.Skipped
		if !r.Loaded {
			s.loadErrors++
		}
	}
	return s
}

func printTestResult(w io.Writer, r sandboxtest.TemplateResult, verbose bool) {
	if !r.Loaded {
		fmt.Fprintf(w, "ERROR %s: %s\n", r.Path, r.LoadError)
		return
	}
	for _, s := range r.Scenarios {
		status := "PASS"
		if !s.Passed {
			status = "FAIL"
		}
		fmt.Fprintf(w, "%s %s: %s\n", status, r.Path, s.Name)
		if !s.Passed {
			fmt.Fprintf(w, "    %s\n", testIndent(s.Error))
		}
		if !s.Passed || verbose {
			for _, l := range s.Logs {
				fmt.Fprintf(w, "    log: %s\n", testIndent(l))
			}
		}
	}
}

func testIndent(s string) string { return strings.ReplaceAll(s, "\n", "\n    ") }

// JSON output; the shape is a contract (scripts/compat-report reads it).
type jsonScenario struct {
	Name       string  `json:"name"`
	Passed     bool    `json:"passed"`
	Error      string  `json:"error"`
	DurationMS float64 `json:"duration_ms"`
}

type jsonTemplate struct {
	Path      string         `json:"path"`
	Name      string         `json:"name"`
	Type      string         `json:"type"`
	Loaded    bool           `json:"loaded"`
	LoadError string         `json:"load_error"`
	Scenarios []jsonScenario `json:"scenarios"`
}

type jsonReport struct {
	Templates []jsonTemplate `json:"templates"`
	Passed    int            `json:"passed"`
	Failed    int            `json:"failed"`
}

func writeTestJSON(w io.Writer, rs []sandboxtest.TemplateResult, sum testSummary) error {
	rep := jsonReport{Templates: []jsonTemplate{}, Passed: sum.passed, Failed: sum.failed}
	for _, r := range rs {
		t := jsonTemplate{Path: r.Path, Name: r.Name, Type: r.Type, Loaded: r.Loaded, LoadError: r.LoadError, Scenarios: []jsonScenario{}}
		for _, s := range r.Scenarios {
			t.Scenarios = append(t.Scenarios, jsonScenario{Name: s.Name, Passed: s.Passed, Error: s.Error, DurationMS: s.DurationMS})
		}
		rep.Templates = append(rep.Templates, t)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}

// JUnit XML: one testsuite per template, one testcase per scenario; a template that did
// not load is a suite with one errored case.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

func writeTestJUnitFile(path string, rs []sandboxtest.TemplateResult) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("junit report: %w", err)
	}
	if err := writeTestJUnit(f, rs); err != nil {
		f.Close()
		return fmt.Errorf("junit report %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("junit report %s: %w", path, err)
	}
	return nil
}

func writeTestJUnit(w io.Writer, rs []sandboxtest.TemplateResult) error {
	all := junitSuites{}
	for _, r := range rs {
		s := junitSuite{Name: r.Path, Skipped: r.Skipped}
		var total float64
		if !r.Loaded {
			s.Tests, s.Errors = 1, 1
			s.Cases = append(s.Cases, junitCase{Name: "load", Classname: r.Path, Time: "0.000",
				Error: &junitProblem{Message: testFirstLine(r.LoadError), Text: r.LoadError}})
		}
		for _, sc := range r.Scenarios {
			total += sc.DurationMS
			c := junitCase{Name: sc.Name, Classname: r.Path, Time: fmt.Sprintf("%.3f", sc.DurationMS/1000), SystemOut: strings.Join(sc.Logs, "\n")}
			if !sc.Passed {
				c.Failure = &junitProblem{Message: testFirstLine(sc.Error), Text: sc.Error}
				s.Failures++
			}
			s.Tests++
			s.Cases = append(s.Cases, c)
		}
		s.Time = fmt.Sprintf("%.3f", total/1000)
		all.Tests += s.Tests
		all.Failures += s.Failures
		all.Errors += s.Errors
		all.Suites = append(all.Suites, s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(all); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func testFirstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
