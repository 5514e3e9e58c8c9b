package importer

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tagd-dev/tagd/config"
)

type outTransform struct {
	Name         string
	Type         string
	Priority     int
	Keys         []string
	Params       []outRow
	Conditions   []outCondition
	Tags         []string
	TagTemplates []string
	Comment      []string
}

var transformKeys = set("transformationId", "name", "type", "parameter", "filter")

// Google does not document how transformations are exported. The importer reads the shape
// below ([inf]) and reports every parameter it does not recognise:
//
//	type: one containing "allow", "exclude" or "augment" (e.g. tf_allow_params)
//	LIST parameters whose items name event parameters: MAPs with paramName (or name, key,
//	  parameter) and, for augment, paramValue (or value); or plain TEMPLATE items
//	matching conditions: a "filter" array of trigger-style conditions, or a LIST parameter
//	  whose key contains "condition" holding such conditions as MAPs (arg0, type, arg1, negate,
//	  ignore_case)
//	affected tags: a LIST of TAG_REFERENCE items; tag types: a LIST whose key contains "type"
//	priority: an INTEGER parameter "priority"
func (c *converter) convertTransformations() {
	for _, x := range c.cv.Transformation {
		obj := fmt.Sprintf("transformation %q", x.Name)
		c.rawKeys(obj, keysOf(x.raw), transformKeys)
		out := &outTransform{Name: x.Name}
		if out.Name == "" {
			out.Name = "Transformation " + string(x.TransformationID)
		}
		lt := strings.ToLower(x.Type)
		switch {
		case strings.Contains(lt, "allow"):
			out.Type = config.TransformAllow
		case strings.Contains(lt, "exclude"):
			out.Type = config.TransformExclude
		case strings.Contains(lt, "augment"):
			out.Type = config.TransformAugment
		default:
			c.note(obj, "type", "transformation type %q is not allow, exclude or augment; not imported", x.Type)
			c.out.skipped = append(c.out.skipped, fmt.Sprintf("transformation %q (type %s): unknown type", x.Name, x.Type))
			continue
		}
		for i, cd := range x.Filter {
			if cond, ok := c.condition(obj, i+1, cd); ok {
				out.Conditions = append(out.Conditions, cond)
			}
		}
		ok := true
		for _, p := range x.Parameter {
			if !c.transformParam(obj, out, p) {
				ok = false
			}
		}
		switch {
		case !ok:
			c.out.skipped = append(c.out.skipped, fmt.Sprintf("transformation %q: affects tags that were not imported", x.Name))
			continue
		case out.Type == config.TransformAugment && len(out.Params) == 0,
			out.Type != config.TransformAugment && len(out.Keys) == 0:
			c.note(obj, "parameter", "no event parameters found; not imported")
			c.out.skipped = append(c.out.skipped, fmt.Sprintf("transformation %q: no event parameters found", x.Name))
			continue
		}
		c.out.transf = append(c.out.transf, out)
	}
}

// transformParam reads one parameter of a transformation into out; false when the
// transformation must be left out (its affected tags are gone).
func (c *converter) transformParam(obj string, out *outTransform, p param) bool {
	lk := strings.ToLower(p.Key)
	field := "parameter " + p.Key
	switch {
	case lk == "priority":
		n, err := strconv.Atoi(strings.TrimSpace(p.str()))
		if err != nil {
			c.note(obj, field, "%q is not an integer; priority 0 is used", p.str())
		}
		out.Priority = n
		return true
	case strings.Contains(lk, "condition") && strings.EqualFold(p.Type, "LIST"):
		for i, item := range p.List {
			cd := condition{}
			for _, m := range item.Map {
				if strings.EqualFold(m.Key, "type") || strings.EqualFold(m.Key, "operator") {
					cd.Type = m.str()
					continue
				}
				key := m.Key
				switch strings.ToLower(key) {
				case "variable":
					key = "arg0"
				case "value":
					key = "arg1"
				case "ignorecase":
					key = "ignore_case"
				}
				cd.Parameter = append(cd.Parameter, param{Type: m.Type, Key: key, Value: m.Value})
			}
			if cond, ok := c.condition(obj, len(out.Conditions)+i+1, cd); ok {
				out.Conditions = append(out.Conditions, cond)
			}
		}
		return true
	case strings.EqualFold(p.Type, "LIST") && listOf(p, "TAG_REFERENCE"):
		for _, item := range p.List {
			name := item.str()
			if n, ok := c.tagNames[name]; ok {
				out.Tags = append(out.Tags, n)
				continue
			}
			c.note(obj, field, "affected tag %q was not imported", name)
		}
		if len(out.Tags) == 0 && len(p.List) > 0 {
			c.note(obj, field, "none of the affected tags was imported; the transformation is left out (it would otherwise affect every tag)")
			return false
		}
		return true
	case strings.EqualFold(p.Type, "LIST") && strings.Contains(lk, "type"):
		for _, item := range p.List {
			typ := item.str()
			switch {
			case c.templates[typ] != nil:
				out.TagTemplates = append(out.TagTemplates, c.templates[typ].file)
			case googleTags[typ].template != "":
				out.TagTemplates = append(out.TagTemplates, googleTags[typ].template)
			default:
				c.note(obj, field, "tag type %q has no tagd template; not included", typ)
			}
		}
		return true
	case strings.EqualFold(p.Type, "LIST"):
		for i, item := range p.List {
			name, value, hasValue := paramItem(item)
			if name == "" {
				c.note(obj, fmt.Sprintf("%s[%d]", field, i), "no event parameter name found; left out")
				continue
			}
			if out.Type != config.TransformAugment {
				out.Keys = append(out.Keys, name)
				continue
			}
			row := outRow{Key: name, Value: ""}
			if hasValue {
				if v, ok := c.value(obj, fmt.Sprintf("%s[%d]", field, i), value); ok {
					row.Value = v
				}
			}
			out.Params = append(out.Params, row)
		}
		return true
	case lk == "affectedtags" || lk == "tagscope" || lk == "applyto":
		if v := strings.ToLower(p.str()); v != "" && v != "all" && v != "some" && v != "selected" {
			c.note(obj, field, "value %q is not understood; the affected tags are taken from the tag list", p.str())
		}
		return true
	}
	c.note(obj, field, "transformation parameter not known to the importer; not imported")
	return true
}

func listOf(p param, typ string) bool {
	if len(p.List) == 0 {
		return strings.Contains(strings.ToLower(p.Key), "tag") && !strings.Contains(strings.ToLower(p.Key), "type")
	}
	for _, x := range p.List {
		if !strings.EqualFold(x.Type, typ) {
			return false
		}
	}
	return true
}

// paramItem reads an event parameter entry: a MAP with a name and maybe a value, or a
// plain TEMPLATE holding the name.
func paramItem(item param) (name string, value param, hasValue bool) {
	if !strings.EqualFold(item.Type, "MAP") {
		return item.str(), param{}, false
	}
	for _, m := range item.Map {
		switch strings.ToLower(m.Key) {
		case "paramname", "name", "key", "parameter", "eventparameter":
			name = m.str()
		case "paramvalue", "value":
			value, hasValue = m, true
		}
	}
	return name, value, hasValue
}
