package main

import (
	"sort"

	"github.com/tagd-dev/tagd/clients"
	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/runtime/server"
	"github.com/tagd-dev/tagd/sandbox"
	"github.com/tagd-dev/tagd/tags"
)

// templatesOf lists the sandboxed templates the container's tags, clients and variables run,
// each once, for the admin API's /api/status. It lives here because only cmd may know both
// the server and the template implementations.
func templatesOf(c *runtime.Container) []server.TemplateInfo {
	seen := map[*sandbox.Program]bool{}
	out := []server.TemplateInfo{}
	add := func(p *sandbox.Program) {
		if p == nil || seen[p] {
			return
		}
		seen[p] = true
		ti := server.TemplateInfo{Name: p.Name}
		if p.Template != nil {
			ti.DisplayName = p.Template.Info.DisplayName
			ti.Kind = string(p.Template.Info.Type)
		}
		out = append(out, ti)
	}
	for _, t := range c.Tags {
		if tt, ok := t.Tag.(*tags.TemplateTag); ok {
			add(tt.Program)
		}
	}
	for _, cb := range c.Clients {
		if tc, ok := cb.Client.(*clients.TemplateClient); ok {
			add(tc.Program)
		}
	}
	for _, v := range c.Variables {
		if tv, ok := v.Variable.(*tags.TemplateVariable); ok {
			add(tv.Program)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
