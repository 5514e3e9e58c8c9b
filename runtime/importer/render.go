package importer

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// render writes the config.
func (c *converter) render(ex *export) []byte {
	w := &tomlWriter{}
	id := c.cv.Container.PublicID
	w.comment(fmt.Sprintf("tagd.toml imported from %s by `tagd import`.", c.src))
	var about []string
	if id != "" {
		about = append(about, "container "+id)
	}
	if v := string(c.cv.VersionID); v != "" {
		if c.cv.Name != "" {
			v += " (" + c.cv.Name + ")"
		}
		about = append(about, "version "+v)
	}
	if ex.ExportTime != "" {
		about = append(about, "exported "+ex.ExportTime)
	}
	if len(about) > 0 {
		w.comment("Source: " + strings.Join(about, ", ") + ".")
	}
	w.comment("What could not be carried over is listed in IMPORT-NOTES.md.")
	w.blank()
	w.line("[server]")
	if id != "" {
		w.kv("container_id", id)
	}
	for _, cl := range c.out.clients {
		w.blank()
		writeClient(w, cl)
	}
	for _, t := range c.out.triggers {
		w.blank()
		writeTrigger(w, t)
	}
	for _, v := range c.out.variables {
		w.blank()
		writeVariable(w, v)
	}
	for _, t := range c.out.tags {
		w.blank()
		writeTag(w, t)
	}
	for _, x := range c.out.transf {
		w.blank()
		writeTransform(w, x)
	}
	for _, d := range c.out.drafts {
		w.blank()
		title, block, _ := strings.Cut(d, "\n")
		w.comment("Draft (not loaded): " + title)
		w.comment(block)
	}
	if len(c.out.skipped) > 0 {
		w.blank()
		w.comment("Not imported (details in IMPORT-NOTES.md):")
		for _, s := range c.out.skipped {
			w.comment("- " + s)
		}
	}
	return []byte(w.String())
}

func writeClient(w *tomlWriter, cl *outClient) {
	for _, l := range cl.Comment {
		w.comment(l)
	}
	w.line("[[client]]")
	w.kv("name", cl.Name)
	if cl.Type != "" {
		w.kv("type", cl.Type)
	} else {
		w.kv("template", cl.Template)
	}
	if cl.Priority != 0 {
		w.kv("priority", cl.Priority)
	}
	writeTable(w, "client.settings", cl.Settings)
}

func writeTrigger(w *tomlWriter, t *outTrigger) {
	for _, l := range t.Comment {
		w.comment(l)
	}
	w.line("[[trigger]]")
	w.kv("name", t.Name)
	switch len(t.Events) {
	case 0:
	case 1:
		w.kv("event", t.Events[0])
	default:
		w.kv("event", t.Events)
	}
	writeConditions(w, "trigger.condition", t.Conditions)
}

func writeVariable(w *tomlWriter, v *outVariable) {
	for _, l := range v.Comment {
		w.comment(l)
	}
	w.line("[[variable]]")
	w.kv("name", v.Name)
	w.kv("type", v.Type)
	if v.Key != "" {
		w.kv("key", v.Key)
	}
	if v.Value != nil {
		w.kv("value", v.Value)
	}
	if v.Template != "" {
		w.kv("template", v.Template)
	}
	if v.Input != "" {
		w.kv("input", v.Input)
	}
	if v.IgnoreCase {
		w.kv("ignore_case", true)
	}
	if v.FullMatch {
		w.kv("full_match", true)
	}
	if v.Default != nil {
		w.kv("default", v.Default)
	}
	writeTable(w, "variable.parameters", v.Params)
	for _, r := range v.Rows {
		w.line("[[variable.row]]")
		w.kv("key", r.Key)
		w.kv("value", r.Value)
	}
}

func writeTag(w *tomlWriter, t *outTag) {
	for _, l := range t.Comment {
		w.comment(l)
	}
	w.line("[[tag]]")
	w.kv("name", t.Name)
	w.kv("template", t.Template)
	if len(t.Triggers) > 0 {
		w.kv("triggers", t.Triggers)
	}
	if len(t.Blocking) > 0 {
		w.kv("blocking_triggers", t.Blocking)
	}
	if t.Priority != 0 {
		w.kv("priority", t.Priority)
	}
	if t.Paused {
		w.kv("paused", true)
	}
	if t.SetupTag != "" {
		w.kv("setup_tag", t.SetupTag)
		if t.StopOnSetupFailure {
			w.kv("stop_on_setup_failure", true)
		}
	}
	if t.TeardownTag != "" {
		w.kv("teardown_tag", t.TeardownTag)
		if t.StopTeardownOnFailure {
			w.kv("stop_teardown_on_failure", true)
		}
	}
	if t.FiringOption != "" {
		w.kv("firing_option", t.FiringOption)
	}
	writeTable(w, "tag.parameters", t.Params)
}

func writeTransform(w *tomlWriter, x *outTransform) {
	for _, l := range x.Comment {
		w.comment(l)
	}
	w.line("[[transformation]]")
	w.kv("name", x.Name)
	w.kv("type", x.Type)
	if x.Priority != 0 {
		w.kv("priority", x.Priority)
	}
	if len(x.Keys) > 0 {
		w.kv("keys", x.Keys)
	}
	if len(x.Tags) > 0 {
		w.kv("tags", x.Tags)
	}
	if len(x.TagTemplates) > 0 {
		w.kv("tag_templates", x.TagTemplates)
	}
	for _, p := range x.Params {
		w.line("[[transformation.param]]")
		w.kv("key", p.Key)
		w.kv("value", p.Value)
	}
	writeConditions(w, "transformation.condition", x.Conditions)
}

func writeConditions(w *tomlWriter, header string, cs []outCondition) {
	for _, cd := range cs {
		if cd.Comment != "" {
			w.comment(cd.Comment)
		}
		w.line("[[%s]]", header)
		w.kv("variable", cd.Variable)
		w.kv("operator", cd.Operator)
		w.kv("value", cd.Value)
		if cd.Negate {
			w.kv("negate", true)
		}
		if cd.IgnoreCase {
			w.kv("ignore_case", true)
		}
	}
}

// writeTable writes a [header] sub-table, one key per line; nothing for an empty table.
func writeTable(w *tomlWriter, header string, m map[string]any) {
	if len(m) == 0 {
		return
	}
	w.line("[%s]", header)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		w.kv(k, m[k])
	}
}

// NotesMarkdown renders the notes as IMPORT-NOTES.md.
func (r *Result) NotesMarkdown(source string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# Import notes\n\n")
	fmt.Fprintf(&b, "`tagd import` converted %s. It wrote %d clients, %d triggers, %d variables, %d tags, %d transformations and %d templates",
		source, r.Summary.Clients, r.Summary.Triggers, r.Summary.Variables, r.Summary.Tags, r.Summary.Transformations, r.Summary.Templates)
	if r.Summary.Skipped > 0 {
		fmt.Fprintf(&b, ", and left out %d objects", r.Summary.Skipped)
	}
	b.WriteString(".\n\n")
	if len(r.Notes) == 0 {
		b.WriteString("Everything was carried over as it was.\n")
		return []byte(b.String())
	}
	b.WriteString("Everything below was changed, approximated or left out. Review each line before going live.\n\n")
	b.WriteString("| Object | Field | What happened |\n|---|---|---|\n")
	for _, n := range r.Notes {
		field := n.Field
		if field == "" {
			field = "—"
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", mdCell(n.Object), mdCell(field), mdCell(n.Why))
	}
	return []byte(b.String())
}

func mdCell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

// WriteDir writes the import into dir: tagd.toml, the templates and IMPORT-NOTES.md.
// It refuses to replace an existing tagd.toml unless force is set.
func (r *Result) WriteDir(dir, source string, force bool) error {
	cfg := filepath.Join(dir, "tagd.toml")
	if _, err := os.Stat(cfg); err == nil && !force {
		return fmt.Errorf("%s already exists (pass -force to replace it)", cfg)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	for _, f := range r.Templates {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("create %s: %w", filepath.Dir(p), err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return fmt.Errorf("write template: %w", err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "IMPORT-NOTES.md"), r.NotesMarkdown(source), 0o644); err != nil {
		return fmt.Errorf("write notes: %w", err)
	}
	if err := os.WriteFile(cfg, r.Config, 0o644); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	return nil
}
