package webchat

import (
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
)

// A widget that names its socket and sends that name with a message gets
// the message's place in the 202 and no echo of it on that socket; the
// visitor's other tabs still get the message, and so does the same socket
// for a message sent without the name. Bad names are refused.
func TestNoEchoToTheSocketThatSent(t *testing.T) {
	en := newEnv(t)
	token := en.session()
	en.send(token, "cmid-first", "first, to open the conversation")
	const sender = "tab-one-socket-1"
	a := en.dialQuery(token, "&socket="+sender)
	b := en.dial(token, "") // another tab, unnamed
	en.send(token, "cmid-warm", "both sockets are registered once this arrives")
	isMsg := func(id string) func(civicdesk.Event) bool {
		return func(ev civicdesk.Event) bool { return ev.Type == "message" && ev.Message != nil && ev.Message.ID == id }
	}
	warm := en.send(token, "cmid-warm-2", "and this")
	a.waitFor("the warm-up message on the named socket", isMsg(warm.MessageID))
	b.waitFor("the warm-up message on the other socket", isMsg(warm.MessageID))

	var acc messageAccepted
	if code := en.do("POST", "/api/v1/widget/messages", token, map[string]string{"clientMessageId": "cmid-quiet", "text": "not echoed to tab one", "socketId": sender}, &acc); code != 202 {
		t.Fatalf("send with socketId: %d", code)
	}
	if acc.Seq == 0 || acc.CreatedAt == nil || acc.CreatedAt.IsZero() {
		t.Fatalf("the 202 does not say where the message stands: %+v", acc)
	}
	got := b.waitFor("the message on the other socket", isMsg(acc.MessageID))
	if got.Message.Seq != acc.Seq {
		t.Fatalf("recorded as seq %d, the 202 said %d", got.Message.Seq, acc.Seq)
	}
	after := en.send(token, "cmid-loud", "echoed everywhere")
	for {
		ev := a.waitFor("the next message on the named socket", func(ev civicdesk.Event) bool { return ev.Type == "message" })
		if ev.Message.ID == acc.MessageID {
			t.Fatal("the socket that sent the message with its name was echoed it")
		}
		if ev.Message.ID == after.MessageID {
			break
		}
	}
	en.ch.hub.noEcho.mu.Lock()
	left := len(en.ch.hub.noEcho.m)
	en.ch.hub.noEcho.mu.Unlock()
	if left != 0 {
		t.Fatalf("%d no-echo entries left after their events", left)
	}

	for _, bad := range []string{"short", "has space in it", "ünïcode-name", string(make([]byte, 65))} {
		if code := en.do("POST", "/api/v1/widget/messages", token, map[string]string{"clientMessageId": "cmid-bad", "text": "x", "socketId": bad}, nil); code != 400 {
			t.Errorf("socketId %q: %d, want 400", bad, code)
		}
	}
	if code := en.do("GET", "/api/v1/widget/ws?socket=bad%20name", token, nil, nil); code != 400 {
		t.Errorf("socket with a bad name: %d, want 400", code)
	}
}

// An entry whose message event never comes here is dropped once it is older
// than noEchoKept; one whose message was stored under another sequence is
// echoed after all.
func TestNoEchoForgetsStaleEntriesAndEchoesAnotherSequence(t *testing.T) {
	var n noEcho
	t0 := time.Now()
	n.note("msg_stale", "socket-aaaa", 7, t0)
	n.note("msg_other_seq", "socket-aaaa", 8, t0.Add(time.Second))
	if got := n.take("msg_other_seq", 9); got != "" {
		t.Fatalf("stored as seq 9 after a 202 that said 8: skip %q, want an echo", got)
	}
	n.note("msg_fresh", "socket-aaaa", 10, t0.Add(noEchoKept+2*time.Second))
	n.mu.Lock()
	_, stale := n.m["msg_stale"]
	left := len(n.m)
	n.mu.Unlock()
	if stale || left != 1 {
		t.Fatalf("after %v: stale entry kept %v, %d entries, want only the fresh one", noEchoKept, stale, left)
	}
	if got := n.take("msg_fresh", 10); got != "socket-aaaa" {
		t.Fatalf("take = %q, want socket-aaaa", got)
	}
}
