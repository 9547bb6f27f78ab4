// Package email is the email channel: an SMTP server that accepts citizens'
// mail for the agency's domain, and a delivery consumer that sends
// caseworkers' and the bot's replies through an SMTP relay.
//
// Inbound, a message is parsed (text/plain preferred, HTML turned into
// readable text, every charset decoded, quoted history and signatures
// trimmed from what the caseworker sees), threaded into its conversation by
// In-Reply-To/References or by the reply+<token>@ address our replies carry,
// and durably accepted (channels.Accept) before the sending server gets its
// 250. The original message and its attachments are kept as records.
// Auto-replies, bounces and list mail are recorded when they belong to a
// conversation but never answered and never open one by themselves.
//
// Outbound, the "email" durable consumer on CD_OUTBOUND (cd.out.email.*)
// sends each agent or bot message once, with Message-ID, In-Reply-To,
// References, Subject "Re: …" and a reply+<token>@ Reply-To, retrying through
// JetStream redelivery, and records the delivery state for the desk. With no
// relay configured the mail goes to an outbox record instead.
//
// It stands at the start of the flow (accept) and at its end (the citizen's
// mailbox). Records it keeps are listed in records.go.
package email
