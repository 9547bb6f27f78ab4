package email

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/civicdesk/civicdesk"
)

// VerbTranscript is the conversation event verb that asks for a
// conversation's transcript by email: cd.conv.transcript.<conversationId>,
// an Event whose Reason is the address to send it to.
const VerbTranscript = "transcript"

// TranscriptSubject is where a transcript request for convID is published.
func TranscriptSubject(convID string) string {
	return civicdesk.ConvSubject(VerbTranscript, convID)
}

// TranscriptRequest returns the event and its dedupe id that ask for
// conv's transcript to be mailed to address. Whoever publishes it (the
// widget's close flow) does so on TranscriptSubject(conv.ID).
func TranscriptRequest(conv civicdesk.Conversation, address string) (data []byte, dedupeID string, err error) {
	slim := civicdesk.Conversation{ID: conv.ID, ContactID: conv.ContactID, Channel: conv.Channel, State: conv.State}
	data, err = json.Marshal(civicdesk.Event{Type: civicdesk.EventTypeOf(VerbTranscript), Conversation: &slim, Reason: address, At: civicdesk.Now()})
	return data, "transcript:" + conv.ID, err
}

// RunTranscripts mails transcripts on request until ctx is done: the
// "email-transcript" durable consumer on CD_EVENTS, cd.conv.transcript.*.
func (c *Channel) RunTranscripts(ctx context.Context) error {
	return c.bus.Consume(ctx, civicdesk.ConsumerSpec{Stream: civicdesk.StreamEvents, Durable: "email-transcript",
		Filters: []string{TranscriptSubject("*")}, AckWait: 3*c.cfg.RelayTimeout + 30*time.Second}, c.handleTranscript)
}

func (c *Channel) handleTranscript(ctx context.Context, d civicdesk.Delivery) error {
	var ev civicdesk.Event
	if err := json.Unmarshal(d.Data, &ev); err != nil {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "undecodable transcript request at seq %d", d.Seq)
	}
	convID := strings.TrimPrefix(d.Subject, TranscriptSubject(""))
	if ev.Conversation != nil && ev.Conversation.ID != "" {
		convID = ev.Conversation.ID
	}
	to, ok := replyable(ev.Reason)
	if convID == "" || !ok {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "transcript request without a usable address or conversation")
	}
	// One transcript per conversation: a repeated request (or a forged
	// one) cannot turn CivicDesk into a mail cannon.
	if done, err := c.has(ctx, KindTranscript, convID); err != nil || done {
		return err
	}
	conv, err := c.store.GetConversation(ctx, convID)
	if civicdesk.IsNotFound(err) {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "transcript of an unknown conversation")
	} else if err != nil {
		return err
	}
	msgs, err := c.store.ListMessages(ctx, conv.ID, 0, 0)
	if err != nil {
		return err
	}
	raw, err := c.writeMail(outMail{MessageID: "transcript." + conv.ID + "@" + c.cfg.Domain, To: *to,
		Subject: "Transcript of your conversation", Text: transcriptText(conv, msgs), Auto: "auto-generated"})
	if err != nil {
		return err
	}
	return c.dispatch(ctx, d, to.Address, raw, "transcript."+conv.ID+"@"+c.cfg.Domain, KindTranscript, conv.ID, conv.ID+"/transcript")
}

// transcriptText is the conversation as the citizen saw it: their
// messages and the answers, oldest first. System messages are left out.
func transcriptText(conv civicdesk.Conversation, msgs []civicdesk.Message) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Transcript of your conversation with us (reference %s), started %s.\n", conv.ID, conv.CreatedAt.UTC().Format("2 January 2006 15:04 UTC"))
	for _, m := range msgs {
		var who string
		switch m.Author.Kind {
		case civicdesk.AuthorCitizen:
			who = "You"
		case civicdesk.AuthorAgent:
			who = m.Author.Name
			if who == "" {
				who = "Caseworker"
			}
		case civicdesk.AuthorBot:
			who = "Assistant"
		default:
			continue
		}
		fmt.Fprintf(&b, "\n[%s] %s:\n%s\n", m.CreatedAt.UTC().Format("2006-01-02 15:04"), who, m.Text)
	}
	b.WriteString("\nTo write to us again, reply to this email.\n")
	return b.String()
}
