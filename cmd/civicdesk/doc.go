// Command civicdesk is the one binary of CivicDesk. `civicdesk serve` runs the
// whole contact center: with no configuration it embeds its own NATS server
// with JetStream and an SQLite store under the data dir, and wires the
// channels, the triage bot, routing and the agent desk together; it is the
// only place that does. `civicdesk triage` classifies JSON Lines from stdin
// with the configured triager, with no server running.
package main
