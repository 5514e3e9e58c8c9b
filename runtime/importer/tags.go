package importer

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/tagd-dev/tagd/config"
	"github.com/tagd-dev/tagd/templates"
)

type outTag struct {
	Name                  string
	Template              string
	Triggers              []string
	Blocking              []string
	Priority              int
	Paused                bool
	Params                map[string]any
	SetupTag              string
	StopOnSetupFailure    bool
	TeardownTag           string
	StopTeardownOnFailure bool
	FiringOption          string
	Comment               []string
}

type outClient struct {
	Name     string
	Type     string
	Template string
	Priority int
	Settings map[string]any
	Comment  []string
}

var tagKeys = set("tagId", "name", "type", "parameter", "firingTriggerId", "blockingTriggerId", "tagFiringOption",
	"priority", "paused", "liveOnly", "scheduleStartMs", "scheduleEndMs", "setupTag", "teardownTag",
	"monitoringMetadata", "monitoringMetadataTagNameKey", "consentSettings")

func (c *converter) convertTags() {
	seen := map[string]bool{}
	for _, t := range c.cv.Tag {
		obj := fmt.Sprintf("tag %q", t.Name)
		c.rawKeys(obj, keysOf(t.raw), tagKeys)
		out := &outTag{Name: t.Name, Paused: t.Paused}
		if out.Name == "" {
			out.Name = "Tag " + string(t.TagID)
			c.note(obj, "name", "the tag has no name; imported as %q", out.Name)
		}
		if seen[out.Name] {
			base := out.Name
			for n := 2; seen[out.Name]; n++ {
				out.Name = fmt.Sprintf("%s %d", base, n)
			}
			c.note(obj, "name", "another tag has the same name; imported as %q", out.Name)
		}
		seen[out.Name] = true
		tpl, params, problems, why := c.tagTemplate(obj, t)
		if why != "" {
			c.out.skipped = append(c.out.skipped, fmt.Sprintf("tag %q (type %s): %s", t.Name, t.Type, why))
			delete(c.tagNames, t.Name)
			continue
		}
		out.Template, out.Params = tpl, params
		if t.Priority != nil {
			n, err := strconv.Atoi(strings.TrimSpace(t.Priority.str()))
			if err != nil {
				c.note(obj, "priority", "%q is not an integer; priority 0 is used", t.Priority.str())
			}
			out.Priority = n
		}
		for _, id := range t.FiringTriggerID {
			name, why := c.triggerRef(obj, "firingTriggerId", string(id))
			if why != "" {
				c.note(obj, "firingTriggerId", "firing trigger %s is left out: %s", id, why)
				continue
			}
			out.Triggers = append(out.Triggers, name)
		}
		for _, id := range t.BlockingTriggerID {
			name, why := c.triggerRef(obj, "blockingTriggerId", string(id))
			if why != "" {
				// Dropping a blocking trigger would let the tag fire where sGTM blocks it.
				out.Paused = true
				c.note(obj, "blockingTriggerId", "blocking trigger %s could not be imported (%s); the tag is paused so that it does not fire where sGTM would block it", id, why)
				continue
			}
			out.Blocking = append(out.Blocking, name)
		}
		switch strings.ToUpper(t.TagFiringOption) {
		case "", "ONCE_PER_EVENT", "ONCEPEREVENT":
		case "UNLIMITED":
			out.FiringOption = config.FireUnlimited
		case "ONCE_PER_LOAD", "ONCEPERLOAD":
			c.note(obj, "tagFiringOption", "ONCE_PER_LOAD has no meaning on a server; the tag fires once per event")
		default:
			c.note(obj, "tagFiringOption", "firing option %s is unknown; the tag fires once per event", t.TagFiringOption)
		}
		if len(t.SetupTag) > 0 {
			out.SetupTag, out.StopOnSetupFailure = t.SetupTag[0].TagName, t.SetupTag[0].StopOnSetupFailure
			if len(t.SetupTag) > 1 {
				c.note(obj, "setupTag", "only one setup tag is supported; %q is used, the others are left out", out.SetupTag)
			}
		}
		if len(t.TeardownTag) > 0 {
			out.TeardownTag, out.StopTeardownOnFailure = t.TeardownTag[0].TagName, t.TeardownTag[0].StopTeardownOnFailure
			if len(t.TeardownTag) > 1 {
				c.note(obj, "teardownTag", "only one teardown tag is supported; %q is used, the others are left out", out.TeardownTag)
			}
		}
		if t.LiveOnly {
			c.note(obj, "liveOnly", "tagd has no live-only tags; the tag also fires for preview requests")
		}
		if t.ScheduleStartMs != "" || t.ScheduleEndMs != "" {
			c.note(obj, "scheduleStartMs/scheduleEndMs", "tagd has no tag schedules; the tag fires at any time (pause it or remove it when the schedule ends)")
		}
		if cs := t.ConsentSettings; cs != nil && strings.EqualFold(cs.ConsentStatus, "NEEDED") {
			var kinds []string
			if cs.ConsentType != nil {
				for _, x := range cs.ConsentType.List {
					kinds = append(kinds, x.str())
				}
			}
			c.note(obj, "consentSettings", "the tag requires consent (%s) in sGTM; tagd does not gate tags on consent settings: add a trigger condition on the event's consent fields", strings.Join(kinds, ", "))
		}
		if m := t.MonitoringMetadata; m != nil && len(m.Map) > 0 {
			c.note(obj, "monitoringMetadata", "tag metadata for event callbacks is not supported; left out")
		}
		if len(problems) > 0 {
			// A tag that would stop the config from loading is written commented out, to be
			// completed by hand.
			c.note(obj, "parameters", "%s; the tag is written commented out at the end of tagd.toml: fill in the fields and uncomment it", strings.Join(problems, "; "))
			delete(c.tagNames, t.Name)
			out.Params = draftParams(out.Params, problems)
			c.draftTags = append(c.draftTags, out)
			continue
		}
		c.out.tags = append(c.out.tags, out)
	}
	c.checkSequences()
	for _, t := range c.draftTags {
		w := &tomlWriter{}
		writeTag(w, t)
		c.out.drafts = append(c.out.drafts, fmt.Sprintf("tag %q: fill in the missing fields, then uncomment:\n%s", t.Name, strings.TrimRight(w.String(), "\n")))
	}
}

// tagTemplate resolves a tag's type: a custom template from the export or a Google tag with
// a tagd built-in. why says why the tag cannot be imported.
func (c *converter) tagTemplate(obj string, t gtmTag) (tpl string, params map[string]any, problems []string, why string) {
	if strings.HasPrefix(t.Type, "cvt_") {
		ct := c.templates[t.Type]
		switch {
		case ct == nil:
			why = fmt.Sprintf("custom template %s is not in the export's customTemplate list", t.Type)
		case ct.parseErr != nil:
			why = fmt.Sprintf("its template %q does not parse", ct.name)
		case ct.tpl.Info.Type != templates.KindTag:
			why = fmt.Sprintf("its template %q is a %s template, not a TAG template", ct.name, ct.tpl.Info.Type)
		}
		if why != "" {
			c.note(obj, "type", "%s; not imported", why)
			return "", nil, nil, why
		}
		params, problems := c.fitParams(obj, ct.tpl, c.params(obj, t.Parameter))
		return ct.file, params, problems, ""
	}
	g, known := googleTags[t.Type]
	if !known {
		why = fmt.Sprintf("tag type %s is neither a custom template of the export nor a Google tag tagd implements", t.Type)
		c.note(obj, "type", "%s; not imported", why)
		return "", nil, nil, why
	}
	if g.template == "" {
		why = fmt.Sprintf("%s tags have no tagd equivalent: %s", g.label, g.why)
		c.note(obj, "type", "%s; not imported", why)
		return "", nil, nil, why
	}
	bt := c.o.Catalog.Templates[g.template]
	if bt == nil {
		why = fmt.Sprintf("%s maps to tagd's %q template, which this tagd build does not have", g.label, g.template)
		c.note(obj, "type", "%s; not imported", why)
		return "", nil, nil, why
	}
	declared := fieldNames(bt)
	params = map[string]any{}
	src := c.params(obj, t.Parameter)
	for _, k := range sortedMapKeys(src) {
		target := g.params[k]
		if target == "" || !declared[target] {
			target = k
			if !declared[target] {
				target = snake(k)
			}
		}
		if !declared[target] {
			c.note(obj, "parameter "+k, "%s parameter has no counterpart in tagd's %q template; left out (check the template's fields in docs/destinations.md)", g.label, g.template)
			continue
		}
		params[target] = src[k]
	}
	c.note(obj, "type", "%s tag mapped to tagd's built-in %q template; check its parameters", g.label, g.template)
	params, problems = c.fitParams(obj, bt, params)
	return g.template, params, problems, ""
}

// checkSequences resolves setup and teardown names and makes sure every tag can load:
// a tag without firing triggers is paused unless another tag sequences it.
func (c *converter) checkSequences() {
	names := map[string]bool{}
	for _, t := range c.out.tags {
		names[t.Name] = true
	}
	sequenced := map[string]bool{}
	for _, t := range c.out.tags {
		obj := fmt.Sprintf("tag %q", t.Name)
		if t.SetupTag != "" && !names[t.SetupTag] {
			c.note(obj, "setupTag", "setup tag %q was not imported; the tag fires without it", t.SetupTag)
			t.SetupTag, t.StopOnSetupFailure = "", false
		}
		if t.TeardownTag != "" && !names[t.TeardownTag] {
			c.note(obj, "teardownTag", "teardown tag %q was not imported; the tag fires without it", t.TeardownTag)
			t.TeardownTag, t.StopTeardownOnFailure = "", false
		}
		if t.SetupTag == t.Name {
			t.SetupTag, t.StopOnSetupFailure = "", false
		}
		if t.TeardownTag == t.Name {
			t.TeardownTag, t.StopTeardownOnFailure = "", false
		}
		sequenced[t.SetupTag], sequenced[t.TeardownTag] = true, true
	}
	for _, t := range c.out.tags {
		if len(t.Triggers) == 0 && !t.Paused && !sequenced[t.Name] {
			t.Paused = true
			c.note(fmt.Sprintf("tag %q", t.Name), "firingTriggerId", "the tag has no firing trigger that could be imported; it is paused")
		}
	}
}

var clientKeys = set("clientId", "name", "type", "parameter", "priority")

func (c *converter) convertClients() {
	for _, cl := range c.cv.Client {
		obj := fmt.Sprintf("client %q", cl.Name)
		c.rawKeys(obj, keysOf(cl.raw), clientKeys)
		out := &outClient{Name: cl.Name}
		if cl.Priority != nil {
			out.Priority = cl.Priority.n
		}
		if out.Name == "" {
			out.Name = "Client " + string(cl.ClientID)
		}
		if strings.HasPrefix(cl.Type, "cvt_") {
			ct := c.templates[cl.Type]
			why := ""
			switch {
			case ct == nil:
				why = fmt.Sprintf("custom template %s is not in the export's customTemplate list", cl.Type)
			case ct.parseErr != nil:
				why = fmt.Sprintf("its template %q does not parse", ct.name)
			case ct.tpl.Info.Type != templates.KindClient:
				why = fmt.Sprintf("its template %q is a %s template, not a CLIENT template", ct.name, ct.tpl.Info.Type)
			}
			if why != "" {
				c.note(obj, "type", "%s; not imported", why)
				c.out.skipped = append(c.out.skipped, fmt.Sprintf("client %q (type %s): %s", cl.Name, cl.Type, why))
				continue
			}
			out.Template = ct.file
			var problems []string
			out.Settings, problems = c.fitParams(obj, ct.tpl, c.params(obj, cl.Parameter))
			if len(problems) > 0 {
				c.note(obj, "parameters", "%s; the client is written commented out at the end of tagd.toml: fill in the fields and uncomment it", strings.Join(problems, "; "))
				out.Settings = draftParams(out.Settings, problems)
				w := &tomlWriter{}
				writeClient(w, out)
				c.out.drafts = append(c.out.drafts, fmt.Sprintf("client %q: fill in the missing fields, then uncomment:\n%s", out.Name, strings.TrimRight(w.String(), "\n")))
				continue
			}
			c.out.clients = append(c.out.clients, out)
			continue
		}
		g, known := googleClients[cl.Type]
		why := ""
		switch {
		case !known:
			why = fmt.Sprintf("client type %s is neither a custom template of the export nor a Google client tagd implements", cl.Type)
		case g.typ == "":
			why = fmt.Sprintf("%s clients have no tagd equivalent: %s", g.label, g.why)
		case !c.o.Catalog.hasClient(g.typ):
			why = fmt.Sprintf("%s maps to tagd's %q client, which this tagd build does not have", g.label, g.typ)
		}
		if why != "" {
			c.note(obj, "type", "%s; not imported", why)
			c.out.skipped = append(c.out.skipped, fmt.Sprintf("client %q (type %s): %s", cl.Name, cl.Type, why))
			continue
		}
		out.Type = g.typ
		c.note(obj, "type", "%s client mapped to tagd's built-in %q client", g.label, g.typ)
		for _, p := range cl.Parameter {
			c.note(obj, "parameter "+p.Key, "%s client setting is not carried over; see docs/clients.md for the %q client's settings", g.label, g.typ)
		}
		c.out.clients = append(c.out.clients, out)
	}
}

func sortedMapKeys(m map[string]any) []string {
	out := keysOf(m)
	sort.Strings(out)
	return out
}
