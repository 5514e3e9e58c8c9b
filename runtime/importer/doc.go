// Package importer converts a Google Tag Manager server container export (JSON,
// exportFormatVersion 2) into a tagd container: a tagd.toml, one .tpl per custom template
// and a list of notes naming everything that could not be mapped (object, field, why).
// Nothing is dropped silently: what has no tagd equivalent is either approximated and noted,
// or left out, noted and written as a comment in the config.
//
// It imports config (to check the config it writes) and templates (to read embedded
// templates and check parameters against them), plus the standard library. It must not
// import runtime, sandbox, clients, tags, the loader or cmd: which built-in clients and
// templates this tagd has is passed in as a Catalog.
package importer
