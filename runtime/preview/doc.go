// Package preview is tagd's live debugger: it records captured requests (those carrying a
// preview header, or all traffic when switched on) into a bounded ring buffer, each with
// what happened to it — which client claimed it and why the others did not, every event
// with its data, tags fired and not fired, variables, console lines and outbound HTTP —
// streams a summary of each new one over Server-Sent Events, and serves the admin API and
// the embedded preview UI (static HTML, JS and CSS; no build step).
//
// It reads the runtime's Exchange and Trace; it must not import the sandbox, clients, tags,
// the loader, the server or metrics. The server mounts its handlers behind the admin token.
package preview
