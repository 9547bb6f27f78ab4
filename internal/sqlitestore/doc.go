// Package sqlitestore is the embedded store: SQLite through modernc.org/sqlite
// (pure Go) in WAL mode, with real indexes. It is the default of
// `civicdesk serve` on a single node; the record consumer writes messages and
// conversations into it, and the desk, widget and routing read from it.
package sqlitestore
