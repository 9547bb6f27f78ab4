// Package lease runs work that one replica at a time must do (routing, the
// retention job) under a named lease of the bus, taking it again after a
// loss. It stands beside the runners that need it; the lease itself is
// natsbus's (a key in a NATS key-value bucket with a TTL).
package lease
