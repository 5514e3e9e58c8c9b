package config

import (
	"os"
	"strings"
	"testing"
)

// TestDocsExample keeps the complete example in docs/config.md valid.
func TestDocsExample(t *testing.T) {
	doc, err := os.ReadFile("../docs/config.md")
	if err != nil {
		t.Fatal(err)
	}
	_, example, ok := strings.Cut(string(doc), "## Complete example")
	if !ok {
		t.Fatal("docs/config.md has no complete example")
	}
	_, example, _ = strings.Cut(example, "```toml\n")
	example, _, _ = strings.Cut(example, "```")
	c, err := parse("config.md", "config.md", ".", []byte(example), lookupIn(testEnv))
	if err != nil {
		t.Fatalf("the documented example does not load:\n%v", err)
	}
	if len(c.Clients) != 2 || len(c.Triggers) != 3 || len(c.Variables) != 9 || len(c.Tags) != 3 {
		t.Errorf("example has %d clients, %d triggers, %d variables, %d tags",
			len(c.Clients), len(c.Triggers), len(c.Variables), len(c.Tags))
	}
}
