// Package audit is CivicDesk's audit trail: sign-ins, views of a
// conversation, assignments, transfers, exports, erasures and configuration
// changes. Any replica records an entry by publishing it to the CD_AUDIT
// stream; one durable consumer (the Chainer) appends entries to the store in
// stream order, each carrying the SHA-256 of the one before, so that Verify
// detects any entry edited or removed afterwards.
package audit
