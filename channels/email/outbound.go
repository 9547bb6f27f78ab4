package email

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	stdhtml "html"
	"io"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/internal/metrics"
	gomail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-smtp"
)

// RunOutbound delivers agents' and the bot's messages on email
// conversations until ctx is done: the "email" durable consumer on
// CD_OUTBOUND, subjects cd.out.email.*.
func (c *Channel) RunOutbound(ctx context.Context) error {
	return c.bus.Consume(ctx, civicdesk.ConsumerSpec{Stream: civicdesk.StreamOutbound, Durable: "email",
		Filters: []string{civicdesk.OutboundSubject(civicdesk.ChannelEmail, "*")},
		AckWait: 3*c.cfg.RelayTimeout + 30*time.Second}, c.handleOutbound)
}

func (c *Channel) handleOutbound(ctx context.Context, d civicdesk.Delivery) error {
	var ev civicdesk.Event
	if err := json.Unmarshal(d.Data, &ev); err != nil || ev.Message == nil || ev.Message.ID == "" || ev.Message.ConversationID == "" {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "undecodable outbound email event at seq %d", d.Seq)
	}
	m := *ev.Message
	if m.Author.Kind != civicdesk.AuthorAgent && m.Author.Kind != civicdesk.AuthorBot {
		// System messages (such as recorded auto-replies) are never sent.
		return nil
	}
	key := m.ConversationID + "/" + m.ID
	if done, err := c.has(ctx, KindSent, key); err != nil || done {
		return err
	}
	conv, err := c.store.GetConversation(ctx, m.ConversationID)
	if civicdesk.IsNotFound(err) {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "outbound email for unknown conversation")
	} else if err != nil {
		return err
	}
	contact, err := c.store.GetContact(ctx, conv.ContactID)
	if err != nil && !civicdesk.IsNotFound(err) {
		return err
	}
	to, ok := replyable(contact.Email)
	if !ok {
		c.putDelivery(ctx, key, Delivery{State: DeliveryFailed, Detail: "The citizen has no email address that accepts replies.", At: civicdesk.Now()})
		outbound.WithLabelValues("failed").Inc()
		metrics.DeliveryFailures.WithLabelValues(string(civicdesk.ChannelEmail), "failed").Inc()
		return nil
	}
	to.Name = contact.Name
	raw, header, err := c.buildReply(ctx, conv, m, to)
	if err != nil {
		return err
	}
	return c.dispatch(ctx, d, to.Address, raw, header, KindSent, key, key)
}

// has reports whether a record exists.
func (c *Channel) has(ctx context.Context, kind, key string) (bool, error) {
	_, err := c.store.GetRecord(ctx, kind, key)
	if err == nil {
		return true, nil
	}
	if civicdesk.IsNotFound(err) {
		return false, nil
	}
	return false, err
}

// replyable parses an address we may write to: not a daemon or no-reply
// mailbox, which would only bounce or auto-answer.
func replyable(address string) (*mail.Address, bool) {
	a, err := mail.ParseAddress(strings.TrimSpace(address))
	if err != nil || strings.ContainsAny(a.Address, "\r\n") {
		return nil, false
	}
	local, _, _ := strings.Cut(strings.ToLower(a.Address), "@")
	switch strings.NewReplacer("-", "", "_", "", ".", "").Replace(local) {
	case "mailerdaemon", "postmaster", "noreply", "donotreply", "bounce", "bounces":
		return nil, false
	}
	return &mail.Address{Address: a.Address}, true
}

// OurMessageID is the Message-ID (without brackets) of the email that
// carries message msgID.
func (c *Channel) OurMessageID(msgID string) string { return msgID + "@" + c.cfg.Domain }

// buildReply writes the email for message m of conv, threaded under the
// citizen's mail, and records its thread reference.
func (c *Channel) buildReply(ctx context.Context, conv civicdesk.Conversation, m civicdesk.Message, to *mail.Address) ([]byte, string, error) {
	msgs, err := c.store.ListMessages(ctx, conv.ID, 0, 0)
	if err != nil {
		return nil, "", err
	}
	sentRecs, err := c.store.ListRecords(ctx, KindSent, conv.ID+"/", 0)
	if err != nil {
		return nil, "", err
	}
	sent := map[string]bool{}
	for _, r := range sentRecs {
		sent[strings.TrimPrefix(r.Key, conv.ID+"/")] = true
	}
	var refs []string
	var inReplyTo, lastCitizen string
	for _, x := range msgs {
		if x.ID == m.ID || (m.Seq > 0 && x.Seq > m.Seq) {
			break
		}
		switch {
		case x.Author.Kind == civicdesk.AuthorCitizen && x.Channel == civicdesk.ChannelEmail && isMsgID(x.ClientMessageID):
			refs = append(refs, x.ClientMessageID)
			inReplyTo, lastCitizen = x.ClientMessageID, x.ID
		case sent[x.ID]:
			refs = append(refs, c.OurMessageID(x.ID))
		}
	}
	if len(refs) > 20 {
		refs = append(refs[:1], refs[len(refs)-19:]...)
	}
	subject := ""
	if lastCitizen != "" {
		if r, err := c.store.GetRecord(ctx, KindMessage, lastCitizen); err == nil {
			var info MessageInfo
			if json.Unmarshal(r.Value, &info) == nil {
				subject = info.Subject
			}
		}
	}
	if normalizeSubject(subject) == "" {
		subject = "Your message to us"
	}
	token, err := c.replyTokenFor(ctx, conv.ID)
	if err != nil {
		return nil, "", err
	}
	header := c.OurMessageID(m.ID)
	if _, err := c.store.InsertRecord(ctx, civicdesk.Record{Kind: KindThread, Key: header, Value: []byte(conv.ID), UpdatedAt: civicdesk.Now()}); err != nil {
		return nil, "", fmt.Errorf("email: thread reference: %w", err)
	}
	o := outMail{MessageID: header, InReplyTo: inReplyTo, References: refs, To: *to, Subject: "Re: " + normalizeSubject(subject),
		Text: m.Text, ReplyTo: "reply+" + token + "@" + c.cfg.Domain}
	if m.Author.Kind == civicdesk.AuthorBot {
		o.Auto = "auto-replied"
	}
	raw, err := c.writeMail(o)
	return raw, header, err
}

func isMsgID(s string) bool {
	return s != "" && strings.Contains(s, "@") && !strings.ContainsAny(s, " \t\r\n<>")
}

// replyTokenFor returns the conversation's reply token, creating it once.
func (c *Channel) replyTokenFor(ctx context.Context, convID string) (string, error) {
	if r, err := c.store.GetRecord(ctx, KindConvToken, convID); err == nil {
		return string(r.Value), nil
	} else if !civicdesk.IsNotFound(err) {
		return "", err
	}
	var b [10]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	tok := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
	now := civicdesk.Now()
	if err := c.store.PutRecord(ctx, civicdesk.Record{Kind: KindReplyToken, Key: tok, Value: []byte(convID), UpdatedAt: now}); err != nil {
		return "", err
	}
	inserted, err := c.store.InsertRecord(ctx, civicdesk.Record{Kind: KindConvToken, Key: convID, Value: []byte(tok), UpdatedAt: now})
	if err != nil {
		return "", err
	}
	if !inserted {
		r, err := c.store.GetRecord(ctx, KindConvToken, convID)
		if err != nil {
			return "", err
		}
		return string(r.Value), nil
	}
	return tok, nil
}

// outMail is an email to write.
type outMail struct {
	MessageID  string // without brackets
	InReplyTo  string
	References []string
	To         mail.Address
	Subject    string
	Text       string
	ReplyTo    string
	Auto       string // Auto-Submitted value for automatic mail, "" for a person's
}

// writeMail writes o as multipart/alternative: the text and a simple HTML
// version of it.
func (c *Channel) writeMail(o outMail) ([]byte, error) {
	var h gomail.Header
	h.SetDate(time.Now())
	from := c.from
	h.SetAddressList("From", []*mail.Address{&from})
	to := o.To
	h.SetAddressList("To", []*mail.Address{&to})
	if o.ReplyTo != "" {
		h.SetAddressList("Reply-To", []*mail.Address{{Name: from.Name, Address: o.ReplyTo}})
	}
	h.SetSubject(o.Subject)
	h.SetMessageID(o.MessageID)
	if o.InReplyTo != "" {
		h.SetMsgIDList("In-Reply-To", []string{o.InReplyTo})
	}
	h.SetMsgIDList("References", o.References)
	if o.Auto != "" {
		h.Set("Auto-Submitted", o.Auto)
		h.Set("X-Auto-Response-Suppress", "All")
	}
	var buf bytes.Buffer
	w, err := gomail.CreateInlineWriter(&buf, h)
	if err != nil {
		return nil, fmt.Errorf("email: write mail: %w", err)
	}
	for _, part := range []struct{ ct, body string }{{"text/plain", o.Text}, {"text/html", textToHTML(o.Text)}} {
		var ph gomail.InlineHeader
		ph.SetContentType(part.ct, map[string]string{"charset": "utf-8"})
		pw, err := w.CreatePart(ph)
		if err != nil {
			return nil, fmt.Errorf("email: write mail: %w", err)
		}
		if _, err := io.WriteString(pw, part.body); err != nil {
			return nil, fmt.Errorf("email: write mail: %w", err)
		}
		if err := pw.Close(); err != nil {
			return nil, fmt.Errorf("email: write mail: %w", err)
		}
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("email: write mail: %w", err)
	}
	return buf.Bytes(), nil
}

// textToHTML renders text as escaped paragraphs.
func textToHTML(s string) string {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body>\n")
	for _, para := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		para = strings.Trim(para, "\n")
		if strings.TrimSpace(para) == "" {
			continue
		}
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(stdhtml.EscapeString(para), "\n", "<br>\n"))
		b.WriteString("</p>\n")
	}
	b.WriteString("</body></html>\n")
	return b.String()
}

// dispatch sends raw to the relay (or the outbox), then marks it sent
// under kind/key and records the delivery state under deliveryKey. A
// transient failure returns an error so that JetStream redelivers with
// backoff; a permanent one, or the last attempt, is recorded as failed.
func (c *Channel) dispatch(ctx context.Context, d civicdesk.Delivery, to string, raw []byte, header, kind, key, deliveryKey string) error {
	via := "relay"
	if c.cfg.Relay == "" {
		via = "outbox"
		if err := c.store.PutRecord(ctx, civicdesk.Record{Kind: KindOutbox, Key: key, Value: raw, UpdatedAt: civicdesk.Now()}); err != nil {
			return fmt.Errorf("email: outbox: %w", err)
		}
	} else if err := c.sendRelay(ctx, to, raw); err != nil {
		attempts := int(d.NumDelivered)
		permanent := isPermanent(err)
		if permanent || attempts >= c.cfg.MaxAttempts {
			detail := "The mail server refused the email: " + describe(err)
			if !permanent {
				detail = fmt.Sprintf("The email could not be sent after %d attempts: %s", attempts, describe(err))
			}
			c.putDelivery(ctx, deliveryKey, Delivery{State: DeliveryFailed, Detail: detail, At: civicdesk.Now(), Attempts: attempts})
			outbound.WithLabelValues("failed").Inc()
			metrics.DeliveryFailures.WithLabelValues(string(civicdesk.ChannelEmail), "failed").Inc()
			c.log.Warn("email delivery failed", "key", key, "attempts", attempts, "permanent", permanent, "err", describe(err))
			return nil
		}
		c.putDelivery(ctx, deliveryKey, Delivery{State: DeliveryRetrying, Detail: "Sending is delayed and will be retried: " + describe(err), At: civicdesk.Now(), Attempts: attempts})
		outbound.WithLabelValues("retry").Inc()
		return fmt.Errorf("email: relay (attempt %d): %s", attempts, describe(err))
	}
	info, _ := json.Marshal(SentInfo{MessageIDHeader: header, Via: via, At: civicdesk.Now()})
	var err error
	for i := range 5 {
		// Once the relay has the mail, marking it sent must not fail, or a
		// redelivery would send it twice: insist a little.
		if err = c.store.PutRecord(ctx, civicdesk.Record{Kind: kind, Key: key, Value: info, UpdatedAt: civicdesk.Now()}); err == nil {
			break
		}
		time.Sleep(time.Duration(i+1) * 100 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("email: mark sent: %w", err)
	}
	detail := ""
	if via == "outbox" {
		detail = "No SMTP relay is configured: the email was kept in the outbox."
	}
	c.putDelivery(ctx, deliveryKey, Delivery{State: DeliverySent, Detail: detail, At: civicdesk.Now(), Attempts: int(d.NumDelivered)})
	outbound.WithLabelValues(map[string]string{"relay": "sent", "outbox": "outbox"}[via]).Inc()
	return nil
}

func (c *Channel) putDelivery(ctx context.Context, key string, d Delivery) {
	v, _ := json.Marshal(d)
	if err := c.store.PutRecord(ctx, civicdesk.Record{Kind: KindDelivery, Key: key, Value: v, UpdatedAt: d.At}); err != nil {
		c.log.Warn("delivery state not recorded", "key", key, "err", err)
	}
}

func isPermanent(err error) bool {
	var se *smtp.SMTPError
	return errors.As(err, &se) && se.Code >= 500 && se.Code < 600
}

var addressRE = regexp.MustCompile(`<?[^\s<>@]+@[^\s<>]+>?`)

// describe is an error fit for the desk and the logs: no addresses.
func describe(err error) string {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		msg := addressRE.ReplaceAllString(se.Message, "[address]")
		if len(msg) > 200 {
			msg = msg[:200]
		}
		return strings.TrimSpace(fmt.Sprintf("%d %d.%d.%d %s", se.Code, se.EnhancedCode[0], se.EnhancedCode[1], se.EnhancedCode[2], msg))
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "the mail relay did not answer in time"
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return "the mail relay could not be reached"
	}
	return addressRE.ReplaceAllString(err.Error(), "[address]")
}

// sendRelay hands one mail to the relay, over STARTTLS when it offers it.
func (c *Channel) sendRelay(ctx context.Context, to string, raw []byte) error {
	cl, err := c.dialRelay(ctx)
	if err != nil {
		return err
	}
	defer cl.Close()
	var opts *smtp.MailOptions
	if !isASCII(to) {
		opts = &smtp.MailOptions{UTF8: true}
	}
	if err := cl.Mail(c.from.Address, opts); err != nil {
		return err
	}
	if err := cl.Rcpt(to, nil); err != nil {
		return err
	}
	w, err := cl.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(raw); err != nil {
		_ = w.Close()
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	_ = cl.Quit()
	return nil
}

// dialRelay connects to the relay and says hello; when the relay offers
// STARTTLS it reconnects over it (go-smtp starts TLS only on a fresh
// client).
func (c *Channel) dialRelay(ctx context.Context) (*smtp.Client, error) {
	dial := func() (net.Conn, error) {
		d := net.Dialer{Timeout: c.cfg.RelayTimeout}
		conn, err := d.DialContext(ctx, "tcp", c.cfg.Relay)
		if err != nil {
			return nil, err
		}
		_ = conn.SetDeadline(time.Now().Add(3 * c.cfg.RelayTimeout))
		return conn, nil
	}
	conn, err := dial()
	if err != nil {
		return nil, err
	}
	cl := smtp.NewClient(conn)
	cl.CommandTimeout, cl.SubmissionTimeout = c.cfg.RelayTimeout, 2*c.cfg.RelayTimeout
	if err := cl.Hello(c.cfg.Hostname); err != nil {
		cl.Close()
		return nil, err
	}
	if ok, _ := cl.Extension("STARTTLS"); !ok {
		return cl, nil
	}
	_ = cl.Quit()
	cl.Close()
	if conn, err = dial(); err != nil {
		return nil, err
	}
	host, _, _ := net.SplitHostPort(c.cfg.Relay)
	cl, err = smtp.NewClientStartTLS(conn, &tls.Config{ServerName: host, InsecureSkipVerify: c.cfg.RelayInsecureTLS, MinVersion: tls.VersionTLS12}) //nolint:gosec // opt-in for local sinks
	if err != nil {
		return nil, err
	}
	cl.CommandTimeout, cl.SubmissionTimeout = c.cfg.RelayTimeout, 2*c.cfg.RelayTimeout
	if err := cl.Hello(c.cfg.Hostname); err != nil {
		cl.Close()
		return nil, err
	}
	return cl, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
