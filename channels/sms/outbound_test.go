package sms

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/channels"
)

func TestReplyReachesTwilio(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	e.twilio.set(func(f *fakeTwilio) { f.callbacks = []string{"sending", "sent", "delivered"} })
	conv := e.start(citizen)
	id := e.reply(conv.ID, "Your bill was adjusted. Reply here if you have questions.")
	ds := e.waitDelivery(conv.ID, id, StateDelivered)
	if ds.Segments != 1 || ds.Encoding != GSM7 || ds.Parts != 1 || ds.At.IsZero() {
		t.Fatalf("delivery %+v", ds)
	}
	sent := e.twilio.sent()
	if len(sent) != 1 {
		t.Fatalf("%d texts sent, want 1", len(sent))
	}
	m := sent[0]
	if m.To != citizen || m.From != agencyNum || m.Body != "Your bill was adjusted. Reply here if you have questions." {
		t.Fatalf("sent %+v", m)
	}
	cb, err := url.Parse(m.StatusCallback)
	if err != nil || !strings.HasPrefix(m.StatusCallback, e.srv.URL+"/api/v1/channels/sms/twilio/status?") ||
		cb.Query().Get("c") != conv.ID || cb.Query().Get("m") != id || cb.Query().Get("p") != "1" {
		t.Fatalf("StatusCallback %q", m.StatusCallback)
	}
	if _, _, bad := e.twilio.counts(); bad != 0 {
		t.Fatalf("%d requests without the account's credentials", bad)
	}

	// Bot replies go out too; system notes never do.
	bot := civicdesk.Message{ID: civicdesk.NewID("msg"), ConversationID: conv.ID, Author: civicdesk.Author{Kind: civicdesk.AuthorBot},
		Text: "A caseworker will text you.", CreatedAt: civicdesk.Now(), Channel: civicdesk.ChannelSMS}
	note := civicdesk.Message{ID: civicdesk.NewID("msg"), ConversationID: conv.ID, Author: civicdesk.Author{Kind: civicdesk.AuthorSystem},
		Text: "internal note", CreatedAt: civicdesk.Now(), Channel: civicdesk.ChannelSMS}
	for _, m := range []civicdesk.Message{note, bot} {
		if _, err := channels.Accept(context.Background(), e.bus, civicdesk.SourceBot, m, "bot:"+m.ID); err != nil {
			t.Fatal(err)
		}
	}
	e.waitDelivery(conv.ID, bot.ID, StateDelivered)
	if _, ok := e.delivery(conv.ID, note.ID); ok {
		t.Fatal("a system note was handled for delivery")
	}
	if got := e.twilio.sent(); len(got) != 2 || got[1].Body != bot.Text {
		t.Fatalf("texts %+v", got)
	}
}

func TestStatusCallbacks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	conv := e.start(citizen)
	id := e.reply(conv.ID, "We texted your case number.")
	e.waitDelivery(conv.ID, id, StateQueued)
	cb := e.twilio.sent()[0].StatusCallback
	path := strings.TrimPrefix(cb, e.srv.URL)
	post := func(status, code string, sign string) int {
		p := url.Values{"MessageSid": {"SM1"}, "MessageStatus": {status}, "To": {citizen}, "From": {agencyNum}, "AccountSid": {e.twilio.account}}
		if code != "" {
			p.Set("ErrorCode", code)
		}
		if sign == "" {
			sign = Signature(e.token, cb, p)
		}
		c, _ := e.post(path, p, sign)
		return c
	}
	if c := post("delivered", "", "forged"); c != http.StatusForbidden {
		t.Fatalf("forged callback: %d", c)
	}
	if ds, _ := e.delivery(conv.ID, id); ds.State != StateQueued {
		t.Fatalf("a forged callback changed the state to %s", ds.State)
	}
	// Out of order: delivered, then a late "sent", stays delivered.
	for _, s := range []string{"delivered", "sent", "queued", "receiving", "some-new-status"} {
		if c := post(s, "", ""); c != http.StatusOK {
			t.Fatalf("callback %s: %d", s, c)
		}
	}
	if ds, _ := e.delivery(conv.ID, id); ds.State != StateDelivered {
		t.Fatalf("state %s after delivered then sent", ds.State)
	}
	// A carrier failure wins and says why.
	if c := post("undelivered", "30003", ""); c != http.StatusOK {
		t.Fatal(c)
	}
	ds := e.waitDelivery(conv.ID, id, StateUndelivered)
	if !strings.Contains(ds.Detail, "30003") || !strings.Contains(ds.Detail, "unreachable") {
		t.Fatalf("detail %q", ds.Detail)
	}
	// A callback naming no text.
	p := url.Values{"MessageStatus": {"sent"}}
	bad := e.srv.URL + "/api/v1/channels/sms/twilio/status?c=x&m=y&p=zero"
	if c, _ := e.post("/api/v1/channels/sms/twilio/status?c=x&m=y&p=zero", p, Signature(e.token, bad, p)); c != http.StatusBadRequest {
		t.Fatalf("callback naming no text: %d", c)
	}
}

func TestRetriesOn5xxSendOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	conv := e.start(citizen)

	// Two failures: retried within the delivery.
	e.twilio.set(func(f *fakeTwilio) { f.fail = []int{500, 503} })
	id := e.reply(conv.ID, "First answer")
	e.waitDelivery(conv.ID, id, StateQueued)
	if posts, _, _ := e.twilio.counts(); posts != 3 || len(e.twilio.sent()) != 1 {
		t.Fatalf("%d requests, %d texts; want 3, 1", posts, len(e.twilio.sent()))
	}

	// More failures than attempts: JetStream redelivers the reply.
	e.twilio.set(func(f *fakeTwilio) { f.fail = []int{500, 502, 503, 504, 500, 429} })
	id2 := e.reply(conv.ID, "Second answer")
	e.waitDelivery(conv.ID, id2, StateQueued)
	sent := e.twilio.sent()
	if posts, _, _ := e.twilio.counts(); posts != 3+7 || len(sent) != 2 || sent[1].Body != "Second answer" {
		t.Fatalf("%d requests, texts %+v; want 10 requests and one text each", posts, sent)
	}
}

func TestTimeoutIsReconciledNotResent(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	conv := e.start(citizen)
	// Twilio creates the text but answers after the client gave up.
	e.twilio.set(func(f *fakeTwilio) { f.hang = 1; f.hangFor = 2 * time.Second })
	id := e.reply(conv.ID, "Your appointment is at 10am on Monday.")
	ds := e.waitDelivery(conv.ID, id, StateSent) // the list says sent
	posts, lists, _ := e.twilio.counts()
	if sent := e.twilio.sent(); posts != 1 || len(sent) != 1 || lists < 1 {
		t.Fatalf("%d requests, %d lists, %d texts; want one text, never sent again", posts, lists, len(sent))
	}
	if ds.Parts != 1 {
		t.Fatalf("delivery %+v", ds)
	}

	// The same words again, a new reply: the earlier text is not taken
	// for it when its request times out too and nothing was created.
	e.twilio.set(func(f *fakeTwilio) { f.fail = []int{504} })
	id2 := e.reply(conv.ID, "Your appointment is at 10am on Monday.")
	e.waitDelivery(conv.ID, id2, StateQueued)
	if sent := e.twilio.sent(); len(sent) != 2 {
		t.Fatalf("%d texts, want 2", len(sent))
	}
}

func TestRedeliveryNeverTextsTwice(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true, func(c *Config) { c.Attempts = 1 })
	conv := e.start(citizen)
	m := civicdesk.Message{ID: civicdesk.NewID("msg"), ConversationID: conv.ID, Author: civicdesk.Author{Kind: civicdesk.AuthorAgent},
		Text: strings.Repeat("Please bring two proofs of address. ", 60), Channel: civicdesk.ChannelSMS, CreatedAt: civicdesk.Now()}
	data, _ := json.Marshal(civicdesk.Event{Type: "message", Message: &m, Conversation: &conv})
	d := civicdesk.Delivery{Subject: civicdesk.OutboundSubject(civicdesk.ChannelSMS, conv.ID), Data: data, Seq: 1, Time: time.Now(), NumDelivered: 1}
	// The first text goes; the second gets a 500, which ends this delivery.
	e.twilio.set(func(f *fakeTwilio) { f.failOn = map[int]int{2: 500} })
	if err := e.ch.deliver(context.Background(), d); err == nil {
		t.Fatal("a delivery with a text not sent succeeded")
	}
	if ds, _ := e.delivery(conv.ID, m.ID); ds.State != StatePending || ds.Parts != 2 || ds.Detail != "2 texts: queued, pending" {
		t.Fatalf("after a half-sent delivery: %+v", ds)
	}
	// Redelivered (twice, as after a crash): the first text is not sent
	// again, the second is sent once.
	for i := range 2 {
		d.NumDelivered = uint64(i + 2)
		if err := e.ch.deliver(context.Background(), d); err != nil {
			t.Fatal(err)
		}
	}
	sent := e.twilio.sent()
	if len(sent) != 2 || !strings.HasPrefix(sent[0].Body, "(1/2) ") || !strings.HasPrefix(sent[1].Body, "(2/2) ") {
		t.Fatalf("%d texts after three deliveries, want the 2 parts once each", len(sent))
	}
	if posts, _, _ := e.twilio.counts(); posts != 3 {
		t.Fatalf("%d requests, want 3", posts)
	}
	if ds, _ := e.delivery(conv.ID, m.ID); ds.State != StateQueued || ds.Detail != "" {
		t.Fatalf("delivery %+v", ds)
	}
}

func TestLongReplySplitAndCounted(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	conv := e.start(citizen)
	words := strings.Repeat("Your renewal form is approved and the sticker is in the mail. ", 60) // 3,720 characters
	id := e.reply(conv.ID, words)
	ds := e.waitDelivery(conv.ID, id, StateQueued)
	sent := e.twilio.sent()
	if len(sent) != 3 || ds.Parts != 3 || ds.Encoding != GSM7 {
		t.Fatalf("%d texts, delivery %+v", len(sent), ds)
	}
	segments := 0
	for i, m := range sent {
		if !strings.HasPrefix(m.Body, fmt.Sprintf("(%d/3) ", i+1)) || len(m.Body) > MaxBody {
			t.Fatalf("text %d: %d characters, starts %.10q", i+1, len(m.Body), m.Body)
		}
		_, n := Segments(m.Body)
		segments += n
	}
	if ds.Segments != segments || segments < 25 {
		t.Fatalf("delivery says %d segments, the texts have %d", ds.Segments, segments)
	}

	// One emoji makes it UCS-2: 67 code units a segment.
	id2 := e.reply(conv.ID, strings.Repeat("Ok ", 30)+"🙂")
	ds2 := e.waitDelivery(conv.ID, id2, StateQueued)
	if ds2.Encoding != UCS2 || ds2.Segments != 2 || ds2.Parts != 1 {
		t.Fatalf("UCS-2 delivery %+v", ds2)
	}
}

func TestTwilioRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	conv := e.start(citizen)
	e.twilio.set(func(f *fakeTwilio) { f.refuse = 21211 })
	id := e.reply(conv.ID, "Hello")
	ds := e.waitDelivery(conv.ID, id, StateFailed)
	if !strings.Contains(ds.Detail, "21211") {
		t.Fatalf("detail %q", ds.Detail)
	}
	if posts, _, _ := e.twilio.counts(); posts != 1 {
		t.Fatalf("a refused text was tried %d times", posts)
	}

	// Twilio knows the number unsubscribed: the opt-out is kept here too.
	e.twilio.set(func(f *fakeTwilio) { f.refuse = 21610 })
	id2 := e.reply(conv.ID, "Hello again")
	e.waitDelivery(conv.ID, id2, StateBlocked)
	if _, err := e.store.GetRecord(context.Background(), KindOptOut, citizen); err != nil {
		t.Fatalf("no opt-out after error 21610: %v", err)
	}
	e.twilio.set(func(f *fakeTwilio) { f.refuse = 0 })
	e.waitDelivery(conv.ID, e.reply(conv.ID, "Third"), StateBlocked)
	if posts, _, _ := e.twilio.counts(); posts != 2 {
		t.Fatalf("%d requests; nothing must be tried after the opt-out", posts)
	}
}

func TestWrongCredentials(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	e.ch.api.token = "wrong"
	conv := e.start(citizen)
	ds := e.waitDelivery(conv.ID, e.reply(conv.ID, "Hello"), StateFailed)
	if !strings.Contains(ds.Detail, "Authenticate") {
		t.Fatalf("detail %q", ds.Detail)
	}
	if _, _, bad := e.twilio.counts(); bad != 1 {
		t.Fatalf("%d requests with bad credentials", bad)
	}
}

func TestGiveUp(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true, func(c *Config) { c.GiveUpAfter = 300 * time.Millisecond; c.Attempts = 1 })
	conv := e.start(citizen)
	e.twilio.set(func(f *fakeTwilio) {
		for range 1000 {
			f.fail = append(f.fail, 429)
		}
	})
	ds := e.waitDelivery(conv.ID, e.reply(conv.ID, "Hello"), StateFailed)
	if !strings.Contains(ds.Detail, "could not be reached") || len(e.twilio.sent()) != 0 {
		t.Fatalf("delivery %+v", ds)
	}
}

func TestOutboxWithoutAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t, false, func(c *Config) { c.From = "(500) 555-0006" })
	conv := e.start(citizen)
	id := e.reply(conv.ID, "Your permit is ready.")
	ds := e.waitDelivery(conv.ID, id, StateOutbox)
	if ds.Segments != 1 || ds.Parts != 1 {
		t.Fatalf("delivery %+v", ds)
	}
	recs := e.records(KindOutbox, conv.ID+"/")
	if len(recs) != 1 || recs[0].Key != conv.ID+"/"+id+"/001" {
		t.Fatalf("outbox %+v", recs)
	}
	var ot OutboxText
	if err := json.Unmarshal(recs[0].Value, &ot); err != nil {
		t.Fatal(err)
	}
	if ot.To != citizen || ot.From != "+15005550006" || ot.Body != "Your permit is ready." || ot.MessageID != id || ot.ConversationID != conv.ID {
		t.Fatalf("outbox text %+v", ot)
	}
	e.waitDelivery(conv.ID, e.reply(conv.ID, strings.Repeat("long words ", 300)), StateOutbox)
	if n := len(e.records(KindOutbox, conv.ID+"/")); n != 1+3 {
		t.Fatalf("%d outbox texts, want 4", n)
	}
	// Without an account, Twilio's status callback is not taken.
	if c, _ := e.post("/api/v1/channels/sms/twilio/status?c=a&m=b&p=1", url.Values{"MessageStatus": {"sent"}}, "-"); c != http.StatusNotFound {
		t.Fatalf("status callback without an account: %d", c)
	}
}

func TestNewRefusesHalfAccounts(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]Config{
		"no public URL":  {},
		"SID, no token":  {PublicURL: "http://x", AccountSID: "AC1"},
		"SID, no From":   {PublicURL: "http://x", AccountSID: "AC1", AuthToken: "t"},
		"bad base URL":   {PublicURL: "http://x", AccountSID: "AC1", AuthToken: "t", From: citizen, BaseURL: "ftp://x"},
		"bad public URL": {PublicURL: "127.0.0.1:8080"},
	} {
		if _, err := New(cfg, nil, nil, nil); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
