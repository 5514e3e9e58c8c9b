// Command compat-report measures how many real templates' own ___TESTS___ pass under
// tagd. It runs `tagd test --json DIR` (by default through `go run ./cmd/tagd`, so a
// fresh machine needs only Go) and prints templates loaded/total, scenarios
// passed/total and the failures grouped by cause with counts and examples.
//
//	go run ./scripts/compat-report [-tagd CMD] [-inproc] [-examples N] DIR
//	go run ./scripts/compat-report -api-table
//
// -inproc runs the tests in this process through sandboxtest instead of the CLI.
// -api-table prints the sGTM API coverage table of docs/COMPATIBILITY.md.
// The templates in DIR are third-party code: never copy them into this repository.
//
// It imports sandbox, sandbox/api and sandbox/sandboxtest (for -inproc and -api-table)
// and nothing of the server: it must stay runnable with only Go on a fresh machine.
package main
