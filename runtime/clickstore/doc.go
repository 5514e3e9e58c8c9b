// Package clickstore is the embedded store of the click-ID link and postback clients: it
// records each tracked click (link, time, attribution parameters, IP, user agent, incoming
// ad click ids) under its minted click ID, and remembers which conversions were already
// reported so that a repeated postback is recognised as a duplicate. It keeps one bbolt file,
// clicks.db, in the server's data directory; handles on the same file are shared within the
// process, because bbolt locks a file against a second open.
//
// It imports the standard library and go.etcd.io/bbolt only. It must not import any tagd
// package (runtime, clients, sandbox, config …): the clients use it, never the reverse.
package clickstore
