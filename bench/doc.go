// Command bench is tagd's load benchmark. Run from the repository root:
//
//	go run ./bench
//
// It builds tagd, starts it with container.toml (the GA4 client and three tags firing on
// page_view and purchase, every outbound request redirected to a local sink), drives a
// realistic mix of GA4 hits at it from a load generator in a separate process, and does
// the same against a bare net/http server answering 204 as the baseline. The server under
// test is pinned to its own CPU(s) and the load generator and sink to the others, so both
// servers get the same hardware. Everything runs on 127.0.0.1 and every phase is bounded
// in time and in request count. It prints a Markdown table: requests/s, events/s,
// latency percentiles, CPU and allocations per request and event, RSS, cold start,
// reload time under load, and the tagd / baseline ratios.
//
// The same binary is re-executed with -role loadgen|sink|baseline for the child
// processes. The program must not import tagd's packages: it measures the tagd binary
// from the outside, as an operator runs it (its tests do, to check the hit mix against the
// GA4 parser and that the container loads). docs/BENCHMARKS.md has results and flags.
package main
