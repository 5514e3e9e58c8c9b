package config

import (
	"strings"
	"testing"
)

func TestServerGCSettings(t *testing.T) {
	tests := []struct {
		name, toml string
		gogc       int
		limit      int64
		err        string
	}{
		{"defaults", "[server]\n", 0, 0, ""},
		{"set", "[server]\ngogc = 400\nmemory_limit_bytes = 134_217_728\n", 400, 128 << 20, ""},
		{"off", "[server]\ngogc = -1\n", -1, 0, ""},
		{"bad gogc", "[server]\n\ngogc = -5\n", 0, 0, "gc.toml:3: server: gogc must be a percentage"},
		{"bad limit", "[server]\nmemory_limit_bytes = -1\n", 0, 0, "gc.toml:2: server: memory_limit_bytes must be positive"},
		{"wrong type", "[server]\ngogc = \"high\"\n", 0, 0, "gc.toml:2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("gc.toml", t.TempDir(), []byte(tt.toml))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Server.GOGC != tt.gogc || c.Server.MemoryLimitBytes != tt.limit {
				t.Errorf("gogc %d, memory_limit_bytes %d; want %d, %d", c.Server.GOGC, c.Server.MemoryLimitBytes, tt.gogc, tt.limit)
			}
		})
	}
}
