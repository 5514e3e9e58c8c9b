package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/tagd-dev/tagd/clients"
	"github.com/tagd-dev/tagd/runtime/importer"
	"github.com/tagd-dev/tagd/runtime/loader"
	"github.com/tagd-dev/tagd/tags"
	"github.com/tagd-dev/tagd/templates"
)

const importUsage = `usage: tagd import [-o DIR] [-force] EXPORT.json

Converts a Google Tag Manager server container export into a tagd container:
DIR/tagd.toml, one DIR/templates/*.tpl per custom template, and DIR/IMPORT-NOTES.md listing
everything that could not be carried over (also printed here). The result is then checked
as tagd check would.
`

// runImport implements `tagd import`. Exit status: 0 imported and the result loads; 1
// imported but the result does not load; 2 the export is malformed or the command line is
// wrong.
func runImport(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("import", flag.ContinueOnError)
	fl.SetOutput(stderr)
	out := fl.String("o", "", "output `directory` (default: the export's name without .json)")
	force := fl.Bool("force", false, "replace an existing tagd.toml in the output directory")
	quiet := fl.Bool("q", false, "do not print the notes (they are still written to IMPORT-NOTES.md)")
	fl.Usage = func() { fmt.Fprint(stderr, importUsage); fl.PrintDefaults() }
	rest, err := parseArgsInterspersed(fl, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if len(rest) != 1 {
		fl.Usage()
		return 2
	}
	src := rest[0]
	data, err := os.ReadFile(src)
	if err != nil {
		fmt.Fprintf(stderr, "tagd import: %v\n", err)
		return 2
	}
	dir := *out
	if dir == "" {
		dir = strings.TrimSuffix(filepath.Base(src), filepath.Ext(src))
	}
	res, err := importer.Convert(src, data, importer.Options{Catalog: builtinCatalog()})
	if err != nil {
		fmt.Fprintf(stderr, "tagd import: %v\n", err)
		return 2
	}
	if err := res.WriteDir(dir, filepath.Base(src), *force); err != nil {
		fmt.Fprintf(stderr, "tagd import: %v\n", err)
		return 2
	}
	if !*quiet {
		for _, n := range res.Notes {
			fmt.Fprintf(stderr, "note: %s\n", n)
		}
	}
	s := res.Summary
	fmt.Fprintf(stdout, "imported %s into %s: %d clients, %d triggers, %d variables, %d tags, %d transformations, %d templates",
		src, dir, s.Clients, s.Triggers, s.Variables, s.Tags, s.Transformations, s.Templates)
	if s.Skipped > 0 {
		fmt.Fprintf(stdout, "; %d objects left out", s.Skipped)
	}
	fmt.Fprintf(stdout, "; %d notes in %s\n", len(res.Notes), filepath.Join(dir, "IMPORT-NOTES.md"))

	cfg := filepath.Join(dir, "tagd.toml")
	lr, err := loader.LoadFile(cfg, loader.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		fmt.Fprintf(stderr, "tagd import: the imported container does not load yet:\n")
		for _, line := range strings.Split(err.Error(), "\n") {
			if line != "" {
				fmt.Fprintln(stderr, line)
			}
		}
		return 1
	}
	lr.Container.Close()
	fmt.Fprintf(stdout, "%s: ok (tagd check passes; run its templates' tests with: tagd test %s)\n", cfg, filepath.Join(dir, "templates"))
	return 0
}

// builtinCatalog lists this build's built-in clients and templates for the importer.
func builtinCatalog() importer.Catalog {
	c := importer.Catalog{Clients: clients.Types(), Templates: map[string]*templates.Template{}}
	for _, name := range tags.BuiltinNames() {
		if t, err := tags.Builtin(name); err == nil {
			c.Templates[name] = t
		}
	}
	return c
}

// parseArgsInterspersed lets flags follow positional arguments (tagd import x.json -o dir).
func parseArgsInterspersed(fl *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fl.Parse(args); err != nil {
			return nil, err
		}
		if fl.NArg() == 0 {
			return rest, nil
		}
		rest = append(rest, fl.Arg(0))
		args = fl.Args()[1:]
	}
}
