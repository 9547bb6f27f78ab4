package email

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/emersion/go-message/mail"
)

// startConversation has citizen write plain.eml-like mail and returns the
// conversation once its first message is recorded.
func (h *harness) startConversation(citizen, subject, msgID string) civicdesk.Conversation {
	h.t.Helper()
	h.mustSend(citizen, []string{"help@" + domain}, mailFrom("Jane Citizen <"+citizen+">", "help@"+domain, subject, msgID, nil, "I need help with my benefits claim."))
	conv := h.onlyConversation(citizen)
	h.waitMessages(conv.ID, 1)
	return conv
}

func TestOutboundHeadersThreadTheReply(t *testing.T) {
	t.Parallel()
	h := newHarness(t, options{cfg: Config{FromName: "City Services"}})
	citizen := "jane@example.org"
	conv := h.startConversation(citizen, "Benefits claim <urgent>", "c1@example.org")

	first := h.reply(conv, civicdesk.AuthorAgent, "Hello Jane,\n\nWe have your claim. Is the address <12 Elm St> & unit 4 right?\nThanks")
	sent := h.relay.waitMails(t, 1)[0]
	if sent.from != "help@"+domain || len(sent.to) != 1 || sent.to[0] != citizen {
		t.Fatalf("envelope %q → %v", sent.from, sent.to)
	}
	hdr, text, html := parseMail(t, sent.data)
	if id, _ := hdr.MessageID(); id != first.ID+"@"+domain {
		t.Errorf("Message-ID %q", id)
	}
	if irt, _ := hdr.MsgIDList("In-Reply-To"); len(irt) != 1 || irt[0] != "c1@example.org" {
		t.Errorf("In-Reply-To %v", irt)
	}
	if refs, _ := hdr.MsgIDList("References"); len(refs) != 1 || refs[0] != "c1@example.org" {
		t.Errorf("References %v", refs)
	}
	if s, _ := hdr.Subject(); s != "Re: Benefits claim <urgent>" {
		t.Errorf("Subject %q", s)
	}
	from, _ := hdr.AddressList("From")
	if len(from) != 1 || from[0].Address != "help@"+domain || from[0].Name != "City Services" {
		t.Errorf("From %v", from)
	}
	to, _ := hdr.AddressList("To")
	if len(to) != 1 || to[0].Address != citizen || to[0].Name != "Jane Citizen" {
		t.Errorf("To %v", to)
	}
	replyTo, _ := hdr.AddressList("Reply-To")
	if len(replyTo) != 1 || !strings.HasPrefix(replyTo[0].Address, "reply+") || !strings.HasSuffix(replyTo[0].Address, "@"+domain) {
		t.Fatalf("Reply-To %v", replyTo)
	}
	if r, ok := h.record(KindReplyToken, replyToken(replyTo[0].Address)); !ok || string(r.Value) != conv.ID {
		t.Errorf("reply token does not lead to the conversation")
	}
	if hdr.Get("Auto-Submitted") != "" {
		t.Errorf("a caseworker's mail is marked automatic")
	}
	if ct, _, _ := hdr.ContentType(); ct != "multipart/alternative" {
		t.Errorf("Content-Type %q", ct)
	}
	if strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n")) != first.Text {
		t.Errorf("text part %q", text)
	}
	if !strings.Contains(html, "<p>Hello Jane,</p>") || !strings.Contains(html, "&lt;12 Elm St&gt; &amp; unit 4 right?<br>") || strings.Contains(html, "<12 Elm") {
		t.Errorf("html part %q", html)
	}
	d, ok := h.delivery(conv.ID + "/" + first.ID)
	if !ok || d.State != DeliverySent {
		t.Errorf("delivery %+v", d)
	}

	// The citizen answers; the next reply threads under both.
	h.mustSend(citizen, []string{"help@" + domain}, mailFrom(citizen, "help@"+domain, "Re: Benefits claim <urgent>", "c2@example.org",
		map[string]string{"In-Reply-To": "<" + first.ID + "@" + domain + ">"}, "Yes, that is right."))
	h.waitMessages(conv.ID, 3)
	second := h.reply(conv, civicdesk.AuthorAgent, "Thank you.")
	hdr, _, _ = parseMail(t, h.relay.waitMails(t, 2)[1].data)
	if irt, _ := hdr.MsgIDList("In-Reply-To"); len(irt) != 1 || irt[0] != "c2@example.org" {
		t.Errorf("second In-Reply-To %v", irt)
	}
	refs, _ := hdr.MsgIDList("References")
	if want := []string{"c1@example.org", first.ID + "@" + domain, "c2@example.org"}; strings.Join(refs, " ") != strings.Join(want, " ") {
		t.Errorf("second References %v, want %v", refs, want)
	}
	if id, _ := hdr.MessageID(); id != second.ID+"@"+domain {
		t.Errorf("second Message-ID %q", id)
	}
	replyTo2, _ := hdr.AddressList("Reply-To")
	if replyTo2[0].Address != replyTo[0].Address {
		t.Errorf("reply token changed: %v → %v", replyTo, replyTo2)
	}
}

func TestOutboundRetriesThenDeliversOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, options{relayCfg: func(r *relay) { r.failData = 2 }})
	conv := h.startConversation("retry@example.org", "Retry", "rt1@example.org")
	m := h.reply(conv, civicdesk.AuthorAgent, "This will need three tries.")
	h.relay.waitMails(t, 1)
	eventually(t, "delivery state sent", func() bool {
		d, ok := h.delivery(conv.ID + "/" + m.ID)
		return ok && d.State == DeliverySent && d.Attempts == 3
	})
	// Redelivery of the same outbound event (a lost ack) sends nothing.
	ev, _ := json.Marshal(civicdesk.Event{Type: "message", Message: &m, Conversation: &conv})
	if err := h.ch.handleOutbound(h.ctx, civicdesk.Delivery{Subject: civicdesk.OutboundSubject(civicdesk.ChannelEmail, conv.ID), Data: ev, NumDelivered: 4}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	h.relay.mu.Lock()
	got, attempts := len(h.relay.got), h.relay.attempts
	h.relay.mu.Unlock()
	if got != 1 || attempts != 3 {
		t.Errorf("relay got %d mails in %d attempts, want 1 in 3", got, attempts)
	}
	if r, ok := h.record(KindSent, conv.ID+"/"+m.ID); !ok || !bytes.Contains(r.Value, []byte(m.ID+"@"+domain)) {
		t.Errorf("sent record %s", r.Value)
	}
}

func TestOutboundPermanentFailureIsShown(t *testing.T) {
	t.Parallel()
	h := newHarness(t, options{relayCfg: func(r *relay) { r.rejectRcpt = true }})
	conv := h.startConversation("gone@example.org", "Gone", "g1@example.org")
	m := h.reply(conv, civicdesk.AuthorAgent, "Hello?")
	var d Delivery
	eventually(t, "failed delivery", func() bool {
		var ok bool
		d, ok = h.delivery(conv.ID + "/" + m.ID)
		return ok && d.State == DeliveryFailed
	})
	if !strings.Contains(d.Detail, "550") || strings.Contains(d.Detail, "gone@example.org") {
		t.Errorf("detail %q", d.Detail)
	}
	if _, ok := h.record(KindSent, conv.ID+"/"+m.ID); ok {
		t.Error("a refused mail is marked sent")
	}
}

func TestOutboundGivesUpAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	h := newHarness(t, options{cfg: Config{MaxAttempts: 2}, relayCfg: func(r *relay) { r.failData = 100 }})
	conv := h.startConversation("later@example.org", "Later", "l1@example.org")
	m := h.reply(conv, civicdesk.AuthorAgent, "Hello?")
	eventually(t, "failed delivery", func() bool {
		d, ok := h.delivery(conv.ID + "/" + m.ID)
		return ok && d.State == DeliveryFailed && d.Attempts == 2
	})
}

func TestOutboxWithoutRelay(t *testing.T) {
	t.Parallel()
	h := newHarness(t, options{noRelay: true})
	conv := h.startConversation("demo@example.org", "Demo", "d1@example.org")
	m := h.reply(conv, civicdesk.AuthorBot, "An automated answer.")
	var r civicdesk.Record
	eventually(t, "outbox mail", func() bool {
		var ok bool
		r, ok = h.record(KindOutbox, conv.ID+"/"+m.ID)
		return ok
	})
	hdr, text, _ := parseMail(t, r.Value)
	if irt, _ := hdr.MsgIDList("In-Reply-To"); len(irt) != 1 || irt[0] != "d1@example.org" || !strings.Contains(text, "An automated answer.") {
		t.Errorf("outbox mail %v %q", irt, text)
	}
	d, ok := h.delivery(conv.ID + "/" + m.ID)
	if !ok || d.State != DeliverySent || !strings.Contains(d.Detail, "outbox") {
		t.Errorf("delivery %+v", d)
	}
}

func TestTranscriptByEmail(t *testing.T) {
	t.Parallel()
	h := newHarness(t, options{})
	// A webchat conversation with a few messages.
	now := civicdesk.Now()
	conv, _, err := h.store.OpenConversation(h.ctx, civicdesk.Conversation{ID: civicdesk.NewID("cv"), ContactID: "ct_web", Channel: civicdesk.ChannelWebchat,
		State: civicdesk.StateBot, Priority: 10, CreatedAt: now, UpdatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range []civicdesk.Message{
		{Author: civicdesk.Author{Kind: civicdesk.AuthorCitizen}, Text: "How do I renew my licence?"},
		{Author: civicdesk.Author{Kind: civicdesk.AuthorBot, Name: "Assistant"}, Text: "Connecting you with a person."},
		{Author: civicdesk.Author{Kind: civicdesk.AuthorSystem}, Text: "internal routing note"},
		{Author: civicdesk.Author{Kind: civicdesk.AuthorAgent, Name: "Casey"}, Text: "You can renew online <here>."},
	} {
		m.ID, m.ConversationID, m.Channel, m.CreatedAt, m.Seq = civicdesk.NewID("msg"), conv.ID, civicdesk.ChannelWebchat, now, uint64(i+1)
		if _, err := h.store.InsertMessage(h.ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	data, dedupe, err := TranscriptRequest(conv, "Visitor <visitor@example.org>")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.bus.Publish(h.ctx, TranscriptSubject(conv.ID), data, dedupe); err != nil {
		t.Fatal(err)
	}
	// Asking twice sends one transcript.
	if _, _, err := h.bus.Publish(h.ctx, TranscriptSubject(conv.ID), data, dedupe+":again"); err != nil {
		t.Fatal(err)
	}
	sent := h.relay.waitMails(t, 1)[0]
	if sent.to[0] != "visitor@example.org" {
		t.Errorf("sent to %v", sent.to)
	}
	hdr, text, html := parseMail(t, sent.data)
	for _, s := range []string{"You:\nHow do I renew my licence?", "Assistant:\nConnecting you", "Casey:\nYou can renew online <here>."} {
		if !strings.Contains(strings.ReplaceAll(text, "\r\n", "\n"), s) {
			t.Errorf("transcript lacks %q:\n%s", s, text)
		}
	}
	if strings.Contains(text, "internal routing note") || !strings.Contains(html, "&lt;here&gt;") {
		t.Errorf("transcript text/html wrong")
	}
	if s, _ := hdr.Subject(); s != "Transcript of your conversation" || hdr.Get("Auto-Submitted") != "auto-generated" {
		t.Errorf("subject %q", s)
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(h.relay.mails()); n != 1 {
		t.Errorf("%d transcripts sent", n)
	}
	eventually(t, "transcript delivery state", func() bool {
		d, ok := h.delivery(conv.ID + "/transcript")
		return ok && d.State == DeliverySent
	})
}

func TestWriteMailEncodesHeaders(t *testing.T) {
	ch, err := New(Config{Domain: domain, FromName: "Servicios de la Ciudad"}, nil, nil, discardLog())
	if err != nil {
		t.Fatal(err)
	}
	raw, err := ch.writeMail(outMail{MessageID: "m1@" + domain, To: mail.Address{Name: "José Núñez", Address: "jose@example.org"},
		Subject: "Re: Solicitud de vivienda – año 2024", Text: "Hola José"})
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\r\n") {
		for _, r := range line {
			if r > 127 {
				t.Fatalf("non-ASCII header or body line %q", line)
			}
		}
		if line == "" {
			break
		}
	}
	p, err := Parse(raw, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Subject != "Re: Solicitud de vivienda – año 2024" || p.Text != "Hola José" {
		t.Errorf("round trip: %q %q", p.Subject, p.Text)
	}
}
