package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/civicdesk/civicdesk/channels/sms"
)

const smsUsage = `usage: civicdesk sms send --from NUMBER [--url URL] [--to NUMBER] [--media URL]... "text"

Plays an inbound text against a running server, as Twilio's webhook would
post it (with a fresh MessageSid), and prints the TwiML answer's reply, if any.
With CIVICDESK_TWILIO_AUTH_TOKEN (or --auth-token) the request is signed for
--public-url (CIVICDESK_PUBLIC_URL, default --url).
`

// mediaFlag collects repeated --media URLs.
type mediaFlag []string

func (m *mediaFlag) String() string     { return strings.Join(*m, ",") }
func (m *mediaFlag) Set(v string) error { *m = append(*m, v); return nil }

// smsCommand is `civicdesk sms send`: a citizen's text, by hand.
func smsCommand(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 || args[0] != "send" {
		fmt.Fprint(stderr, smsUsage)
		return errors.New("unknown sms command")
	}
	env := func(key, def string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return def
	}
	fs := flag.NewFlagSet("civicdesk sms send", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, smsUsage); fs.PrintDefaults() }
	from := fs.String("from", "", "the citizen's phone number (required)")
	to := fs.String("to", env("CIVICDESK_TWILIO_FROM", "+15005550006"), "the agency's number (CIVICDESK_TWILIO_FROM)")
	base := fs.String("url", "http://"+env("CIVICDESK_HTTP_ADDR", "127.0.0.1:8080"), "the running server")
	publicURL := fs.String("public-url", getenv("CIVICDESK_PUBLIC_URL"), "the URL Twilio calls, which the signature covers (default --url)")
	token := fs.String("auth-token", getenv("CIVICDESK_TWILIO_AUTH_TOKEN"), "sign the request with this Twilio auth token (CIVICDESK_TWILIO_AUTH_TOKEN)")
	var media mediaFlag
	fs.Var(&media, "media", "a media URL, for an MMS (repeatable)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	text := strings.Join(fs.Args(), " ")
	if *from == "" {
		fs.Usage()
		return errors.New("--from is required")
	}
	if strings.TrimSpace(text) == "" && len(media) == 0 {
		fs.Usage()
		return errors.New("the text is empty (give it after the flags, or a --media URL)")
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	sid := "SM" + hex.EncodeToString(b[:])
	if len(media) > 0 {
		sid = "MM" + sid[2:]
	}
	params := url.Values{
		"MessageSid":    {sid},
		"SmsMessageSid": {sid},
		"SmsSid":        {sid},
		"AccountSid":    {env("CIVICDESK_TWILIO_ACCOUNT_SID", "AC00000000000000000000000000000000")},
		"From":          {*from},
		"To":            {*to},
		"Body":          {text},
		"NumMedia":      {strconv.Itoa(len(media))},
		"NumSegments":   {"1"},
		"SmsStatus":     {"received"},
		"ApiVersion":    {"2010-04-01"},
	}
	for i, m := range media {
		params.Set(fmt.Sprintf("MediaUrl%d", i), m)
		ct := "application/octet-stream"
		if u, err := url.Parse(m); err == nil {
			if t := mime.TypeByExtension(path.Ext(u.Path)); t != "" {
				ct = t
			}
		}
		params.Set(fmt.Sprintf("MediaContentType%d", i), ct)
	}
	const webhook = "/api/v1/channels/sms/twilio"
	endpoint := strings.TrimRight(*base, "/") + webhook
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(params.Encode()))
	if err != nil {
		return fmt.Errorf("--url: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "TwilioProxy/1.1 (civicdesk sms send)")
	if *token != "" {
		signed := *publicURL
		if signed == "" {
			signed = *base
		}
		req.Header.Set("X-Twilio-Signature", sms.Signature(*token, strings.TrimRight(signed, "/")+webhook, params))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("is the server running at %s? %w", *base, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the server answered %s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	fmt.Fprintf(stdout, "text accepted (MessageSid %s)\n", sid)
	var twiml struct {
		Messages []string `xml:"Message"`
	}
	if err := xml.Unmarshal(body, &twiml); err == nil {
		for _, m := range twiml.Messages {
			fmt.Fprintf(stdout, "reply: %s\n", m)
		}
	}
	return nil
}
