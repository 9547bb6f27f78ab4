package email

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/emersion/go-smtp"
)

func TestInboundCorpusOpensConversations(t *testing.T) {
	t.Parallel()
	h := newHarness(t, options{noRelay: true})
	cases := []struct {
		file, from, text string
		atts             int
	}{
		{"plain.eml", "maria.lopez@example.org", "Subject: Question about my property tax bill\n\nHello,", 0},
		{"html_only.eml", "tom.baker@example.net", "large pothole at Main St & 3rd Ave.", 0},
		{"latin1_qp.eml", "helene.dubois@example.fr", "Où dois-je envoyer les documents ?", 0},
		{"chinese_base64.eml", "xiaoming.wang@example.cn", "Subject: 住房补助申请\n\n您好，", 0},
		{"shift_jis.eml", "taro.yamada@example.jp", "粗大ごみの収集日を教えてください。", 0},
		{"rfc2047_subject.eml", "juergen@example.de", "Subject: Antrag auf Wohngeld – fehlende Unterlagen für März", 0},
		{"attachment_pdf.eml", "ana.silva@example.com", "site plan for my building permit application", 2},
	}
	for _, tc := range cases {
		h.mustSend(tc.from, []string{"help@" + domain}, readEML(t, tc.file))
	}
	for _, tc := range cases {
		conv := h.onlyConversation(tc.from)
		if conv.Channel != civicdesk.ChannelEmail || conv.State != civicdesk.StateBot {
			t.Errorf("%s: conversation %+v", tc.file, conv)
		}
		ms := h.waitMessages(conv.ID, 1)
		m := ms[0]
		if !strings.Contains(m.Text, tc.text) {
			t.Errorf("%s: text %q lacks %q", tc.file, m.Text, tc.text)
		}
		if m.Author.Kind != civicdesk.AuthorCitizen || m.Channel != civicdesk.ChannelEmail || m.ContactID != conv.ContactID {
			t.Errorf("%s: message %+v", tc.file, m)
		}
		if len(m.Attachments) != tc.atts {
			t.Errorf("%s: %d attachments", tc.file, len(m.Attachments))
		}
		if _, ok := h.record(KindRaw, m.ID); !ok {
			t.Errorf("%s: raw message not kept", tc.file)
		}
		contact, err := h.store.GetContact(h.ctx, conv.ContactID)
		if err != nil || !strings.EqualFold(contact.Email, tc.from) {
			t.Errorf("%s: contact %+v %v", tc.file, contact, err)
		}
	}
	// The attachments are served from records, through the desk.
	conv := h.onlyConversation("ana.silva@example.com")
	m := h.messages(conv.ID)[0]
	pdf := m.Attachments[0]
	if pdf.Name != "site-plan.pdf" || pdf.ContentType != "application/pdf" || pdf.URL != "/api/v1/channels/email/attachments/"+pdf.ID {
		t.Errorf("attachment %+v", pdf)
	}
	info, data, err := h.ch.Attachment(h.ctx, pdf.ID)
	if err != nil || !bytes.HasPrefix(data, []byte("%PDF-1.4")) || info.ConversationID != conv.ID || info.MessageID != m.ID || int64(len(data)) != pdf.Size {
		t.Errorf("attachment fetch: %+v %v", info, err)
	}
	// The raw record is the message exactly as received.
	raw, _ := h.record(KindRaw, m.ID)
	if !bytes.Equal(raw.Value, readEML(t, "attachment_pdf.eml")) {
		t.Error("raw record differs from the message sent")
	}
}

func TestSameSenderOneContactAndConversation(t *testing.T) {
	t.Parallel()
	h := newHarness(t, options{noRelay: true})
	h.mustSend("a@example.org", []string{"help@" + domain}, mailFrom("Ann <Ann.Example@Example.org>", "help@"+domain, "Tax", "one@example.org", nil, "first"))
	h.mustSend("a@example.org", []string{"taxes@" + strings.ToUpper(domain)}, mailFrom("ann.example@example.org", "taxes@"+domain, "Tax again", "two@example.org", nil, "second"))
	conv := h.onlyConversation("ann.example@example.org")
	ms := h.waitMessages(conv.ID, 2)
	if !strings.HasPrefix(ms[0].Text, "Subject: Tax\n\nfirst") || !strings.HasPrefix(ms[1].Text, "Subject: Tax again\n\nsecond") {
		t.Errorf("texts %q, %q", ms[0].Text, ms[1].Text)
	}
	// A reply with the same subject does not repeat it.
	h.mustSend("a@example.org", []string{"help@" + domain}, mailFrom("ann.example@example.org", "help@"+domain, "Re: Tax again", "three@example.org", nil, "third"))
	ms = h.waitMessages(conv.ID, 3)
	if ms[2].Text != "third" {
		t.Errorf("third text %q", ms[2].Text)
	}
}

// gateBus holds inbound publishes until released, and can fail them.
type gateBus struct {
	Bus
	gate  chan struct{}
	fail  atomic.Bool
	acked atomic.Int32
}

func (g *gateBus) Publish(ctx context.Context, subject string, data []byte, msgID string) (uint64, bool, error) {
	if strings.HasPrefix(subject, "cd.in.email.") {
		if g.fail.Load() {
			return 0, false, civicdesk.Errorf(civicdesk.CodeUnavailable, "the message could not be stored, try again")
		}
		<-g.gate
		seq, dup, err := g.Bus.Publish(ctx, subject, data, msgID)
		if err == nil {
			g.acked.Add(1)
		}
		return seq, dup, err
	}
	return g.Bus.Publish(ctx, subject, data, msgID)
}

func TestReply250OnlyAfterDurableAccept(t *testing.T) {
	t.Parallel()
	g := &gateBus{gate: make(chan struct{})}
	h := newHarness(t, options{noRelay: true, wrapBus: func(b Bus) Bus { g.Bus = b; return g }})
	raw := mailFrom("cit@example.org", "help@"+domain, "Hello", "gate@example.org", nil, "please help")

	// JetStream does not answer: the MTA gets a temporary failure and
	// keeps the message.
	g.fail.Store(true)
	err := h.send("cit@example.org", []string{"help@" + domain}, raw)
	if smtpCode(err) != 451 {
		t.Fatalf("send while the bus fails: %v, want 451", err)
	}
	g.fail.Store(false)

	done := make(chan error, 1)
	go func() { done <- h.send("cit@example.org", []string{"help@" + domain}, raw) }()
	select {
	case err := <-done:
		t.Fatalf("SMTP answered (%v) before JetStream stored the message", err)
	case <-time.After(300 * time.Millisecond):
	}
	if g.acked.Load() != 0 {
		t.Fatal("published before the gate opened")
	}
	close(g.gate)
	if err := <-done; err != nil {
		t.Fatalf("send: %v", err)
	}
	if g.acked.Load() != 1 {
		t.Fatalf("250 given with %d acknowledged publishes", g.acked.Load())
	}
	conv := h.onlyConversation("cit@example.org")
	h.waitMessages(conv.ID, 1)
}

func TestDedupeByMessageID(t *testing.T) {
	t.Parallel()
	h := newHarness(t, options{noRelay: true})
	raw := readEML(t, "plain.eml")
	h.mustSend("maria.lopez@example.org", []string{"help@" + domain}, raw)
	conv := h.onlyConversation("maria.lopez@example.org")
	h.waitMessages(conv.ID, 1)
	// The same mail again (an MTA retry after a lost 250), and again with
	// other transport headers: same Message-ID, nothing new.
	h.mustSend("maria.lopez@example.org", []string{"help@" + domain}, raw)
	h.mustSend("maria.lopez@example.org", []string{"help@" + domain}, append([]byte("Received: from relay2.example.org\r\n"), raw...))
	// Without a Message-ID, the bytes are the identity.
	noID := mailFrom("maria.lopez@example.org", "help@"+domain, "No id", "", nil, "same bytes twice")
	h.mustSend("maria.lopez@example.org", []string{"help@" + domain}, noID)
	h.mustSend("maria.lopez@example.org", []string{"help@" + domain}, noID)
	h.waitMessages(conv.ID, 2)
	time.Sleep(300 * time.Millisecond)
	if ms := h.messages(conv.ID); len(ms) != 2 {
		t.Fatalf("%d messages, want 2", len(ms))
	}
	ms := h.messages(conv.ID)
	if len(ms) != 2 {
		t.Fatalf("%d messages, want 2", len(ms))
	}
	if !strings.HasPrefix(ms[1].ClientMessageID, "sha256:") {
		t.Errorf("client id %q", ms[1].ClientMessageID)
	}
}

func TestOversizeGets552AndServerStaysHealthy(t *testing.T) {
	t.Parallel()
	h := newHarness(t, options{noRelay: true}) // default limit: 10 MB
	before := counterValue(rejected.WithLabelValues("too_large"))
	huge := mailFrom("big@example.org", "help@"+domain, "Scans", "big@example.org", nil, strings.Repeat("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef012345678\n", 30<<20/75))
	err := h.send("big@example.org", []string{"help@" + domain}, huge)
	if smtpCode(err) != 552 {
		t.Fatalf("30 MB message: %v, want 552", err)
	}
	if got := counterValue(rejected.WithLabelValues("too_large")); got != before+1 {
		t.Errorf("too_large counter %v → %v", before, got)
	}
	// Announced size over the limit is refused at MAIL FROM.
	c, err := smtp.Dial(h.smtp)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Mail("big@example.org", &smtp.MailOptions{Size: 11 << 20}); smtpCode(err) != 552 {
		t.Errorf("MAIL FROM SIZE=11MB: %v, want 552", err)
	}
	// The server still works.
	h.mustSend("small@example.org", []string{"help@" + domain}, mailFrom("small@example.org", "help@"+domain, "Small", "small@example.org", nil, "fine"))
	h.waitMessages(h.onlyConversation("small@example.org").ID, 1)
	if cs := h.conversations("big@example.org"); len(cs) != 0 {
		t.Errorf("oversize mail opened %d conversations", len(cs))
	}
}

func TestOtherDomainsGet550(t *testing.T) {
	t.Parallel()
	h := newHarness(t, options{noRelay: true})
	raw := mailFrom("x@example.org", "someone@example.com", "Relay?", "relay@example.org", nil, "open relay test")
	for _, rcpt := range []string{"someone@example.com", "help@sub." + domain, "help@" + domain + ".evil.example"} {
		if err := h.send("x@example.org", []string{rcpt}, raw); smtpCode(err) != 550 {
			t.Errorf("RCPT %s: %v, want 550", rcpt, err)
		}
	}
	if err := h.send("x@example.org", []string{"nodomain"}, raw); smtpCode(err)/100 != 5 {
		t.Errorf("RCPT without a domain: %v, want 5xx", err)
	}
	if err := h.send("x@example.org", []string{"Help@CivicDesk.Localhost"}, raw); err != nil {
		t.Errorf("mixed-case domain refused: %v", err)
	}
}

func TestThreadingByHeadersAndReplyToken(t *testing.T) {
	t.Parallel()
	h := newHarness(t, options{})
	citizen := "maria.lopez@example.org"
	h.mustSend(citizen, []string{"help@" + domain}, readEML(t, "plain.eml"))
	conv := h.onlyConversation(citizen)
	h.waitMessages(conv.ID, 1)

	// A caseworker answers; the mail reaches the citizen.
	reply := h.reply(conv, civicdesk.AuthorAgent, "Hello Maria, what is your parcel number?")
	sent := h.relay.waitMails(t, 1)[0]
	hdr, _, _ := parseMail(t, sent.data)
	ourID, _ := hdr.MessageID()
	if ourID != reply.ID+"@"+domain {
		t.Fatalf("Message-ID %q", ourID)
	}
	replyTo, _ := hdr.AddressList("Reply-To")
	token := replyToken(replyTo[0].Address)
	if token == "" {
		t.Fatalf("Reply-To %v has no token", replyTo)
	}

	// 1. The citizen's mail client replies to help@ with In-Reply-To and
	// References (Gmail-style).
	h.mustSend(citizen, []string{"help@" + domain}, mailFrom(citizen, "help@"+domain, "Re: Question about my property tax bill", "r1@mail.example.org",
		map[string]string{"In-Reply-To": "<" + ourID + ">", "References": "<CAFx1plain001@mail.example.org> <" + ourID + ">"},
		"It is 2024-0042.\n\nOn Mon, May 13, 2024 at 10:00 AM CivicDesk <help@civicdesk.localhost> wrote:\n> Hello Maria, what is your parcel number?\n"))
	// 2. A client that drops the headers but writes to the Reply-To address.
	h.mustSend(citizen, []string{"reply+" + token + "@" + domain}, mailFrom(citizen, "reply+"+token+"@"+domain, "New subject entirely", "r2@mail.example.org", nil, "Also, my neighbour has the same issue."))
	// 3. A reply from another address, even one that refers to our mail,
	// is not the citizen's: nothing proves who wrote it, so it is that
	// address's own first mail.
	h.mustSend("maria@work.example", []string{"help@" + domain}, mailFrom("maria@work.example", "help@"+domain, "Re: Question", "r3@work.example",
		map[string]string{"References": "<" + ourID + ">"}, "Sent from work."))

	h.waitMessages(conv.ID, 4)
	work := h.onlyConversation("maria@work.example")
	if wm := h.waitMessages(work.ID, 1); wm[0].ContactID != ContactID("maria@work.example") || wm[0].Text != "Subject: Re: Question\n\nSent from work." {
		t.Errorf("mail from another address: %+v", wm[0])
	}
	time.Sleep(300 * time.Millisecond)
	ms := h.messages(conv.ID)
	if len(ms) != 4 {
		t.Fatalf("%d messages in the conversation", len(ms))
	}
	if ms[2].Text != "It is 2024-0042." {
		t.Errorf("trimmed reply %q", ms[2].Text)
	}
	if !strings.Contains(ms[3].Text, "neighbour") || !strings.HasPrefix(ms[3].Text, "Subject: New subject entirely") {
		t.Errorf("token reply %q", ms[3].Text)
	}
	if cs := h.conversations(citizen); len(cs) != 1 {
		t.Errorf("%d conversations", len(cs))
	}
	// The original and every reply are thread references.
	for _, id := range []string{"CAFx1plain001@mail.example.org", ourID, "r1@mail.example.org", "r2@mail.example.org"} {
		if r, ok := h.record(KindThread, id); !ok || string(r.Value) != conv.ID {
			t.Errorf("thread record %s missing", id)
		}
	}
	if r, ok := h.record(KindThread, "r3@work.example"); !ok || string(r.Value) != work.ID {
		t.Errorf("thread record of the mail from another address: %q", r.Value)
	}
}

func TestClosedConversations(t *testing.T) {
	t.Parallel()
	h := newHarness(t, options{noRelay: true})
	citizen := "sam@example.org"
	h.mustSend(citizen, []string{"help@" + domain}, mailFrom(citizen, "help@"+domain, "Permit", "p1@example.org", nil, "first question"))
	first := h.onlyConversation(citizen)
	h.waitMessages(first.ID, 1)
	now := civicdesk.Now()
	first.State, first.ClosedAt = civicdesk.StateClosed, &now
	if err := h.store.PutConversation(h.ctx, first); err != nil {
		t.Fatal(err)
	}

	// A new subject after close opens a new conversation.
	h.mustSend(citizen, []string{"help@" + domain}, mailFrom(citizen, "help@"+domain, "Parking", "p2@example.org", nil, "another matter"))
	var second civicdesk.Conversation
	eventually(t, "a second conversation", func() bool {
		for _, c := range h.conversations(citizen) {
			if c.ID != first.ID {
				second = c
				return true
			}
		}
		return false
	})
	h.waitMessages(second.ID, 1)
	now = civicdesk.Now()
	second.State, second.ClosedAt = civicdesk.StateClosed, &now
	if err := h.store.PutConversation(h.ctx, second); err != nil {
		t.Fatal(err)
	}

	// A late reply to the closed first conversation cannot reopen it: it
	// opens a new one, linked to the old.
	h.mustSend(citizen, []string{"help@" + domain}, mailFrom(citizen, "help@"+domain, "Re: Permit", "p3@example.org",
		map[string]string{"In-Reply-To": "<p1@example.org>"}, "one more thing about the permit"))
	var third civicdesk.Conversation
	eventually(t, "a third conversation", func() bool {
		for _, c := range h.conversations(citizen) {
			if c.ID != first.ID && c.ID != second.ID {
				third = c
				return true
			}
		}
		return false
	})
	ms := h.waitMessages(third.ID, 1)
	if !strings.Contains(ms[0].Text, "one more thing") {
		t.Errorf("text %q", ms[0].Text)
	}
	if _, ok := h.record(KindLink, third.ID+"/"+first.ID); !ok {
		t.Error("no link from the new conversation to the closed one")
	}
	if got := h.messages(first.ID); len(got) != 1 {
		t.Errorf("closed conversation got %d messages", len(got))
	}
}

func TestLoopSafety(t *testing.T) {
	t.Parallel()
	h := newHarness(t, options{})
	droppedBefore := counterValue(dropped.WithLabelValues(AutoReply)) + counterValue(dropped.WithLabelValues(AutoBounce)) +
		counterValue(dropped.WithLabelValues(AutoList))

	// Automatic mail that belongs to no conversation opens nothing.
	h.mustSend("peter.novak@contoso.example", []string{"help@" + domain}, readEML(t, "auto_reply.eml"))
	h.mustSend("", []string{"help@" + domain}, readEML(t, "bounce.eml"))
	h.mustSend("news@lists.example.gov", []string{"help@" + domain}, readEML(t, "mailing_list.eml"))
	// A person-looking mail with a null envelope sender is a notification.
	h.mustSend("", []string{"help@" + domain}, mailFrom("someone@example.org", "help@"+domain, "Hi", "null@example.org", nil, "hello"))
	droppedAfter := counterValue(dropped.WithLabelValues(AutoReply)) + counterValue(dropped.WithLabelValues(AutoBounce)) +
		counterValue(dropped.WithLabelValues(AutoList))
	if droppedAfter-droppedBefore != 4 {
		t.Errorf("dropped counter rose by %v, want 4", droppedAfter-droppedBefore)
	}
	for _, a := range []string{"peter.novak@contoso.example", "MAILER-DAEMON@mx.example.org", "news@lists.example.gov", "someone@example.org"} {
		if cs := h.conversations(a); len(cs) != 0 {
			t.Errorf("%s: automatic mail opened a conversation", a)
		}
	}

	// Now a real conversation, answered once by the bot.
	citizen := "peter.novak@contoso.example"
	h.mustSend(citizen, []string{"help@" + domain}, mailFrom(citizen, "help@"+domain, "Your message to us", "pn1@contoso.example", nil, "my bill is wrong"))
	conv := h.onlyConversation(citizen)
	h.waitMessages(conv.ID, 1)
	botMsg := h.reply(conv, civicdesk.AuthorBot, "I'm connecting you with a person.")
	sent := h.relay.waitMails(t, 1)
	hdr, _, _ := parseMail(t, sent[0].data)
	if hdr.Get("Auto-Submitted") != "auto-replied" {
		t.Errorf("bot mail Auto-Submitted = %q", hdr.Get("Auto-Submitted"))
	}
	ourID := botMsg.ID + "@" + domain

	// The out-of-office answer to it is recorded, flagged, and not answered.
	oof := bytes.ReplaceAll(readEML(t, "auto_reply.eml"), []byte("msg_oof_target@civicdesk.localhost"), []byte(ourID))
	h.mustSend(citizen, []string{"help@" + domain}, oof)
	ms := h.waitMessages(conv.ID, 3)
	auto := ms[2]
	if auto.Author.Kind != civicdesk.AuthorSystem || !strings.Contains(auto.Text, "out of the office") {
		t.Fatalf("auto-reply recorded as %+v", auto)
	}
	r, ok := h.record(KindMessage, auto.ID)
	var info MessageInfo
	if !ok || json.Unmarshal(r.Value, &info) != nil || info.Automated != AutoReply {
		t.Errorf("auto-reply not flagged: %s", r.Value)
	}
	// The bounce of our mail marks its delivery failed and is recorded.
	bounce := bytes.ReplaceAll(readEML(t, "bounce.eml"), []byte("msg_bounced_target@civicdesk.localhost"), []byte(ourID))
	h.mustSend("", []string{"help@" + domain}, bounce)
	h.waitMessages(conv.ID, 4)
	eventually(t, "bounce recorded as a failed delivery", func() bool {
		d, ok := h.delivery(conv.ID + "/" + botMsg.ID)
		return ok && d.State == DeliveryFailed && strings.Contains(d.Detail, "bounce")
	})
	// The outbound consumer saw the system messages and sent nothing.
	time.Sleep(500 * time.Millisecond)
	if n := len(h.relay.mails()); n != 1 {
		t.Errorf("%d mails sent, want only the bot's one", n)
	}
	// Our own mail coming back (a forwarding loop) is never recorded.
	n := len(h.messages(conv.ID))
	h.mustSend("help@"+domain, []string{"help@" + domain}, sent[0].data)
	time.Sleep(300 * time.Millisecond)
	if got := len(h.messages(conv.ID)); got != n {
		t.Errorf("our own mail was recorded: %d → %d messages", n, got)
	}
	// An automatic reply to a closed conversation opens nothing either.
	now := civicdesk.Now()
	conv, _ = h.store.GetConversation(h.ctx, conv.ID)
	conv.State, conv.ClosedAt = civicdesk.StateClosed, &now
	if err := h.store.PutConversation(h.ctx, conv); err != nil {
		t.Fatal(err)
	}
	h.mustSend(citizen, []string{"help@" + domain}, bytes.ReplaceAll(oof, []byte("oof-0001@"), []byte("oof-0002@")))
	time.Sleep(300 * time.Millisecond)
	if cs := h.conversations(citizen); len(cs) != 1 {
		t.Errorf("auto-reply to a closed conversation opened one: %d", len(cs))
	}
}

func TestSTARTTLS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certFile, keyFile := writeCert(t, dir)
	h := newHarness(t, options{noRelay: true, cfg: Config{TLSCertFile: certFile, TLSKeyFile: keyFile}})
	c, err := smtp.Dial(h.smtp)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); !ok {
		t.Fatal("STARTTLS not offered")
	}
	conn, err := net.Dial("tcp", h.smtp)
	if err != nil {
		t.Fatal(err)
	}
	tc, err := smtp.NewClientStartTLS(conn, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // test certificate
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	if _, ok := tc.TLSConnectionState(); !ok {
		t.Fatal("no TLS after STARTTLS")
	}
	raw := mailFrom("tls@example.org", "help@"+domain, "Secure", "tls1@example.org", nil, "over TLS")
	if err := tc.SendMail("tls@example.org", []string{"help@" + domain}, bytes.NewReader(raw)); err != nil {
		t.Fatal(err)
	}
	h.waitMessages(h.onlyConversation("tls@example.org").ID, 1)

	// Without a certificate there is no STARTTLS.
	plain := newHarness(t, options{noRelay: true})
	c2, err := smtp.Dial(plain.smtp)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if ok, _ := c2.Extension("STARTTLS"); ok {
		t.Error("STARTTLS offered without a certificate")
	}
	if _, err := New(Config{TLSCertFile: certFile}, h.store, h.bus, h.ch.log); err == nil {
		t.Error("a certificate without a key was accepted")
	}
}

func writeCert(t *testing.T, dir string) (string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: domain}, DNSNames: []string{domain},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

func TestConcurrentSendersOneConversationEach(t *testing.T) {
	t.Parallel()
	h := newHarness(t, options{noRelay: true})
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			from := []string{"one@example.org", "two@example.org"}[i%2]
			raw := mailFrom(from, "help@"+domain, "Concurrent", strings.Repeat("x", i+1)+"@example.org", nil, "message")
			if err := h.send(from, []string{"help@" + domain}, raw); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, from := range []string{"one@example.org", "two@example.org"} {
		conv := h.onlyConversation(from)
		h.waitMessages(conv.ID, 10)
	}
}

// A stranger who knows a Message-ID of a citizen's thread (or its reply
// token) must not get a mail into that citizen's conversation: it is the
// stranger's own message, in the stranger's own conversation. The
// citizen's own replies still thread, whatever the case of the address.
func TestStrangerCannotThreadIntoCitizensConversation(t *testing.T) {
	t.Parallel()
	h := newHarness(t, options{})
	citizen, attacker := "maria.lopez@example.org", "attacker@evil.example"
	h.mustSend(citizen, []string{"help@" + domain}, mailFrom("Maria Lopez <"+citizen+">", "help@"+domain, "Property tax", "abc123@example.org", nil, "my bill is wrong"))
	conv := h.onlyConversation(citizen)
	h.waitMessages(conv.ID, 1)
	// A caseworker answers, so that the conversation has a reply token
	// and one of our Message-IDs too.
	h.reply(conv, civicdesk.AuthorAgent, "Which parcel is it?")
	sent := h.relay.waitMails(t, 1)[0]
	hdr, _, _ := parseMail(t, sent.data)
	ourID, _ := hdr.MessageID()
	replyTo, _ := hdr.AddressList("Reply-To")
	token := replyToken(replyTo[0].Address)
	if token == "" {
		t.Fatalf("Reply-To %v has no token", replyTo)
	}
	h.waitMessages(conv.ID, 2)

	// The stranger replies by In-Reply-To to the citizen's mail, by
	// References to ours, and to the reply token address: each is taken
	// (250), and each is the stranger's own.
	h.mustSend(attacker, []string{"help@" + domain}, mailFrom("Attacker <"+attacker+">", "help@"+domain, "Re: Property tax", "evil1@evil.example",
		map[string]string{"In-Reply-To": "<abc123@example.org>"}, "Please send the refund to my new account."))
	h.mustSend(attacker, []string{"help@" + domain}, mailFrom("Attacker <"+attacker+">", "help@"+domain, "Re: Property tax", "evil2@evil.example",
		map[string]string{"References": "<abc123@example.org> <" + ourID + ">"}, "My new address is 1 Evil Way."))
	h.mustSend(attacker, []string{"reply+" + token + "@" + domain}, mailFrom("Attacker <"+attacker+">", "reply+"+token+"@"+domain, "Re: Property tax", "evil3@evil.example",
		nil, "Call me on my new number."))
	// The MAIL FROM may even be the citizen's: the From header decides.
	h.mustSend(citizen, []string{"help@" + domain}, mailFrom("Attacker <"+attacker+">", "help@"+domain, "Re: Property tax", "evil4@evil.example",
		map[string]string{"In-Reply-To": "<abc123@example.org>"}, "Ignore my earlier mails."))

	// A forged bounce (null sender) that names the citizen's mail, not one
	// of ours, is dropped rather than recorded in the conversation.
	h.mustSend("", []string{"help@" + domain}, mailFrom("MAILER-DAEMON@evil.example", "help@"+domain, "Undelivered Mail Returned to Sender", "evil5@evil.example",
		map[string]string{"In-Reply-To": "<abc123@example.org>"}, "Your new account number is wrong."))

	// The citizen's own reply, in other capitals, still threads.
	h.mustSend("Maria.Lopez@Example.ORG", []string{"help@" + domain}, mailFrom("Maria Lopez <Maria.Lopez@EXAMPLE.org>", "help@"+domain, "Re: Property tax", "r1@example.org",
		map[string]string{"In-Reply-To": "<" + ourID + ">"}, "It is parcel 2024-0042."))
	h.waitMessages(conv.ID, 3)

	mine := h.onlyConversation(attacker)
	if mine.ID == conv.ID || mine.ContactID == conv.ContactID || mine.ContactID != ContactID(attacker) {
		t.Fatalf("the stranger's conversation %+v, the citizen's %+v", mine, conv)
	}
	theirs := h.waitMessages(mine.ID, 4)
	for _, m := range theirs {
		if m.ContactID != ContactID(attacker) || m.Author.Kind != civicdesk.AuthorCitizen || m.Author.Name != "Attacker" {
			t.Errorf("stranger's message %s: contact %q author %+v", m.ClientMessageID, m.ContactID, m.Author)
		}
	}
	// Nothing of theirs in the citizen's conversation, nor under the
	// citizen's contact, nor linked to it.
	time.Sleep(300 * time.Millisecond)
	ms := h.messages(conv.ID)
	if len(ms) != 3 {
		t.Errorf("%d messages in the citizen's conversation, want 3", len(ms))
	}
	for _, m := range ms {
		if strings.HasSuffix(m.ClientMessageID, "@evil.example") || strings.Contains(m.Text, "new") {
			t.Errorf("the stranger's mail %s landed in the citizen's conversation: %+v", m.ClientMessageID, m)
		}
	}
	if last := ms[len(ms)-1]; last.Text != "It is parcel 2024-0042." || last.ContactID != conv.ContactID || last.Author.Kind != civicdesk.AuthorCitizen {
		t.Errorf("the citizen's reply: %+v", last)
	}
	if cs := h.conversations(citizen); len(cs) != 1 {
		t.Errorf("the citizen has %d conversations", len(cs))
	}
	for _, id := range []string{"evil1@evil.example", "evil2@evil.example", "evil3@evil.example", "evil4@evil.example"} {
		if r, ok := h.record(KindThread, id); !ok || string(r.Value) != mine.ID {
			t.Errorf("thread record %s: %q, want the stranger's conversation", id, r.Value)
		}
	}
	if links, err := h.store.ListRecords(h.ctx, KindLink, mine.ID+"/", 0); err != nil || len(links) != 0 {
		t.Errorf("links from the stranger's conversation: %v %v", links, err)
	}
}

// A conversation whose contact is not keyed by its address (the widget's
// "leave a message" sets the address on the visitor's contact) takes the
// replies of that address and of no other.
func TestThreadingChecksTheContactsAddress(t *testing.T) {
	t.Parallel()
	h := newHarness(t, options{noRelay: true})
	now := civicdesk.Now()
	contact := civicdesk.Contact{ID: "ct_visitor_1", Name: "Vic", Email: " Vic.Visitor@Example.org ", CreatedAt: now}
	if err := h.store.CreateContact(h.ctx, contact); err != nil {
		t.Fatal(err)
	}
	conv, _, err := h.store.OpenConversation(h.ctx, civicdesk.Conversation{ID: civicdesk.NewID("cv"), ContactID: contact.ID,
		Channel: civicdesk.ChannelEmail, State: civicdesk.StateQueued, CreatedAt: now, UpdatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	ours := "msg_left01@" + domain
	if err := h.store.PutRecord(h.ctx, civicdesk.Record{Kind: KindThread, Key: ours, Value: []byte(conv.ID), UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	irt := map[string]string{"In-Reply-To": "<" + ours + ">"}
	h.mustSend("x@example.net", []string{"help@" + domain}, mailFrom("Other <x@example.net>", "help@"+domain, "Re: Your message to us", "o1@example.net", irt, "not Vic"))
	h.mustSend("vic.visitor@example.org", []string{"help@" + domain}, mailFrom("VIC.VISITOR@example.org", "help@"+domain, "Re: Your message to us", "v1@example.org", irt, "thanks"))
	ms := h.waitMessages(conv.ID, 1)
	if ms[0].Text != "Subject: Re: Your message to us\n\nthanks" || ms[0].ContactID != contact.ID {
		t.Errorf("the visitor's reply: %+v", ms[0])
	}
	other := h.onlyConversation("x@example.net")
	if om := h.waitMessages(other.ID, 1); om[0].ContactID != ContactID("x@example.net") {
		t.Errorf("the other sender's mail: %+v", om[0])
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(h.messages(conv.ID)); n != 1 {
		t.Errorf("%d messages in the visitor's conversation, want 1", n)
	}
}

func TestSameAddress(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"maria@example.org", "Maria@Example.ORG", true},
		{" <maria@example.org> ", "Maria Lopez <maria@example.org>", true},
		{"maria@example.org", "maria@example.org.evil.example", false},
		{"maria@example.org", "maria2@example.org", false},
		{"", "", false},
		{"nobody", "nobody", false},
	} {
		if got := sameAddress(tc.a, tc.b); got != tc.want {
			t.Errorf("sameAddress(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
}
