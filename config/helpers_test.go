package config

import (
	"errors"
	"strings"
	"testing"
)

// testEnv is the environment tests parse against; os.Environ is never consulted.
var testEnv = map[string]string{
	"TAGD_ADMIN_TOKEN": "s3cret",
	"META_TOKEN":       "meta-token",
	"EMPTY":            "",
	"PORT":             "9090",
}

func lookupIn(env map[string]string) envLookup {
	return func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}
}

// parseTest parses src as the file "c.toml" against testEnv.
func parseTest(t *testing.T, src string) (*Config, error) {
	t.Helper()
	return parse("c.toml", "/cfg/c.toml", "/cfg", []byte(src), lookupIn(testEnv))
}

// errLines returns the messages of a parse error, one per problem, or nil.
func errLines(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("error is %T, want config.Errors: %v", err, err)
	}
	return strings.Split(es.Error(), "\n")
}
