// Package templates reads the sGTM custom template file format (.tpl): the
// ___INFO___, ___TEMPLATE_PARAMETERS___, ___SANDBOXED_JS_FOR_SERVER___,
// ___SERVER_PERMISSIONS___, ___TESTS___ and ___NOTES___ sections, the typed
// permission values (1 string, 2 list, 3 map, 8 boolean), and the field
// descriptors that decide how configured values reach the template's `data`.
//
// It is pure data plus parsing: it checks configured parameter maps against a
// template's fields and computes field defaults, but it never runs template
// code.
//
// Leaf package: it may import only the standard library and gopkg.in/yaml.v3.
// It must not import any tagd package, goja, or anything that does I/O beyond
// reading the files it is asked to parse.
package templates
