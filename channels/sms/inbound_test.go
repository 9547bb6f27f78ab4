package sms

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
)

func TestInboundSignedTextIsAccepted(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	e.text("(555) 123-4567", "  My water bill doubled this month  ", "SM00000000000000000000000000000001")
	m := e.recorded("SM00000000000000000000000000000001")
	if m.Text != "My water bill doubled this month" || m.Author.Kind != civicdesk.AuthorCitizen || m.Channel != civicdesk.ChannelSMS ||
		m.ClientMessageID != "SM00000000000000000000000000000001" {
		t.Fatalf("recorded %+v", m)
	}
	conv, err := e.store.GetConversation(context.Background(), m.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	if conv.Channel != civicdesk.ChannelSMS || conv.State != civicdesk.StateBot || conv.ContactID != m.ContactID {
		t.Fatalf("conversation %+v", conv)
	}
	contact, err := e.store.GetContact(context.Background(), m.ContactID)
	if err != nil {
		t.Fatal(err)
	}
	if contact.Phone != citizen {
		t.Fatalf("contact phone %q, want %q", contact.Phone, citizen)
	}
	if strings.Contains(contact.ID, "5551234567") {
		t.Fatalf("contact id %q shows the number", contact.ID)
	}

	// The same number, spelled otherwise, is the same contact and the same
	// open conversation.
	e.text("+1 555 123 4567", "and I was not home", "SM00000000000000000000000000000002")
	m2 := e.recorded("SM00000000000000000000000000000002")
	if m2.ContactID != m.ContactID || m2.ConversationID != m.ConversationID {
		t.Fatalf("second text: contact %s conv %s, want %s %s", m2.ContactID, m2.ConversationID, m.ContactID, m.ConversationID)
	}
	if m2.Seq <= m.Seq {
		t.Fatalf("seq %d after %d", m2.Seq, m.Seq)
	}

	// Another number is another contact.
	e.text("5559876543", "hello", "SM00000000000000000000000000000003")
	if m3 := e.recorded("SM00000000000000000000000000000003"); m3.ContactID == m.ContactID || m3.ConversationID == m.ConversationID {
		t.Fatal("another number joined the first contact")
	}
}

func TestInboundSignatureRequired(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	p := textParams(citizen, "hello", "SM00000000000000000000000000000009")
	good := Signature(e.token, e.srv.URL+webhookPath, p)
	for name, sig := range map[string]string{
		"missing":       "-",
		"garbage":       "bm90IGEgc2lnbmF0dXJl",
		"other token":   Signature("not-the-token", e.srv.URL+webhookPath, p),
		"other URL":     Signature(e.token, "https://elsewhere.example"+webhookPath, p),
		"other params":  Signature(e.token, e.srv.URL+webhookPath, textParams(citizen, "hello!", "SM00000000000000000000000000000009")),
		"one char off":  map[bool]string{true: "B", false: "A"}[good[0] == 'A'] + good[1:],
		"case mangled":  strings.ToLower(good),
		"double header": good + "," + good,
	} {
		code, body := e.post(webhookPath, p, sig)
		if code != http.StatusForbidden || !strings.Contains(body, `"forbidden"`) {
			t.Errorf("%s signature: %d %s", name, code, body)
		}
	}
	if len(e.conversations()) != 0 || len(e.records(KindOptOut, "")) != 0 {
		t.Fatal("a request with a bad signature stored something")
	}
	e.text(citizen, "hello", "SM00000000000000000000000000000009")
	e.recorded("SM00000000000000000000000000000009")
}

func TestInboundSignatureBehindPathPrefix(t *testing.T) {
	t.Parallel()
	// Twilio calls https://agency.example/civicdesk/api/v1/…; a proxy
	// forwards it here, with or without the prefix.
	e := newEnv(t, true, func(c *Config) { c.PublicURL = "https://agency.example/civicdesk/" })
	p := textParams(citizen, "hello", "SM00000000000000000000000000000010")
	sig := Signature(e.token, "https://agency.example/civicdesk"+webhookPath, p)
	if code, body := e.post(webhookPath, p, sig); code != http.StatusOK {
		t.Fatalf("prefix stripped by the proxy: %d %s", code, body)
	}
	// A proxy that keeps the prefix: the URL signed is the same.
	r := httptest.NewRequest(http.MethodPost, "/civicdesk"+webhookPath+"?x=1", nil)
	if got := e.ch.requestURL(r); got != "https://agency.example/civicdesk"+webhookPath+"?x=1" {
		t.Fatalf("requestURL with the prefix kept = %s", got)
	}
}

func TestInboundDedupeOnMessageSid(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	for range 3 {
		e.text(citizen, "Is the pool open?", "SM00000000000000000000000000000020")
	}
	m := e.recorded("SM00000000000000000000000000000020")
	// A later retry, after it was recorded, is answered from the store.
	e.text(citizen, "Is the pool open?", "SM00000000000000000000000000000020")
	e.text(citizen, "And the library?", "SM00000000000000000000000000000021")
	e.recorded("SM00000000000000000000000000000021")
	ms := e.messages(m.ConversationID)
	if len(ms) != 2 {
		t.Fatalf("%d messages, want 2", len(ms))
	}
	if len(e.conversations()) != 1 {
		t.Fatalf("%d conversations, want 1", len(e.conversations()))
	}
}

func TestInboundNewConversationAfterClose(t *testing.T) {
	t.Parallel()
	e := newEnv(t, false)
	first := e.start(citizen)
	first.State = civicdesk.StateClosed
	now := civicdesk.Now()
	first.ClosedAt = &now
	if err := e.store.PutConversation(context.Background(), first); err != nil {
		t.Fatal(err)
	}
	e.text(citizen, "Another question", "SM00000000000000000000000000000030")
	m := e.recorded("SM00000000000000000000000000000030")
	if m.ConversationID == first.ID || m.ContactID != first.ContactID {
		t.Fatalf("after close: conversation %s (closed one %s), contact %s (was %s)", m.ConversationID, first.ID, m.ContactID, first.ContactID)
	}
}

func TestInboundMMS(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	p := textParams(citizen, "", "MM00000000000000000000000000000040")
	p.Set("NumMedia", "2")
	p.Set("MediaUrl0", "https://api.twilio.com/2010-04-01/Accounts/AC0123/Messages/MM0/Media/ME1")
	p.Set("MediaContentType0", "image/jpeg")
	p.Set("MediaUrl1", "https://api.twilio.com/2010-04-01/Accounts/AC0123/Messages/MM0/Media/ME2")
	p.Set("MediaContentType1", "application/pdf")
	if code, body := e.post(webhookPath, p, ""); code != http.StatusOK || body != emptyTwiML {
		t.Fatalf("MMS: %d %s", code, body)
	}
	m := e.recorded("MM00000000000000000000000000000040")
	if m.Text != "" || len(m.Attachments) != 2 {
		t.Fatalf("MMS recorded as %+v", m)
	}
	a := m.Attachments[0]
	if a.URL != p.Get("MediaUrl0") || a.ContentType != "image/jpeg" || a.Name != "mms-1.jpg" || a.ID == "" {
		t.Fatalf("attachment %+v", a)
	}
	if b := m.Attachments[1]; b.ContentType != "application/pdf" || b.Name != "mms-2.pdf" || b.ID == a.ID {
		t.Fatalf("attachment %+v", b)
	}
}

func TestInboundBadRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t, false, func(c *Config) { c.MaxText = 100 })
	ok := func() url.Values { return textParams(citizen, "hello", "SM00000000000000000000000000000050") }
	with := func(k, v string) url.Values { p := ok(); p.Set(k, v); return p }
	without := func(ks ...string) url.Values {
		p := ok()
		for _, k := range ks {
			p.Del(k)
		}
		return p
	}
	for name, tc := range map[string]struct {
		params url.Values
		status int
	}{
		"no MessageSid":        {without("MessageSid", "SmsMessageSid"), 400},
		"bad MessageSid":       {with("MessageSid", "SM<script>"), 400},
		"long MessageSid":      {with("MessageSid", strings.Repeat("a", 65)), 400},
		"no From":              {without("From"), 400},
		"From not a number":    {with("From", "not-a-number"), 400},
		"From a short code":    {with("From", "12345"), 400},
		"no Body, no media":    {with("Body", "   "), 400},
		"Body not UTF-8":       {with("Body", "caf\xe9"), 400},
		"Body too long":        {with("Body", strings.Repeat("a", 101)), 413},
		"NumMedia not number":  {with("NumMedia", "two"), 400},
		"NumMedia too many":    {with("NumMedia", "11"), 400},
		"NumMedia negative":    {with("NumMedia", "-1"), 400},
		"media without URL":    {with("NumMedia", "1"), 400},
		"media URL not http":   {func() url.Values { p := with("NumMedia", "1"); p.Set("MediaUrl0", "javascript:alert(1)"); return p }(), 400},
		"media URL with login": {func() url.Values { p := with("NumMedia", "1"); p.Set("MediaUrl0", "https://u:p@x.example/1"); return p }(), 400},
		"To not a number":      {with("To", strings.Repeat("9", 40)), 400},
	} {
		code, body := e.post(webhookPath, tc.params, "")
		if code != tc.status || !strings.Contains(body, `"error"`) {
			t.Errorf("%s: %d %s, want %d with a JSON error", name, code, body, tc.status)
		}
	}

	// Not a form; too big.
	for name, tc := range map[string]struct {
		ctype, body string
		status      int
	}{
		"XML body":   {"text/xml", "<x/>", 400},
		"bad JSON":   {"application/json", "{", 400},
		"JSON array": {"application/json", "[1]", 400},
		"huge body":  {"application/x-www-form-urlencoded", "Body=" + strings.Repeat("a", MaxWebhookBody), 413},
	} {
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+webhookPath, strings.NewReader(tc.body))
		req.Header.Set("Content-Type", tc.ctype)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s: %d, want %d", name, resp.StatusCode, tc.status)
		}
	}
	if n := len(e.conversations()); n != 0 {
		t.Fatalf("bad requests opened %d conversations", n)
	}
	if _, err := e.store.GetContact(context.Background(), mustContactID(t, e, citizen)); !civicdesk.IsNotFound(err) {
		t.Fatalf("bad requests created the contact: %v", err)
	}
}

func mustContactID(t *testing.T, e *env, phone string) string {
	id, err := e.ch.contactID(context.Background(), phone)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestInboundJSONWebhook(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	body := `{"MessageSid":"SM00000000000000000000000000000060","From":"+15551234567","To":"+15005550006","Body":"hi","NumMedia":0}`
	u := e.srv.URL + webhookPath + "?bodySHA256=" + sha256hex(body)
	for name, sig := range map[string]string{"good": Signature(e.token, u, nil), "bad": Signature("x", u, nil)} {
		req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Twilio-Signature", sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if want := map[string]int{"good": 200, "bad": 403}[name]; resp.StatusCode != want {
			t.Fatalf("%s signature: %d, want %d", name, resp.StatusCode, want)
		}
	}
	e.recorded("SM00000000000000000000000000000060")
}

func TestInboundRateLimitPerNumber(t *testing.T) {
	t.Parallel()
	e := newEnv(t, false, func(c *Config) { c.RateLimit = true })
	limited := 0
	for i := range 15 {
		code, _ := e.post(webhookPath, textParams(citizen, "spam", "SM"+strings.Repeat("0", 30)+string(rune('a'+i/10))+string(rune('a'+i%10))), "")
		if code == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited == 0 {
		t.Fatal("15 texts at once from one number were all taken")
	}
	// Another number is not held back by the first.
	e.text("5559876543", "hello", "SM00000000000000000000000000000070")

	// STOP and START are honoured whatever the rate: Twilio does not retry a
	// refused webhook, so a STOP answered 429 would be lost, and texts would
	// go on to a number that asked for none.
	code, body := e.post(webhookPath, textParams(citizen, "STOP", "SM00000000000000000000000000000071"), "")
	if code != http.StatusOK {
		t.Fatalf("STOP with the number's rate spent: %d %s", code, body)
	}
	if _, err := e.store.GetRecord(context.Background(), KindOptOut, citizen); err != nil {
		t.Fatalf("STOP with the number's rate spent was not recorded: %v", err)
	}
	if code, body := e.post(webhookPath, textParams(citizen, "START", "SM00000000000000000000000000000072"), ""); code != http.StatusOK {
		t.Fatalf("START with the number's rate spent: %d %s", code, body)
	}
	if _, err := e.store.GetRecord(context.Background(), KindOptOut, citizen); !civicdesk.IsNotFound(err) {
		t.Fatalf("START with the number's rate spent left the opt-out: %v", err)
	}
	// HELP is an ordinary text for the limit.
	if code, _ := e.post(webhookPath, textParams(citizen, "HELP", "SM00000000000000000000000000000073"), ""); code != http.StatusTooManyRequests {
		t.Fatalf("HELP with the number's rate spent: %d, want 429", code)
	}
}

func TestOptOutFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	conv := e.start(citizen)

	stop := func(word, sid, want string) {
		t.Helper()
		code, body := e.post(webhookPath, textParams(citizen, word, sid), "")
		if code != http.StatusOK || body != `<?xml version="1.0" encoding="UTF-8"?><Response><Message>`+want+`</Message></Response>` {
			t.Fatalf("%q: %d %s", word, code, body)
		}
	}
	stop("  sToP \n", "SM00000000000000000000000000000101", DefaultStopText)
	rec, err := e.store.GetRecord(context.Background(), KindOptOut, citizen)
	if err != nil {
		t.Fatalf("no opt-out record: %v", err)
	}
	var oo OptOut
	if json.Unmarshal(rec.Value, &oo); oo.Keyword != "STOP" || oo.MessageSID != "SM00000000000000000000000000000101" {
		t.Fatalf("opt-out %s", rec.Value)
	}
	// The caseworker sees it as a system note; it is not a citizen message
	// (triage never gets it) and it is never texted.
	note := e.recorded("SM00000000000000000000000000000101")
	if note.Author.Kind != civicdesk.AuthorSystem || note.ConversationID != conv.ID || !strings.Contains(note.Text, "STOP") {
		t.Fatalf("STOP recorded as %+v", note)
	}

	// Nothing more goes to the number.
	id := e.reply(conv.ID, "We are looking into your bill.")
	ds := e.waitDelivery(conv.ID, id, StateBlocked)
	if ds.Segments != 1 || ds.Encoding != GSM7 || ds.Detail == "" {
		t.Fatalf("blocked delivery %+v", ds)
	}

	// HELP is answered (with Twilio's XML escaping) even after STOP.
	e.ch.cfg.HelpText = `City <Help> & "Info": call 311`
	stop("help", "SM00000000000000000000000000000102", `City &lt;Help&gt; &amp; &#34;Info&#34;: call 311`)
	if _, err := e.store.GetRecord(context.Background(), KindOptOut, citizen); err != nil {
		t.Fatal("HELP lifted the opt-out")
	}

	// Other synonyms, repeated: still opted out, nothing sent.
	for i, w := range []string{"STOPALL", "unsubscribe", "Cancel", "END", "quit"} {
		stop(w, "SM0000000000000000000000000000011"+string(rune('0'+i)), DefaultStopText)
	}
	e.waitDelivery(conv.ID, e.reply(conv.ID, "Second reply"), StateBlocked)

	// YES from an opted-out number resumes, as START and UNSTOP do.
	stop("Yes", "SM00000000000000000000000000000120", DefaultStartText)
	if _, err := e.store.GetRecord(context.Background(), KindOptOut, citizen); !civicdesk.IsNotFound(err) {
		t.Fatalf("opt-out still there after YES: %v", err)
	}
	// A replay of the old STOP does not opt out again.
	stop("STOP", "SM00000000000000000000000000000101", DefaultStopText)
	if _, err := e.store.GetRecord(context.Background(), KindOptOut, citizen); !civicdesk.IsNotFound(err) {
		t.Fatal("a replayed STOP opted out again")
	}
	id3 := e.reply(conv.ID, "Your adjusted bill is $41.20.")
	e.waitDelivery(conv.ID, id3, StateQueued)
	sent := e.twilio.sent()
	if len(sent) != 1 || sent[0].Body != "Your adjusted bill is $41.20." {
		t.Fatalf("texts after START: %+v (nothing must go out while opted out)", sent)
	}

	// YES from someone opted in is an answer, recorded for the conversation.
	e.text(citizen, "yes", "SM00000000000000000000000000000130")
	if m := e.recorded("SM00000000000000000000000000000130"); m.Author.Kind != civicdesk.AuthorCitizen || m.Text != "yes" {
		t.Fatalf("yes recorded as %+v", m)
	}
	// A sentence with a keyword in it is an ordinary text.
	e.text(citizen, "please stop the water shutoff", "SM00000000000000000000000000000131")
	e.recorded("SM00000000000000000000000000000131")
	if _, err := e.store.GetRecord(context.Background(), KindOptOut, citizen); !civicdesk.IsNotFound(err) {
		t.Fatal("a sentence containing stop opted out")
	}
}

func TestKeywordWithoutConversationStartsNone(t *testing.T) {
	t.Parallel()
	e := newEnv(t, false)
	code, body := e.post(webhookPath, textParams(citizen, "STOP", "SM00000000000000000000000000000140"), "")
	if code != http.StatusOK || !strings.Contains(body, "<Message>") {
		t.Fatalf("STOP: %d %s", code, body)
	}
	code, body = e.post(webhookPath, textParams(citizen, "INFO", "SM00000000000000000000000000000141"), "")
	if code != http.StatusOK || !strings.Contains(body, "Reply STOP") {
		t.Fatalf("INFO: %d %s", code, body)
	}
	time.Sleep(50 * time.Millisecond)
	if n := len(e.conversations()); n != 0 {
		t.Fatalf("keywords opened %d conversations", n)
	}
	if _, err := e.store.GetRecord(context.Background(), KindOptOut, citizen); err != nil {
		t.Fatal("STOP with no conversation was not persisted")
	}
}

func TestMatchKeyword(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		body     string
		optedOut bool
		want     string
	}{
		{"STOP", false, "STOP"}, {" stop\t", false, "STOP"}, {"Stop", true, "STOP"}, {"stopall", false, "STOPALL"},
		{"UNSUBSCRIBE", false, "UNSUBSCRIBE"}, {"cancel", false, "CANCEL"}, {"end", false, "END"}, {"Quit", false, "QUIT"},
		{"optout", false, "OPTOUT"}, {"Revoke", false, "REVOKE"}, {"opt out", false, ""},
		{"start", true, "START"}, {"START", false, "START"}, {"unstop", true, "UNSTOP"}, {"yes", true, "YES"},
		{"yes", false, ""}, {"help", false, "HELP"}, {"INFO", true, "INFO"},
		{"stop.", false, ""}, {"please stop", false, ""}, {"ſtop", false, ""}, {"STOP STOP", false, ""}, {"", false, ""},
		{"stopp", false, ""}, {"ＳＴＯＰ", false, ""},
	} {
		kw, ok := matchKeyword(tc.body, tc.optedOut)
		if ok != (tc.want != "") || kw.word != tc.want {
			t.Errorf("matchKeyword(%q, %v) = %q, %v; want %q", tc.body, tc.optedOut, kw.word, ok, tc.want)
		}
	}
}

func FuzzParseInbound(f *testing.F) {
	f.Add("MessageSid=SM1&From=%2B15551234567&To=%2B15005550006&Body=hello&NumMedia=0")
	f.Add("MessageSid=MM1&From=5551234567&Body=&NumMedia=1&MediaUrl0=https%3A%2F%2Fx.example%2Fm&MediaContentType0=image%2Fpng")
	f.Add("From=%2B1&Body=STOP")
	f.Add("MessageSid=SM1&From=00447911123456&Body=%E2%82%AC&NumMedia=10")
	f.Fuzz(func(t *testing.T, form string) {
		p, err := url.ParseQuery(form)
		if err != nil {
			return
		}
		in, err := ParseInbound(p, 4000)
		if err != nil {
			if c := civicdesk.ErrorCode(err); c != civicdesk.CodeInvalid && c != civicdesk.CodeTooLarge {
				t.Fatalf("error with code %s: %v", c, err)
			}
			return
		}
		if !e164RE.MatchString(in.From) || in.MessageSID == "" || !alnum(in.MessageSID) {
			t.Fatalf("accepted %+v", in)
		}
		if in.Body == "" && len(in.Media) == 0 {
			t.Fatal("accepted a text with neither body nor media")
		}
		if in.Body != strings.TrimSpace(in.Body) || len(in.Media) > maxMedia {
			t.Fatalf("accepted %+v", in)
		}
		for _, m := range in.Media {
			u, err := url.Parse(m.URL)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || m.ContentType == "" {
				t.Fatalf("accepted media %+v", m)
			}
		}
	})
}

func sha256hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
