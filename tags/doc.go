// Package tags holds tagd's built-in tag and variable templates, embedded with
// go:embed, and the adapters that run any TAG or MACRO template in the sandbox as a
// runtime.Tag or runtime.Variable.
//
// It imports runtime, sandbox and templates. It must not import clients, config or the
// server; the loader wires it.
package tags
