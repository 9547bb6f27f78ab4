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
// Threading decisions. A message belongs to the conversation named by the
// reply+<token>@ address it was sent to, else by the newest Message-ID it
// refers to (In-Reply-To, then References newest first, then the enclosed
// message of a bounce) that is a thread record. Otherwise the store's
// OpenConversation gives the sender's open email conversation, or a new one:
// so a new subject after close opens a new conversation, while a new subject
// during an open one joins it (one open email conversation per contact). A
// human reply that threads into a CLOSED conversation cannot reopen it (the
// store has no reopen): it goes to the sender's open conversation, new if
// need be, and an email_link record "<new>/<closed>" keeps the connection.
// References and reply tokens are the sender's word, so a message joins the
// conversation they name only when its sender (the From address, else the
// envelope sender, compared without case) is the email address of that
// conversation's contact, the one our replies go to. Anyone else's message
// is treated as their own first mail: their own contact and conversation,
// no link. The only exception is a bounce that names one of our own
// Message-IDs, recorded as a system message.
// Automatic mail (Auto-Submitted, Precedence bulk/junk/list, X-Autoreply,
// X-Autorespond, List-Id, null sender, MAILER-DAEMON, multipart/report) is
// recorded only when it threads into an open conversation, as a system
// message flagged in its email_message record; otherwise it gets 250 and is
// dropped (civicdesk_email_dropped_total). Our own mail coming back is
// always dropped.
//
// It stands at the start of the flow (accept) and at its end (the citizen's
// mailbox). Records it keeps are listed in records.go.
package email
