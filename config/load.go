package config

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"
)

// Load reads, parses and validates the config file at path: ${ENV} references are expanded,
// defaults applied and every problem reported at once as Errors (messages name path as given).
func Load(path string) (*Config, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("config: resolve %s: %w", path, err)
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return parse(path, abs, filepath.Dir(abs), src, nil)
}

// Parse does what Load does on bytes. name is used in messages and as Path; dir is where
// relative template paths are resolved ("" means the directory of name, if any).
func Parse(name, dir string, src []byte) (*Config, error) {
	if dir == "" && name != "" {
		dir = filepath.Dir(name)
	}
	return parse(name, name, dir, src, nil)
}

func parse(name, path, dir string, src []byte, lookup envLookup) (*Config, error) {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	file := name
	if file == "" {
		file = unnamedFile
	}
	var top map[string]any
	if _, err := toml.Decode(string(src), &top); err != nil {
		return nil, Errors{syntaxError(file, err)}
	}
	sum := sha256.Sum256(src)
	d := &decoder{file: file, pos: scanPositions(string(src)), env: lookup}
	c := d.config(top)
	c.Path, c.Dir, c.Hash = path, dir, hex.EncodeToString(sum[:])
	c.name, c.pos = name, d.pos
	c.applyDefaults()
	errs := d.errs
	if err := c.Validate(); err != nil {
		var verrs Errors
		if errors.As(err, &verrs) {
			errs = append(errs, verrs...)
		}
	}
	if err := errs.asError(); err != nil {
		return nil, err
	}
	return c, nil
}

func syntaxError(file string, err error) *Error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		return &Error{File: file, Line: pe.Position.Line, Msg: "invalid TOML: " + pe.Message}
	}
	return &Error{File: file, Msg: "invalid TOML: " + strings.TrimPrefix(err.Error(), "toml: ")}
}
