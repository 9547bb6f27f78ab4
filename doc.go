// Package civicdesk is the domain of the CivicDesk contact center: the shapes
// that travel between the channels, the triage bot, the routing engine and the
// agent desk (Conversation, Message, Contact, Agent, Department, Triage), the
// error codes every layer maps to, and the NATS subject and stream names.
//
// It stands at the centre of the flow and imports nothing outside the standard
// library, so every feature package can depend on it without depending on each
// other.
package civicdesk
