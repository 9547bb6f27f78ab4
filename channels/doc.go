// Package channels is what every channel shares. Channel adapters (webchat,
// sms, email) accept a citizen's message by publishing it to CD_INBOUND with a
// dedupe id (Accept); the Recorder is the durable consumer that writes every
// message into the store, in acceptance order, and announces it on CD_EVENTS,
// and hands messages written by caseworkers or the bot to CD_OUTBOUND for
// delivery on the conversation's channel.
package channels
