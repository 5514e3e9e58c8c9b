// Package sandboxtest runs a template's own ___TESTS___ the way GTM's template editor
// does: each scenario gets a fresh sandbox runtime with the test API (runCode, mock,
// mockObject, assertApi, assertThat, fail), un-mocked APIs run for real against an empty
// request and event with no network, and the event loop is drained so assertions in
// callLater and promise callbacks count. `tagd test` and the compatibility report use it.
//
// It builds on sandbox, sandbox/api (the APIs under test, registered on import), runtime
// and templates only. It must not import clients, tags, config, cmd or any server
// package, and it must never open network connections.
package sandboxtest
