package importer

import (
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tagd-dev/tagd/config"
	"github.com/tagd-dev/tagd/templates"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the current output")

// testCatalog stands in for the built-ins: stub ga4 and google-ads templates and a ga4
// client, so golden files do not change when the real built-ins do.
func testCatalog(t *testing.T) Catalog {
	t.Helper()
	c := Catalog{Clients: []string{"ga4"}, Templates: map[string]*templates.Template{}}
	for _, name := range []string{"ga4", "google-ads"} {
		p := filepath.Join("testdata", "catalog", name+".tpl")
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		tpl, err := templates.Parse(p, src)
		if err != nil {
			t.Fatal(err)
		}
		c.Templates[name] = tpl
	}
	return c
}

// TestGolden imports every testdata/*.json and compares the written directory (tagd.toml,
// IMPORT-NOTES.md, templates/) with testdata/golden/<name>/.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Convert(filepath.Base(file), src, Options{Catalog: testCatalog(t)})
			if err != nil {
				t.Fatal(err)
			}
			out := t.TempDir()
			if err := res.WriteDir(out, filepath.Base(file), false); err != nil {
				t.Fatal(err)
			}
			compareDir(t, out, filepath.Join("testdata", "golden", name))
		})
	}
}

func compareDir(t *testing.T, got, want string) {
	t.Helper()
	if *update {
		if err := os.RemoveAll(want); err != nil {
			t.Fatal(err)
		}
		if err := os.CopyFS(want, os.DirFS(got)); err != nil {
			t.Fatal(err)
		}
		return
	}
	g, w := listFiles(t, got), listFiles(t, want)
	if diff := cmp.Diff(w, g); diff != "" {
		t.Fatalf("files differ (-want +got):\n%s", diff)
	}
	for _, f := range g {
		gb, _ := os.ReadFile(filepath.Join(got, f))
		wb, _ := os.ReadFile(filepath.Join(want, f))
		if diff := cmp.Diff(string(wb), string(gb)); diff != "" {
			t.Errorf("%s differs (-want +got; run go test -run TestGolden -update):\n%s", f, diff)
		}
	}
}

func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// TestMalformed checks that broken exports give one clear error with a position.
func TestMalformed(t *testing.T) {
	cases := map[string]string{
		"syntax.json":         "syntax.json:3:14: invalid JSON: invalid character '}' looking for beginning of value",
		"type.json":           "type.json:4:12: containerVersion.tag must be a list, not a JSON object",
		"version.json":        "version.json:2: exportFormatVersion 3 is not supported (tagd reads version 2)",
		"no-container.json":   "no-container.json: not a GTM container export: no containerVersion",
		"not-object.json":     "not-object.json:1:1: value must be an object, not a JSON array",
		"paused-string.json":  "paused-string.json:4:40: containerVersion.tag.paused must be true or false, not a JSON string",
		"empty.json":          "empty.json:1:1: invalid JSON: unexpected end of JSON input",
		"no-version.json":     "no-version.json: not a GTM container export: no exportFormatVersion",
		"bad-id.json":         "bad-id.json: containerVersion.tag.tagId must be a string, not a JSON bool",
		"bad-priority.json":   `bad-priority.json: containerVersion.client.priority must be a number, not the parameter value "high"`,
		"template-list.json":  "template-list.json:1:67: containerVersion.customTemplate must be a list, not a JSON string",
		"transform-obj.json":  "transform-obj.json:1:67: containerVersion.transformation must be a list, not a JSON number",
		"builtin-string.json": "builtin-string.json:1:68: containerVersion.builtInVariable must be a list, not a JSON string",
	}
	inline := map[string]string{
		"empty.json":          "",
		"no-version.json":     `{"containerVersion": {}}`,
		"bad-id.json":         `{"exportFormatVersion": 2, "containerVersion": {"tag": [{"tagId": true}]}}`,
		"bad-priority.json":   `{"exportFormatVersion": 2, "containerVersion": {"client": [{"priority": {"type": "INTEGER", "value": "high"}}]}}`,
		"template-list.json":  `{"exportFormatVersion": 2, "containerVersion": {"customTemplate": "x"}}`,
		"transform-obj.json":  `{"exportFormatVersion": 2, "containerVersion": {"transformation": 7}}`,
		"builtin-string.json": `{"exportFormatVersion": 2, "containerVersion": {"builtInVariable": "x"}}`,
	}
	for name, want := range cases {
		t.Run(name, func(t *testing.T) {
			src, ok := []byte(inline[name]), true
			if _, isInline := inline[name]; !isInline {
				var err error
				src, err = os.ReadFile(filepath.Join("testdata", "malformed", name))
				ok = err == nil
			}
			if !ok {
				t.Fatalf("missing testdata/malformed/%s", name)
			}
			_, err := Convert(name, src, Options{})
			if err == nil {
				t.Fatal("no error")
			}
			if err.Error() != want {
				t.Errorf("error\n got: %s\nwant: %s", err, want)
			}
		})
	}
}

// TestGeneratedConfigLoads re-reads the full import's config and checks the mapped
// structure, beyond the text comparison of the golden test.
func TestGeneratedConfigLoads(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "full.json"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Convert("full.json", src, Options{Catalog: testCatalog(t)})
	if err != nil {
		t.Fatal(err)
	}
	c, err := config.Parse("tagd.toml", ".", res.Config)
	if err != nil {
		t.Fatal(err)
	}
	tag := func(name string) *config.Tag {
		for i := range c.Tags {
			if c.Tags[i].Name == name {
				return &c.Tags[i]
			}
		}
		t.Fatalf("no tag %q", name)
		return nil
	}
	p := tag("Ping purchase")
	if p.Template != "templates/ping-tag.tpl" || p.Priority != 10 || p.SetupTag != "Ping setup" || !p.StopOnSetupFailure ||
		p.TeardownTag != "Ping teardown" || p.StopTeardownOnFailure {
		t.Errorf("Ping purchase: %+v", p)
	}
	if got := p.Parameters["extra"]; !cmp.Equal(got, []any{
		map[string]any{"name": "host", "value": "{{Upper host}}"},
		map[string]any{"name": "missing", "value": "{{Missing var}}"},
	}) {
		t.Errorf("extra = %#v", got)
	}
	if s := tag("Ping setup"); s.FiringOption != config.FireUnlimited || len(s.Triggers) != 0 || s.Paused {
		t.Errorf("Ping setup: %+v", s)
	}
	if b := tag("Ping blocked"); !b.Paused {
		t.Error("a tag whose blocking trigger could not be imported must be paused")
	}
	if g := tag("GA4 forward"); g.Template != "ga4" || g.Parameters["measurement_id"] != "G-TEST123" || g.Parameters["redact_ip"] != true ||
		!cmp.Equal(g.Triggers, []string{config.BuiltinAllEvents}) {
		t.Errorf("GA4 forward: %+v", g)
	}
	var lit *config.Variable
	for i := range c.Variables {
		if c.Variables[i].Name == "Constant - literal" {
			lit = &c.Variables[i]
		}
	}
	if lit == nil || lit.Value != "${NOT_AN_ENV}" {
		t.Errorf("a ${...} in the export must stay literal after loading, got %+v", lit)
	}
	if len(c.Transformations) != 3 {
		t.Fatalf("transformations: %+v", c.Transformations)
	}
	if x := c.Transformations[1]; x.Type != config.TransformExclude || x.Priority != 5 ||
		!cmp.Equal(x.TagTemplates, []string{"templates/ping-tag.tpl"}) || len(x.Conditions) != 1 {
		t.Errorf("No email: %+v", x)
	}
	for _, tr := range c.Triggers {
		if tr.Name == "Purchase" && !cmp.Equal(tr.Events, []string{"purchase"}) {
			t.Errorf("Purchase events = %v", tr.Events)
		}
		if tr.Name == "Purchase with strings" && (!cmp.Equal(tr.Events, []string{"purchase"}) || len(tr.Conditions) != 5) {
			t.Errorf("trigger group: %+v", tr)
		}
	}
	if len(res.Templates) != 4 {
		t.Errorf("templates written: %d", len(res.Templates))
	}
}

// TestNotesNameEverything checks that every object the export has but the config lacks is
// named in the notes.
func TestNotesNameEverything(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "full.json"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Convert("full.json", src, Options{Catalog: testCatalog(t)})
	if err != nil {
		t.Fatal(err)
	}
	notes := string(res.NotesMarkdown("full.json"))
	for _, want := range []string{
		`tag "Unknown kind"`, `tag "Macro as tag"`, `tag "Conversion linker"`, `tag "Ads conversion"`,
		`client "Universal Analytics"`, `client "Broken client"`, `trigger "Clicks"`,
		`trigger "Purchase and click"`, `transformation "Rename things"`, `variable "Firestore lookup"`,
		`built-in variable "Visitor Region"`, "consentSettings", "liveOnly", "firingRuleId",
		"scheduleStartMs", "caseConversionType", "decodeCookie", `custom template "Broken One"`,
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("IMPORT-NOTES.md does not mention %s", want)
		}
	}
}
