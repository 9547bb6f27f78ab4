package email

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/channels"
	"github.com/emersion/go-smtp"
)

// RunSMTP serves inbound SMTP until ctx is done.
func (c *Channel) RunSMTP(ctx context.Context) error {
	if _, err := c.Listen(); err != nil {
		return err
	}
	c.mu.Lock()
	ln := c.ln
	c.mu.Unlock()
	srv := smtp.NewServer(smtp.BackendFunc(c.newSession))
	srv.Domain = c.cfg.Hostname
	srv.MaxMessageBytes = c.cfg.MaxMessageBytes
	srv.MaxRecipients = 50
	// Lines may be longer than RFC 5321's 1000 in the wild (HTML mail).
	srv.MaxLineLength = 1 << 16
	srv.ReadTimeout = 2 * time.Minute
	srv.WriteTimeout = 2 * time.Minute
	srv.EnableSMTPUTF8 = true
	srv.TLSConfig = c.tls
	srv.ErrorLog = smtpLogger{c}
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
		case <-done:
			return
		}
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = ln.Close() // also when Serve has not registered it yet
		if err := srv.Shutdown(sctx); err != nil {
			_ = srv.Close()
		}
	}()
	c.log.Info("SMTP listening", "addr", ln.Addr().String(), "starttls", c.tls != nil)
	err := srv.Serve(ln)
	close(done)
	if ctx.Err() != nil || errors.Is(err, smtp.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// smtpLogger sends go-smtp's connection errors to slog. They name the
// remote address and the error, never a message's content.
type smtpLogger struct{ c *Channel }

func (l smtpLogger) Printf(format string, v ...any) {
	l.c.log.Debug("smtp", "detail", fmt.Sprintf(format, v...))
}
func (l smtpLogger) Println(v ...any) { l.c.log.Debug("smtp", "detail", fmt.Sprint(v...)) }

type session struct {
	c     *Channel
	ip    string
	tls   bool
	from  string
	rcpts []string
}

func (c *Channel) newSession(conn *smtp.Conn) (smtp.Session, error) {
	ip := ""
	if a, ok := conn.Conn().RemoteAddr().(*net.TCPAddr); ok {
		ip = a.IP.String()
	}
	_, isTLS := conn.TLSConnectionState()
	return &session{c: c, ip: ip, tls: isTLS}, nil
}

func (s *session) Reset() { s.from, s.rcpts = "", nil }

func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if !s.c.perIP.Allow(s.ip) {
		rejected.WithLabelValues("rate_limited").Inc()
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "Too many messages from your address; try again later"}
	}
	s.from, s.rcpts = from, nil
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	at := strings.LastIndexByte(to, '@')
	if at < 1 || !strings.EqualFold(to[at+1:], s.c.cfg.Domain) {
		rejected.WithLabelValues("domain").Inc()
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such mailbox here; this server takes mail for " + s.c.cfg.Domain + " only"}
	}
	s.rcpts = append(s.rcpts, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		var se *smtp.SMTPError
		if errors.As(err, &se) {
			if se.Code == 552 {
				rejected.WithLabelValues("too_large").Inc()
			}
			return se
		}
		return errTemporary
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.c.cfg.AcceptTimeout)
	defer cancel()
	return s.c.receive(ctx, envelope{from: s.from, rcpts: s.rcpts}, raw)
}

var (
	errTemporary = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary failure; please try again later"}
	errNoSender  = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 7}, Message: "A sender address is required"}
	errBroken    = &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "The message could not be read"}
)

type envelope struct {
	from  string
	rcpts []string
}

// receive handles one inbound message and returns nil (250) only once it is
// durably accepted, dropped on purpose, or a duplicate. Errors are SMTP
// replies.
func (c *Channel) receive(ctx context.Context, env envelope, raw []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("inbound mail handler panicked", "panic", fmt.Sprint(r))
			err = errBroken
		}
	}()
	p, perr := Parse(raw, Limits{MaxAttachmentBytes: c.cfg.MaxAttachmentBytes, MaxAttachments: c.cfg.MaxAttachments})
	if perr != nil {
		rejected.WithLabelValues("unparsable").Inc()
		return errBroken
	}
	in, err := c.ingest(ctx, env, raw, p)
	if err != nil {
		var se *smtp.SMTPError
		if errors.As(err, &se) {
			return se
		}
		c.log.Warn("inbound mail not accepted, sender will retry", "err", err)
		return errTemporary
	}
	if in.dropped != "" {
		dropped.WithLabelValues(in.dropped).Inc()
		c.log.Info("automatic mail dropped", "reason", in.dropped)
	}
	return nil
}

type ingested struct {
	message civicdesk.Message
	dropped string // why it was dropped, for automatic mail outside any conversation
}

// ingest threads, records and accepts a parsed message.
func (c *Channel) ingest(ctx context.Context, env envelope, raw []byte, p *Parsed) (ingested, error) {
	auto := p.Automated
	if auto == "" && env.from == "" {
		auto = AutoBounce // null reverse-path: a bounce or other notification
	}
	sender := p.From.Address
	if sender == "" {
		sender = env.from
	}
	senderKey := strings.ToLower(strings.TrimSpace(sender))
	if senderKey == strings.ToLower(c.from.Address) || c.isOurs(p.MessageID) {
		// Our own mail come back (a forwarding loop or a spoof): never
		// record it, or we would answer ourselves.
		return ingested{dropped: AutoLoop}, nil
	}
	clientID := p.MessageID
	if clientID == "" {
		sum := sha256.Sum256(raw)
		clientID = "sha256:" + hex.EncodeToString(sum[:])
	}
	id := channels.MessageID(string(civicdesk.ChannelEmail), senderKey, clientID)
	if _, err := c.store.GetMessage(ctx, id); err == nil {
		return ingested{}, nil // the same mail again: already recorded
	} else if !civicdesk.IsNotFound(err) {
		return ingested{}, err
	}

	thread, viaOurs, err := c.findThread(ctx, env.rcpts, p)
	if err != nil {
		return ingested{}, err
	}
	if thread != nil {
		// Knowing a Message-ID of the thread, or its reply token, proves
		// nothing about who writes: only mail from the conversation's own
		// contact joins it. Anyone else's is their own message, in their own
		// conversation, like any first mail. The one exception is a bounce
		// of our own mail, which comes from the mail system, never from the
		// citizen: it is recorded as a system message, never as theirs.
		own, err := c.fromContact(ctx, *thread, sender)
		if err != nil {
			return ingested{}, err
		}
		if !own && !(auto == AutoBounce && viaOurs) {
			c.log.Info("reply from another sender than the conversation's contact is not threaded", "conversation", thread.ID)
			thread = nil
		}
	}
	if auto == AutoBounce {
		c.noteBounce(ctx, p)
	}
	var conv civicdesk.Conversation
	switch {
	case thread != nil && thread.State != civicdesk.StateClosed:
		conv = *thread
	case auto != "":
		// Automatic mail never opens a conversation by itself.
		return ingested{dropped: auto}, nil
	default:
		if senderKey == "" || !strings.Contains(senderKey, "@") {
			rejected.WithLabelValues("no_sender").Inc()
			return ingested{}, errNoSender
		}
		contactID, err := c.ensureContact(ctx, sender, p.From.Name)
		if err != nil {
			return ingested{}, err
		}
		now := civicdesk.Now()
		conv, _, err = c.store.OpenConversation(ctx, civicdesk.Conversation{ID: civicdesk.NewID("cv"), ContactID: contactID,
			Channel: civicdesk.ChannelEmail, State: civicdesk.StateBot, Priority: civicdesk.UrgencyNormal.Priority(), CreatedAt: now, UpdatedAt: now})
		if err != nil {
			return ingested{}, fmt.Errorf("email: open conversation: %w", err)
		}
		if thread != nil && thread.ID != conv.ID {
			// A reply to a closed conversation: the store cannot reopen it,
			// so the reply starts (or joins) the contact's open one, and the
			// link says where it came from.
			if err := c.store.PutRecord(ctx, civicdesk.Record{Kind: KindLink, Key: conv.ID + "/" + thread.ID, Value: []byte(thread.ID), UpdatedAt: now}); err != nil {
				return ingested{}, err
			}
		}
	}

	m := civicdesk.Message{ID: id, ConversationID: conv.ID, ContactID: conv.ContactID, CreatedAt: civicdesk.Now(),
		Channel: civicdesk.ChannelEmail, ClientMessageID: clientID}
	if auto != "" {
		// Recorded for the caseworker, but as a system message: the bot
		// answers only citizens and delivery sends only agents' and the
		// bot's messages, so nothing ever answers it.
		m.Author = civicdesk.Author{Kind: civicdesk.AuthorSystem, Name: autoLabel(auto)}
	} else {
		m.Author = civicdesk.Author{Kind: civicdesk.AuthorCitizen, Name: p.From.Name}
	}
	subjectLine, err := c.subjectIsNew(ctx, conv.ID, id, p.Subject)
	if err != nil {
		return ingested{}, err
	}
	m.Text = c.composeText(p, subjectLine)

	now := civicdesk.Now()
	for i, a := range p.Attachments {
		att, err := c.keepAttachment(ctx, m, i, a)
		if err != nil {
			return ingested{}, err
		}
		m.Attachments = append(m.Attachments, att)
	}
	if err := c.store.PutRecord(ctx, civicdesk.Record{Kind: KindRaw, Key: id, Value: raw, UpdatedAt: now}); err != nil {
		return ingested{}, fmt.Errorf("email: keep original: %w", err)
	}
	info, _ := json.Marshal(MessageInfo{ConversationID: conv.ID, MessageIDHeader: p.MessageID, Subject: p.Subject, From: sender,
		Date: p.Date, Automated: auto, HTMLOnly: p.HTMLOnly, Trimmed: p.Body != p.Text})
	if err := c.store.PutRecord(ctx, civicdesk.Record{Kind: KindMessage, Key: id, Value: info, UpdatedAt: now}); err != nil {
		return ingested{}, fmt.Errorf("email: keep message info: %w", err)
	}
	if p.MessageID != "" {
		if _, err := c.store.InsertRecord(ctx, civicdesk.Record{Kind: KindThread, Key: p.MessageID, Value: []byte(conv.ID), UpdatedAt: now}); err != nil {
			return ingested{}, fmt.Errorf("email: thread reference: %w", err)
		}
	}
	if _, err := channels.Accept(ctx, c.bus, string(civicdesk.ChannelEmail), m, "email:"+id); err != nil {
		return ingested{}, err
	}
	return ingested{message: m}, nil
}

func autoLabel(reason string) string {
	switch reason {
	case AutoBounce:
		return "Delivery failure notice (automatic)"
	case AutoList:
		return "Mailing list (automatic)"
	case AutoBulk:
		return "Bulk mail (automatic)"
	}
	return "Automatic reply"
}

// findThread finds the conversation a message refers to: by the reply
// token of the address it was sent to, else by the newest Message-ID it
// refers to that we know (In-Reply-To first, then References newest first,
// then ids of messages it encloses). nil when it starts a new thread.
// viaOurs says the conversation was found by one of our own Message-IDs.
// Whether the message may join it is for the caller to decide
// (fromContact): the references are the sender's word.
func (c *Channel) findThread(ctx context.Context, rcpts []string, p *Parsed) (conv *civicdesk.Conversation, viaOurs bool, err error) {
	for _, to := range rcpts {
		tok := replyToken(to)
		if tok == "" {
			continue
		}
		conv, err := c.lookup(ctx, KindReplyToken, tok)
		if err != nil || conv != nil {
			return conv, false, err
		}
	}
	var refs []string
	refs = append(refs, p.InReplyTo...)
	for i := len(p.References) - 1; i >= 0; i-- {
		refs = append(refs, p.References[i])
	}
	refs = append(refs, p.Embedded...)
	seen := map[string]bool{}
	for _, ref := range refs {
		if seen[ref] || ref == p.MessageID {
			continue
		}
		seen[ref] = true
		conv, err := c.lookup(ctx, KindThread, ref)
		if err != nil || conv != nil {
			return conv, err == nil && c.isOurs(ref), err
		}
	}
	return nil, false, nil
}

// fromContact reports whether sender is the email address of conv's
// contact: the address our replies in conv go to. One read by primary key;
// a contact that is gone or has no address matches nobody.
func (c *Channel) fromContact(ctx context.Context, conv civicdesk.Conversation, sender string) (bool, error) {
	contact, err := c.store.GetContact(ctx, conv.ContactID)
	if civicdesk.IsNotFound(err) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("email: contact of conversation %s: %w", conv.ID, err)
	}
	return sameAddress(sender, contact.Email), nil
}

// sameAddress reports whether a and b are the same email address, ignoring
// case, spaces, angle brackets and display names. Empty matches nothing.
func sameAddress(a, b string) bool {
	na, nb := normalizeAddress(a), normalizeAddress(b)
	return na != "" && strings.Contains(na, "@") && na == nb
}

func normalizeAddress(s string) string {
	s = strings.TrimSpace(s)
	if a, err := mail.ParseAddress(s); err == nil {
		s = a.Address
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "<"), ">")
	return strings.ToLower(strings.TrimSpace(s))
}

// isOurs reports whether a Message-ID is one our outbound mail carries.
func (c *Channel) isOurs(id string) bool {
	local, ok := strings.CutSuffix(strings.ToLower(id), "@"+c.cfg.Domain)
	return ok && (strings.HasPrefix(local, "msg_") || strings.HasPrefix(local, "transcript."))
}

// lookup returns the conversation a record of kind and key points to.
func (c *Channel) lookup(ctx context.Context, kind, key string) (*civicdesk.Conversation, error) {
	r, err := c.store.GetRecord(ctx, kind, key)
	if civicdesk.IsNotFound(err) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	conv, err := c.store.GetConversation(ctx, string(r.Value))
	if civicdesk.IsNotFound(err) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return &conv, nil
}

// replyToken returns the token of a reply+<token>@domain address.
func replyToken(addr string) string {
	local, _, ok := strings.Cut(addr, "@")
	if !ok {
		return ""
	}
	tok, ok := strings.CutPrefix(strings.ToLower(local), "reply+")
	if !ok || tok == "" || len(tok) > 64 {
		return ""
	}
	return tok
}

// noteBounce marks our outbound message as failed when a bounce names it.
func (c *Channel) noteBounce(ctx context.Context, p *Parsed) {
	suffix := "@" + c.cfg.Domain
	for _, ref := range append(append(append([]string{}, p.Embedded...), p.InReplyTo...), p.References...) {
		msgID, ok := strings.CutSuffix(ref, suffix)
		if !ok || !strings.HasPrefix(msgID, "msg_") {
			continue
		}
		r, err := c.store.GetRecord(ctx, KindThread, ref)
		if err != nil {
			continue
		}
		key := string(r.Value) + "/" + msgID
		c.putDelivery(ctx, key, Delivery{State: DeliveryFailed, Detail: "The citizen's mail server returned the email as undeliverable (bounce).", At: civicdesk.Now()})
		return
	}
}

// ContactID is the contact of an email address: one per address, whatever
// its case.
func ContactID(address string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(address))))
	return "ct_em_" + hex.EncodeToString(sum[:12])
}

func (c *Channel) ensureContact(ctx context.Context, address, name string) (string, error) {
	id := ContactID(address)
	if _, err := c.store.GetContact(ctx, id); err == nil {
		return id, nil
	} else if !civicdesk.IsNotFound(err) {
		return "", err
	}
	err := c.store.CreateContact(ctx, civicdesk.Contact{ID: id, Name: name, Email: strings.TrimSpace(address), CreatedAt: civicdesk.Now()})
	if err != nil && civicdesk.ErrorCode(err) != civicdesk.CodeConflict {
		return "", fmt.Errorf("email: create contact: %w", err)
	}
	return id, nil
}

// subjectIsNew says whether the message's subject should head its text:
// for the first email of a conversation, and when the citizen changes the
// subject.
func (c *Channel) subjectIsNew(ctx context.Context, convID, msgID, subject string) (bool, error) {
	if normalizeSubject(subject) == "" {
		return false, nil
	}
	ms, err := c.store.ListMessages(ctx, convID, 0, 0)
	if err != nil {
		return false, err
	}
	for i := len(ms) - 1; i >= 0; i-- {
		m := ms[i]
		if m.ID == msgID || m.Channel != civicdesk.ChannelEmail || m.Author.Kind != civicdesk.AuthorCitizen {
			continue
		}
		r, err := c.store.GetRecord(ctx, KindMessage, m.ID)
		if err != nil {
			continue
		}
		var info MessageInfo
		if json.Unmarshal(r.Value, &info) != nil {
			continue
		}
		return !strings.EqualFold(normalizeSubject(info.Subject), normalizeSubject(subject)), nil
	}
	return true, nil
}

// normalizeSubject drops reply and forward prefixes ("Re:", "Fwd:", "AW:",
// "RE[2]:" …) and extra spaces.
func normalizeSubject(s string) string {
	s = strings.TrimSpace(s)
	for {
		i := strings.IndexByte(s, ':')
		if i <= 0 || i > 6 {
			return strings.Join(strings.Fields(s), " ")
		}
		prefix := strings.ToLower(strings.TrimSpace(s[:i]))
		if j := strings.IndexByte(prefix, '['); j > 0 {
			prefix = prefix[:j]
		}
		switch prefix {
		case "re", "fw", "fwd", "aw", "wg", "sv", "vs", "tr", "rv", "res", "enc", "antw":
			s = strings.TrimSpace(s[i+1:])
		default:
			return strings.Join(strings.Fields(s), " ")
		}
	}
}

// composeText is what the caseworker reads: the trimmed body, headed by the
// subject when it is new, cut to MaxText characters.
func (c *Channel) composeText(p *Parsed, withSubject bool) string {
	body := strings.TrimSpace(p.Body)
	if body == "" {
		if len(p.Attachments) > 0 {
			body = "(no text; see the attachments)"
		} else {
			body = "(no text)"
		}
	}
	if withSubject {
		body = "Subject: " + p.Subject + "\n\n" + body
	}
	if utf8.RuneCountInString(body) > c.cfg.MaxText {
		r := []rune(body)
		body = string(r[:c.cfg.MaxText]) + "\n\n[… the message is longer; the full original is kept]"
	}
	return body
}

// keepAttachment stores an attachment's bytes and description and returns
// what the message shows of it.
func (c *Channel) keepAttachment(ctx context.Context, m civicdesk.Message, i int, a Part) (civicdesk.Attachment, error) {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%d", m.ID, i)))
	id := "att_" + hex.EncodeToString(sum[:12])
	att := civicdesk.Attachment{ID: id, Name: a.Name, ContentType: a.ContentType, Size: a.Size}
	now := civicdesk.Now()
	if a.Data != nil {
		if err := c.store.PutRecord(ctx, civicdesk.Record{Kind: KindAttachment, Key: id, Value: a.Data, UpdatedAt: now}); err != nil {
			return att, fmt.Errorf("email: keep attachment: %w", err)
		}
		att.URL = c.cfg.AttachmentURL + id
	}
	meta, _ := json.Marshal(AttachmentInfo{ID: id, MessageID: m.ID, ConversationID: m.ConversationID, Name: a.Name,
		ContentType: a.ContentType, Size: a.Size, Stored: a.Data != nil})
	if err := c.store.PutRecord(ctx, civicdesk.Record{Kind: KindAttachmentMeta, Key: id, Value: meta, UpdatedAt: now}); err != nil {
		return att, fmt.Errorf("email: describe attachment: %w", err)
	}
	return att, nil
}

// Attachment returns an attachment's description and bytes, for the desk
// to serve after checking that the caller may see info.ConversationID.
// civicdesk.ErrNotFound when unknown or not stored.
func (c *Channel) Attachment(ctx context.Context, id string) (AttachmentInfo, []byte, error) {
	var info AttachmentInfo
	r, err := c.store.GetRecord(ctx, KindAttachmentMeta, id)
	if err != nil {
		return info, nil, err
	}
	if err := json.Unmarshal(r.Value, &info); err != nil {
		return info, nil, fmt.Errorf("email: attachment %s: %w", id, err)
	}
	if !info.Stored {
		return info, nil, civicdesk.ErrNotFound
	}
	data, err := c.store.GetRecord(ctx, KindAttachment, id)
	if err != nil {
		return info, nil, err
	}
	return info, data.Value, nil
}
