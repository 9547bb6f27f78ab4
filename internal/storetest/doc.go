// Package storetest is the conformance suite that every store must pass: the
// embedded SQLite store and the MongoDB store. It defines Store, the union of
// the methods the feature packages declare, so that both implementations are
// held to one behaviour.
package storetest
