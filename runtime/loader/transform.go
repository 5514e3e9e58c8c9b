package loader

import (
	"sort"

	"github.com/tagd-dev/tagd/config"
	"github.com/tagd-dev/tagd/runtime"
)

// buildTransformations compiles [[transformation]] entries in the order they run: higher
// priority first, then as written.
func (b *builder) buildTransformations(c *runtime.Container) {
	for _, x := range b.cfg.Transformations {
		t := &runtime.Transformation{
			Name: x.Name, Kind: runtime.TransformKind(x.Type), Priority: x.Priority,
			Keys: x.Keys, Pos: b.pos(x.Line),
		}
		for _, p := range x.Params {
			t.Params = append(t.Params, runtime.TransformParam{Key: p.Key, Value: p.Value})
		}
		for _, cd := range x.Conditions {
			cond, err := runtime.NewCondition(cd.Variable, runtime.Operator(cd.Operator), cd.Value, cd.Negate, cd.IgnoreCase)
			if err != nil {
				b.errorf(cd.Line, "transformation %q: %v", x.Name, err)
				continue
			}
			t.Conditions = append(t.Conditions, cond)
		}
		if len(x.Tags) > 0 || len(x.TagTemplates) > 0 {
			t.Tags, t.Templates = map[string]bool{}, map[string]bool{}
			for _, n := range x.Tags {
				t.Tags[n] = true
			}
			for _, n := range x.TagTemplates {
				t.Templates[n] = true
			}
		}
		c.Transformations = append(c.Transformations, t)
	}
	sort.SliceStable(c.Transformations, func(i, j int) bool {
		return c.Transformations[i].Priority > c.Transformations[j].Priority
	})
}

// linkSequences connects tags to their setup and teardown tags and sets firing options.
func (b *builder) linkSequences(c *runtime.Container) {
	byName := make(map[string]*runtime.TagBinding, len(c.Tags))
	for _, tb := range c.Tags {
		byName[tb.Name] = tb
	}
	for _, t := range b.cfg.Tags {
		tb := byName[t.Name]
		if tb == nil {
			continue // its template failed; already reported
		}
		tb.Unlimited = t.FiringOption == config.FireUnlimited
		if t.SetupTag != "" {
			if s := byName[t.SetupTag]; s != nil {
				tb.Setup = &runtime.TagSequence{Tag: s, StopOnFailure: t.StopOnSetupFailure}
			}
		}
		if t.TeardownTag != "" {
			if s := byName[t.TeardownTag]; s != nil {
				tb.Teardown = &runtime.TagSequence{Tag: s, StopOnFailure: t.StopTeardownOnFailure}
			}
		}
	}
}
