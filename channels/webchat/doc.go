// Package webchat is the chat widget's channel: visitor sessions with bearer
// tokens, message acceptance (202 only after JetStream stores the message,
// deduped on clientMessageId), history with `after`, close and rating, and the
// visitor WebSocket that streams this visitor's events, resuming from the last
// message it saw with no gap and no duplicate. It stands at the start of the
// flow (accept) and at its end (the citizen sees the answer).
package webchat
