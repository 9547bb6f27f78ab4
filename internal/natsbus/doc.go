// Package natsbus is CivicDesk's message bus: it starts the embedded NATS
// server with JetStream (or connects to an external cluster), declares the
// CD_INBOUND, CD_EVENTS and CD_OUTBOUND streams, and gives the feature packages
// durable work consumers, acknowledged publishes with dedupe ids, and core
// subscriptions for fan-out to sockets. Every step of the flow (accept, record,
// triage, route, deliver) passes through it.
package natsbus
