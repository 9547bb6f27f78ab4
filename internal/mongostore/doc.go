// Package mongostore is the MongoDB store, for production and scale-out: many
// stateless civicdesk replicas share one MongoDB replica set through
// go.mongodb.org/mongo-driver/v2.
//
// It stands behind the Record step of the flow, next to the embedded SQLite
// store (internal/sqlitestore): consumers write messages and conversations
// into it, and the routing engine, the triage bot and the agent desk read them
// back. Both stores implement storetest.Store and pass one conformance suite
// (internal/storetest).
//
// Every query it makes has an index, created by New. It relies only on what
// FerretDB offers too: single-document inserts, replaces and deletes, plain
// and unique indexes. No transactions, change streams, partial, TTL or text
// indexes, and no concurrent conditional updates. The one place that needs
// mutual exclusion, one open conversation per contact and channel, uses an
// insert into a collection keyed by contact and channel, since a unique _id
// insert is atomic everywhere.
//
// Its tests run the conformance suite against FerretDB v1.24.2 embedded as a
// library (SQLite backend), always, and against a real MongoDB when
// CIVICDESK_TEST_MONGODB_URI is set.
package mongostore
