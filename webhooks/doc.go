// Package webhooks tells an agency's other systems (case management, CRM)
// what happens in CivicDesk. It stands beside the flow: a durable consumer
// reads conversation events from CD_EVENTS and queues one delivery per
// subscribed endpoint on CD_WEBHOOKS; each endpoint has its own durable
// consumer, so a slow or failing endpoint only delays itself. Deliveries are
// signed with HMAC-SHA256 over the timestamp and the body (as Stripe and
// GitHub do), carry a unique id for dedupe, are retried with backoff, and
// are logged for the admin pages.
//
// A delivery's data is the event as announced: a message event carries the
// message and the head of its conversation (id, contact, channel, state,
// department, caseworker, priority and times), a conversation.* event the
// whole conversation, triage included.
package webhooks
