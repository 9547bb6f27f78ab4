// Package sms is the SMS channel, speaking Twilio's wire formats.
//
// Inbound, Twilio posts each text to the webhook
// (POST /api/v1/channels/sms/twilio). The channel checks X-Twilio-Signature
// when an auth token is configured, normalizes the sender to E.164, keeps one
// contact per number, opens the number's conversation (a new one after the
// last was closed) and accepts the message on CD_INBOUND with MessageSid as
// its dedupe id; only then does Twilio get its TwiML answer. MMS media become
// attachments (links). The carrier keywords (STOP, START, HELP and their
// synonyms) are answered with TwiML, persisted as opt-out records, and shown
// to the caseworker as system messages; they never start a conversation or
// reach triage.
//
// Outbound, the channel is the durable consumer "sms" of cd.out.sms.*: it
// sends agent and bot replies through Twilio's Messages API (split under
// Twilio's 1,600-character limit, with GSM-7/UCS-2 segment counts), retries
// 429, 5xx and timeouts, reconciles an ambiguous attempt with Twilio's
// message list before sending again so that a reply is never texted twice,
// never texts a number that opted out, and records the delivery state, fed
// by Twilio's status callbacks, as a "delivery" record for the desk. With no
// Twilio account configured the texts go to the "sms_outbox" records instead.
//
// It stands at the start of the flow (accept) and at its end (the citizen
// gets the answer).
package sms
