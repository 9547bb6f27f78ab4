// Package webchat is the chat widget's channel: visitor sessions with bearer
// tokens, message acceptance (202 only after JetStream stores the message,
// deduped on clientMessageId), history with `after`, close (with a
// transcript by email on request) and rating, and the visitor WebSocket that
// streams this visitor's events, resuming from the last message it saw with
// no gap and no duplicate. It stands at the start of the flow (accept) and at
// its end (the citizen sees the answer).
//
// Citizens see caseworkers by display name only: assignment events carry the
// name as their author, and no staff id reaches a visitor. Extensions of the
// public API: GET /availability says whether a caseworker answers now (from
// routing's opening hours and caseworkers' presence), and POST
// /leave-message takes a message with an email address or phone number,
// queued for a caseworker on a conversation of that channel, so the answer
// goes out by email or text message.
package webchat
