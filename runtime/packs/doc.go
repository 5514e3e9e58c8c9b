// Package packs handles template packs: a directory or .tar.gz holding a manifest
// (tagd-pack.toml) and the .tpl templates it provides, which configs reference as
// pack-name/template-name. It parses and checks manifests, builds reproducible archives
// with their SHA-256, installs packs (from a directory, an archive or an https:// URL) into a
// container's packs directory, keeps the lock file (tagd.lock) that pins each pack's version
// and checksum, and resolves references for the loader, refusing any installed archive whose
// checksum does not match its lock entry.
//
// It imports config, templates and the standard library (plus the TOML decoder). It must not
// import runtime, sandbox, sandboxtest, clients, tags, the loader or cmd: running a
// template's ___TESTS___ is injected by the caller (CheckOptions.Test), so the loader does not
// link the test harness.
package packs
