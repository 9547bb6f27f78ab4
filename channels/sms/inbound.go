package sms

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/channels"
	"github.com/civicdesk/civicdesk/internal/httpx"
	"github.com/labstack/echo/v4"
)

// MaxWebhookBody is the largest webhook body taken, in bytes. Twilio's are a
// few kilobytes.
const MaxWebhookBody = 64 << 10

// maxMedia is Twilio's limit of media on one MMS.
const maxMedia = 10

// Inbound is a text as Twilio's webhook describes it, validated.
type Inbound struct {
	MessageSID string
	From       string // E.164
	To         string // E.164 when it is a number, else as given (a short code)
	Body       string // trimmed
	Media      []civicdesk.Attachment
}

// readWebhook reads a webhook body (form-encoded, or a flat JSON object),
// checks its size and its signature, and returns its parameters.
func (c *Channel) readWebhook(ctx echo.Context) (url.Values, error) {
	r := ctx.Request()
	data, err := io.ReadAll(io.LimitReader(r.Body, MaxWebhookBody+1))
	if err != nil {
		return nil, civicdesk.Errorf(civicdesk.CodeInvalid, "the body could not be read")
	}
	if len(data) > MaxWebhookBody {
		return nil, civicdesk.Errorf(civicdesk.CodeTooLarge, "the body is larger than %d bytes", MaxWebhookBody)
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var params url.Values
	switch mt {
	case "application/x-www-form-urlencoded", "":
		params, err = url.ParseQuery(string(data))
		if err != nil {
			return nil, civicdesk.Errorf(civicdesk.CodeInvalid, "the body is not valid form encoding")
		}
	case "application/json":
		params, err = flatJSON(data)
		if err != nil {
			return nil, err
		}
	default:
		return nil, civicdesk.Errorf(civicdesk.CodeInvalid, "the body must be form-encoded (application/x-www-form-urlencoded)")
	}
	if c.cfg.AuthToken != "" {
		sig := r.Header.Get("X-Twilio-Signature")
		form := params
		if mt == "application/json" {
			form = nil // covered by bodySHA256 instead
		}
		if !ValidSignature(c.cfg.AuthToken, sig, c.requestURL(r), form, data) {
			return nil, civicdesk.Errorf(civicdesk.CodeForbidden, "the X-Twilio-Signature header does not match this request")
		}
	}
	return params, nil
}

// flatJSON reads a JSON object of strings (numbers and booleans are taken
// as their text) into parameters.
func flatJSON(data []byte) (url.Values, error) {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil || dec.More() {
		return nil, civicdesk.Errorf(civicdesk.CodeInvalid, "the body is not a JSON object")
	}
	params := url.Values{}
	for k, v := range m {
		switch v := v.(type) {
		case string:
			params.Set(k, v)
		case json.Number:
			params.Set(k, v.String())
		case bool:
			params.Set(k, strconv.FormatBool(v))
		case nil:
		default:
			return nil, civicdesk.Errorf(civicdesk.CodeInvalid, "field %q must be a string", k)
		}
	}
	return params, nil
}

// requestURL is the URL Twilio signed: the public URL with this request's
// path and query. A path in the public URL is a prefix that a reverse proxy
// may or may not have stripped.
func (c *Channel) requestURL(r *http.Request) string {
	uri := r.URL.RequestURI()
	if c.basePath != "" && (uri == c.basePath || strings.HasPrefix(uri, c.basePath+"/") || strings.HasPrefix(uri, c.basePath+"?")) {
		return strings.TrimSuffix(c.base, c.basePath) + uri
	}
	return c.base + uri
}

// ParseInbound validates the parameters of an inbound text.
func ParseInbound(p url.Values, maxText int) (Inbound, error) {
	var in Inbound
	in.MessageSID = strings.TrimSpace(p.Get("MessageSid"))
	if in.MessageSID == "" {
		in.MessageSID = strings.TrimSpace(p.Get("SmsMessageSid"))
	}
	if in.MessageSID == "" {
		return in, civicdesk.Errorf(civicdesk.CodeInvalid, "MessageSid is required")
	}
	if len(in.MessageSID) > 64 || !alnum(in.MessageSID) {
		return in, civicdesk.Errorf(civicdesk.CodeInvalid, "MessageSid must be letters and digits, at most 64")
	}
	from := p.Get("From")
	if strings.TrimSpace(from) == "" {
		return in, civicdesk.Errorf(civicdesk.CodeInvalid, "From is required")
	}
	var ok bool
	if in.From, ok = Normalize(from); !ok {
		return in, civicdesk.Errorf(civicdesk.CodeInvalid, "From is not a phone number")
	}
	to := strings.TrimSpace(p.Get("To"))
	if n, ok := Normalize(to); ok {
		to = n
	} else if len(to) > 32 || !utf8.ValidString(to) {
		return in, civicdesk.Errorf(civicdesk.CodeInvalid, "To is not a phone number or short code")
	}
	in.To = to
	body := p.Get("Body")
	if !utf8.ValidString(body) {
		return in, civicdesk.Errorf(civicdesk.CodeInvalid, "Body is not valid UTF-8")
	}
	in.Body = strings.TrimSpace(body)
	if utf8.RuneCountInString(in.Body) > maxText {
		return in, civicdesk.Errorf(civicdesk.CodeTooLarge, "Body is longer than %d characters", maxText)
	}
	n := 0
	if s := strings.TrimSpace(p.Get("NumMedia")); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 0 || v > maxMedia {
			return in, civicdesk.Errorf(civicdesk.CodeInvalid, "NumMedia must be a number from 0 to %d", maxMedia)
		}
		n = v
	}
	for i := range n {
		raw := strings.TrimSpace(p.Get(fmt.Sprintf("MediaUrl%d", i)))
		u, err := url.Parse(raw)
		if raw == "" || len(raw) > 2048 || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
			return in, civicdesk.Errorf(civicdesk.CodeInvalid, "MediaUrl%d must be an http(s) URL", i)
		}
		ct := strings.ToLower(strings.TrimSpace(p.Get(fmt.Sprintf("MediaContentType%d", i))))
		if mt, _, err := mime.ParseMediaType(ct); err != nil || len(ct) > 100 || !strings.Contains(mt, "/") {
			ct = "application/octet-stream"
		} else {
			ct = mt
		}
		in.Media = append(in.Media, civicdesk.Attachment{
			ID:          channels.MessageID("sms-media", in.MessageSID, strconv.Itoa(i)),
			Name:        mediaName(i, ct),
			ContentType: ct,
			URL:         u.String(),
		})
	}
	if in.Body == "" && len(in.Media) == 0 {
		return in, civicdesk.Errorf(civicdesk.CodeInvalid, "Body is empty and there is no media")
	}
	return in, nil
}

func alnum(s string) bool {
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if !(ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z') {
			return false
		}
	}
	return true
}

var mediaExt = map[string]string{
	"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp", "image/heic": ".heic",
	"video/mp4": ".mp4", "video/3gpp": ".3gp", "audio/amr": ".amr", "audio/mpeg": ".mp3", "audio/mp4": ".m4a",
	"application/pdf": ".pdf", "text/vcard": ".vcf", "text/x-vcard": ".vcf", "text/plain": ".txt",
}

func mediaName(i int, contentType string) string {
	return fmt.Sprintf("mms-%d%s", i+1, mediaExt[contentType])
}

// inbound is Twilio's webhook for an incoming text.
func (c *Channel) inbound(ctx echo.Context) error {
	params, err := c.readWebhook(ctx)
	if err != nil {
		return err
	}
	in, err := ParseInbound(params, c.cfg.MaxText)
	if err != nil {
		return err
	}
	// STOP and START are honoured whatever the rate: Twilio does not retry a
	// refused webhook, so a STOP refused here would be lost for good. (YES,
	// a START only from a number that opted out, is limited as any text.)
	if kw, ok := matchKeyword(in.Body, false); !ok || kw.action == actHelp {
		if ok, wait := c.perNumber.Take(in.From); !ok {
			return httpx.RateLimited(ctx, wait, "too many texts from this number; wait a moment")
		}
	}
	rctx := ctx.Request().Context()
	contactID, err := c.ensureContact(rctx, in.From)
	if err != nil {
		return err
	}
	optedOut, err := c.optedOut(rctx, in.From)
	if err != nil {
		return err
	}
	if kw, ok := matchKeyword(in.Body, optedOut); ok {
		return c.keyword(ctx, in, contactID, kw)
	}
	id := channels.MessageID(string(civicdesk.ChannelSMS), "twilio", in.MessageSID)
	// A text already recorded (Twilio retrying, past the dedupe window of
	// JetStream) is answered again and changes nothing.
	if _, err := c.store.GetMessage(rctx, id); err == nil {
		return twiml(ctx, "")
	} else if !civicdesk.IsNotFound(err) {
		return err
	}
	now := civicdesk.Now()
	conv, _, err := c.store.OpenConversation(rctx, civicdesk.Conversation{ID: civicdesk.NewID("cv"), ContactID: contactID,
		Channel: civicdesk.ChannelSMS, State: civicdesk.StateBot, Priority: civicdesk.UrgencyNormal.Priority(), CreatedAt: now, UpdatedAt: now})
	if err != nil {
		return err
	}
	m := civicdesk.Message{ID: id, ConversationID: conv.ID, ContactID: contactID, Author: civicdesk.Author{Kind: civicdesk.AuthorCitizen},
		Text: in.Body, CreatedAt: now, Channel: civicdesk.ChannelSMS, ClientMessageID: in.MessageSID, Attachments: in.Media}
	dup, err := channels.Accept(rctx, c.bus, string(civicdesk.ChannelSMS), m, "sms:"+in.MessageSID)
	if err != nil {
		return err
	}
	c.log.Debug("text accepted", "conversation", conv.ID, "message", id, "duplicate", dup, "media", len(in.Media))
	return twiml(ctx, "")
}

// twiml answers Twilio with a TwiML document: empty, or one reply text.
func twiml(ctx echo.Context, reply string) error {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>`)
	if reply == "" {
		b.WriteString(`<Response/>`)
	} else {
		b.WriteString(`<Response><Message>`)
		_ = xml.EscapeText(&b, []byte(reply))
		b.WriteString(`</Message></Response>`)
	}
	return ctx.Blob(http.StatusOK, "text/xml", []byte(b.String()))
}

// Keyword actions.
type keywordAction int

const (
	actStop keywordAction = iota + 1
	actStart
	actHelp
)

type keyword struct {
	word   string // as matched, upper case
	action keywordAction
}

var keywords = map[string]keywordAction{
	"STOP": actStop, "STOPALL": actStop, "UNSUBSCRIBE": actStop, "CANCEL": actStop, "END": actStop, "QUIT": actStop,
	"OPTOUT": actStop, "REVOKE": actStop, // Twilio's defaults since the FCC's 2025 revocation rules
	"START": actStart, "YES": actStart, "UNSTOP": actStart,
	"HELP": actHelp, "INFO": actHelp,
}

// matchKeyword reports whether body is a carrier keyword: the whole text, trimmed,
// in any case. YES resumes only a number that opted out; from anyone else it
// is an answer, and goes to the conversation like any text.
func matchKeyword(body string, optedOut bool) (keyword, bool) {
	w := strings.TrimSpace(body)
	if len(w) > len("UNSUBSCRIBE") {
		return keyword{}, false
	}
	for i := 0; i < len(w); i++ {
		if w[i] >= utf8.RuneSelf {
			return keyword{}, false
		}
	}
	w = strings.ToUpper(w)
	act, ok := keywords[w]
	if !ok || (w == "YES" && !optedOut) {
		return keyword{}, false
	}
	return keyword{word: w, action: act}, true
}

// OptOut is the value of a KindOptOut record.
type OptOut struct {
	Keyword    string    `json:"keyword"` // STOP, …, or "twilio" when Twilio refused to send (error 21610)
	MessageSID string    `json:"messageSid,omitempty"`
	At         time.Time `json:"at"`
}

func (c *Channel) optedOut(ctx context.Context, e164 string) (bool, error) {
	_, err := c.store.GetRecord(ctx, KindOptOut, e164)
	if err == nil {
		return true, nil
	}
	if civicdesk.IsNotFound(err) {
		return false, nil
	}
	return false, fmt.Errorf("sms: opt-out: %w", err)
}

func (c *Channel) optOut(ctx context.Context, e164, keyword, sid string) error {
	data, _ := json.Marshal(OptOut{Keyword: keyword, MessageSID: sid, At: civicdesk.Now()})
	if err := c.store.PutRecord(ctx, civicdesk.Record{Kind: KindOptOut, Key: e164, Value: data, UpdatedAt: civicdesk.Now()}); err != nil {
		return fmt.Errorf("sms: opt-out: %w", err)
	}
	return nil
}

// keyword handles a carrier keyword: it changes the opt-out once per
// MessageSid, shows it in the number's open conversation if there is one (as
// a system message: it starts no conversation and never reaches triage), and
// answers with TwiML.
func (c *Channel) keyword(ctx echo.Context, in Inbound, contactID string, kw keyword) error {
	rctx := ctx.Request().Context()
	reply, note := c.cfg.HelpText, "the help text was sent."
	switch kw.action {
	case actStop:
		reply, note = c.cfg.StopText, "no more texts will go to this number until they text START."
	case actStart:
		reply, note = c.cfg.StartText, "texts to this number are resumed."
	}
	_, err := c.store.GetRecord(rctx, kindKeyword, in.MessageSID)
	switch {
	case err == nil:
		return twiml(ctx, reply) // Twilio retrying: applied already
	case !civicdesk.IsNotFound(err):
		return err
	}
	err = nil
	switch kw.action {
	case actStop:
		err = c.optOut(rctx, in.From, kw.word, in.MessageSID)
	case actStart:
		err = c.store.DeleteRecord(rctx, KindOptOut, in.From)
		if civicdesk.IsNotFound(err) {
			err = nil
		}
	}
	if err != nil {
		return err
	}
	convs, err := c.store.ListConversations(rctx, civicdesk.ConversationFilter{ContactID: contactID,
		States: []civicdesk.ConversationState{civicdesk.StateBot, civicdesk.StateQueued, civicdesk.StateAssigned}})
	if err != nil {
		return err
	}
	for _, conv := range convs {
		if conv.Channel != civicdesk.ChannelSMS {
			continue
		}
		m := civicdesk.Message{ID: channels.MessageID(string(civicdesk.ChannelSMS), "twilio", in.MessageSID), ConversationID: conv.ID,
			ContactID: contactID, Author: civicdesk.Author{Kind: civicdesk.AuthorSystem, Name: "SMS"},
			Text: fmt.Sprintf("The citizen texted %s: %s", kw.word, note), CreatedAt: civicdesk.Now(), Channel: civicdesk.ChannelSMS,
			ClientMessageID: in.MessageSID, Attachments: in.Media}
		if _, err := channels.Accept(rctx, c.bus, civicdesk.SourceSystem, m, "sms:"+in.MessageSID); err != nil {
			return err
		}
		break
	}
	data, _ := json.Marshal(map[string]any{"keyword": kw.word, "at": civicdesk.Now()})
	if _, err := c.store.InsertRecord(rctx, civicdesk.Record{Kind: kindKeyword, Key: in.MessageSID, Value: data, UpdatedAt: civicdesk.Now()}); err != nil {
		return err
	}
	c.log.Info("keyword text", "keyword", kw.word, "contact", contactID)
	return twiml(ctx, reply)
}
