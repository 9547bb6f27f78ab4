// Package testworld starts the real parts that tests of the other packages
// run against: an embedded NATS JetStream server with the bus connected to
// it in process, and an SQLite store, each in the test's temporary
// directory and closed when the test ends.
package testworld
