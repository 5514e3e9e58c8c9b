package packs

import (
	"context"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/tagd-dev/tagd/config"
	"github.com/tagd-dev/tagd/templates"
)

// TestResult is the outcome of one template's ___TESTS___, as the injected runner reports it.
type TestResult struct {
	Passed, Failed int
	// Failures describe failed scenarios, one line each ("scenario: reason").
	Failures []string
	// Err is set when the tests could not run at all (the template did not compile).
	Err string
}

// CheckOptions configure Check.
type CheckOptions struct {
	// TagdVersion is the running tagd, compared with min_tagd_version.
	TagdVersion string
	// Test runs a template's ___TESTS___; nil skips running tests (the other rules still
	// apply, including that every template has tests).
	Test func(ctx context.Context, t *templates.Template) TestResult
}

// TemplateReport is what Check found for one provided template.
type TemplateReport struct {
	Name  string
	File  string
	Kind  templates.Kind
	Tests *TestResult // nil when the tests did not run
}

// Report is the result of Check.
type Report struct {
	Manifest  *Manifest
	Templates []TemplateReport
	Problems  Problems
}

// OK reports whether the pack passed every rule and test.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// Check applies the pack rules: the manifest's fields (ParseManifest), every provided template
// present in the pack, parsing as a server template of a known kind and carrying
// ___TESTS___ with at least one scenario, which must all pass; no unlisted .tpl file; the
// example config, if named, present and valid; min_tagd_version satisfied.
func Check(ctx context.Context, p *Pack, o CheckOptions) *Report {
	m := p.Manifest
	r := &Report{Manifest: m}
	add := func(file string, line int, format string, args ...any) {
		r.Problems = append(r.Problems, Problem{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	mf := m.File()
	if err := m.CheckTagdVersion(o.TagdVersion); err != nil {
		add(mf, m.Line("min_tagd_version"), "%v", err)
	}
	listed := map[string]bool{}
	for _, prov := range m.Templates {
		file, err := cleanPath(prov.File)
		if err != nil {
			continue // ParseManifest reported it
		}
		listed[file] = true
		tr := TemplateReport{Name: prov.Name, File: file}
		src, ok := p.Files[file]
		if !ok {
			add(mf, prov.Line, "template %q: file %s is not in the pack", prov.Name, prov.File)
			r.Templates = append(r.Templates, tr)
			continue
		}
		display := displayPath(p, file)
		t, err := templates.Parse(display, src)
		if err != nil {
			add(display, 0, "%v", err)
			r.Templates = append(r.Templates, tr)
			continue
		}
		tr.Kind = t.Info.Type
		if !isServer(t) {
			add(display, 0, "template %q is not a server template (___SANDBOXED_JS_FOR_SERVER___ and containerContexts [\"SERVER\"])", prov.Name)
		}
		switch {
		case t.Tests == nil:
			add(display, 0, "template %q has no ___TESTS___: a pack template must ship tests", prov.Name)
		case len(t.Tests.Scenarios) == 0:
			add(display, t.TestsLine, "template %q: ___TESTS___ has no scenarios", prov.Name)
		case o.Test != nil:
			res := o.Test(ctx, t)
			tr.Tests = &res
			if res.Err != "" {
				add(display, 0, "template %q: tests could not run: %s", prov.Name, res.Err)
			}
			for _, f := range res.Failures {
				add(display, t.TestsLine, "template %q: test failed: %s", prov.Name, f)
			}
		}
		r.Templates = append(r.Templates, tr)
	}
	var unlisted []string
	for f := range p.Files {
		if strings.HasSuffix(f, ".tpl") && !listed[f] {
			unlisted = append(unlisted, f)
		}
	}
	sort.Strings(unlisted)
	for _, f := range unlisted {
		add(mf, 0, "%s is not listed in any [[template]]: list it, or remove it from the pack", f)
	}
	if m.Example != "" {
		ex, err := cleanPath(m.Example)
		if err == nil {
			src, ok := p.Files[ex]
			if !ok {
				add(mf, m.Line("example"), "example %s is not in the pack", m.Example)
			} else if _, err := config.Parse(displayPath(p, ex), path.Dir(ex), src); err != nil {
				add(mf, m.Line("example"), "example %s is not a valid config:\n%v", m.Example, err)
			} else {
				r.checkExampleRefs(p, ex, src)
			}
		}
	}
	return r
}

// checkExampleRefs reports references in the example config to this pack's templates that
// the pack does not provide.
func (r *Report) checkExampleRefs(p *Pack, file string, src []byte) {
	c, err := config.Parse(file, path.Dir(file), src)
	if err != nil {
		return
	}
	m := p.Manifest
	type use struct {
		line int
		ref  string
	}
	var refs []use
	for _, cl := range c.Clients {
		refs = append(refs, use{cl.Line, cl.Template})
	}
	for _, v := range c.Variables {
		refs = append(refs, use{v.Line, v.Template})
	}
	for _, t := range c.Tags {
		refs = append(refs, use{t.Line, t.Template})
	}
	for _, x := range refs {
		pack, name, ok := ParseRef(x.ref)
		if !ok || pack != m.Name {
			continue
		}
		if _, provided := m.Template(name); !provided {
			r.Problems = append(r.Problems, Problem{File: displayPath(p, file), Line: x.line,
				Msg: fmt.Sprintf("%q: pack %s provides no template %q (it provides: %s)", x.ref, m.Name, name, strings.Join(m.TemplateNames(), ", "))})
		}
	}
}

func isServer(t *templates.Template) bool {
	if slices.Contains(t.Sections, templates.SectionServerCode) {
		return true
	}
	return slices.Contains(t.Info.ContainerContexts, "SERVER")
}

func displayPath(p *Pack, file string) string {
	if strings.HasSuffix(p.Source, ".tar.gz") || strings.HasSuffix(p.Source, ".tgz") || strings.Contains(p.Source, "://") {
		return p.Source + ":" + file
	}
	return path.Join(strings.ReplaceAll(p.Source, `\`, "/"), file)
}
