package templates

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseTests reads ___TESTS___: a YAML mapping with "scenarios" (list of
// {name, code}) and an optional "setup" string. It walks yaml.Node values
// rather than decoding into structs so that every structural error can name
// its line and every YAML string style yields its resolved text.
func (t *Template) parseTests(s *section) error {
	body, line := s.body()
	t.TestsLine = line
	suite := &TestSuite{Scenarios: []Scenario{}}
	t.Tests = suite
	// fileLine maps a YAML line to a file line. YAML also breaks lines at a
	// lone "\r", which the file does not; clamp to the body's last line.
	lastLine := line + strings.Count(body, "\n")
	fileLine := func(yamlLine int) int {
		return min(line+max(yamlLine, 1)-1, lastLine)
	}
	perr := func(yamlLine int, format string, args ...any) error {
		return &ParseError{File: t.Path, Line: fileLine(yamlLine), Section: SectionTests, Msg: fmt.Sprintf(format, args...)}
	}
	if body == "" {
		return nil
	}
	root, err := parseYAML(body)
	if err != nil {
		yl := 1
		msg := err.Error()
		if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
			yl, _ = strconv.Atoi(m[1])
			msg = m[2]
		}
		return &ParseError{File: t.Path, Line: fileLine(yl), Section: SectionTests, Msg: "invalid YAML: " + msg, Err: err}
	}
	if root == nil {
		return nil // only comments
	}
	root = deref(root)
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil
	}
	if root.Kind != yaml.MappingNode {
		return perr(root.Line, "want a mapping with \"scenarios\" and \"setup\", got %s", nodeKind(root))
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := deref(root.Content[i]), deref(root.Content[i+1])
		switch k.Value {
		case "setup":
			str, err := scalarString(v)
			if err != nil {
				return perr(v.Line, "setup: %v", err)
			}
			suite.Setup = str
		case "scenarios":
			if isNull(v) {
				continue
			}
			if v.Kind != yaml.SequenceNode {
				return perr(v.Line, "scenarios: want a list, got %s", nodeKind(v))
			}
			for n, item := range v.Content {
				sc, errLine, err := scenarioFrom(deref(item))
				if err != nil {
					return perr(errLine, "scenario %d: %v", n+1, err)
				}
				sc.Line = fileLine(deref(item).Line)
				suite.Scenarios = append(suite.Scenarios, sc)
			}
		}
		// Other keys are ignored: GTM may add some, none matter to us.
	}
	return nil
}

// parseYAML returns the document's root node (nil for an empty document).
// yaml.v3 has panicked on hostile input in the past; a panic becomes an error
// so that bad input can never take the process down.
func parseYAML(src string) (root *yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			root, err = nil, fmt.Errorf("yaml: parser failure: %v", r)
		}
	}()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

// scenarioFrom reads one scenario; on error it also returns the YAML line.
func scenarioFrom(n *yaml.Node) (Scenario, int, error) {
	var sc Scenario
	if n.Kind != yaml.MappingNode {
		return sc, n.Line, fmt.Errorf("want a mapping with \"name\" and \"code\", got %s", nodeKind(n))
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), deref(n.Content[i+1])
		var dst *string
		switch k.Value {
		case "name":
			dst = &sc.Name
		case "code":
			dst = &sc.Code
		default:
			continue
		}
		s, err := scalarString(v)
		if err != nil {
			return sc, v.Line, fmt.Errorf("%s: %w", k.Value, err)
		}
		*dst = s
	}
	return sc, 0, nil
}

// scalarString returns a scalar's resolved text in any YAML style; null is "".
func scalarString(n *yaml.Node) (string, error) {
	if isNull(n) {
		return "", nil
	}
	if n.Kind != yaml.ScalarNode {
		return "", fmt.Errorf("want a string, got %s", nodeKind(n))
	}
	return n.Value, nil
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// deref follows aliases (bounded, in case of a cycle) to the anchored node.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; i < 100 && n.Kind == yaml.AliasNode && n.Alias != nil; i++ {
		n = n.Alias
	}
	return n
}

func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return "a scalar"
	case yaml.AliasNode:
		return "an alias"
	}
	return "nothing"
}
