package privacy_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/internal/natsbus"
	"github.com/civicdesk/civicdesk/internal/privacy"
	"github.com/civicdesk/civicdesk/internal/sqlitestore"
	"github.com/civicdesk/civicdesk/internal/testworld"
	"github.com/nats-io/nats.go/jetstream"
)

type entry struct {
	actor, action, target string
	detail                map[string]string
}

type auditLog struct {
	mu      sync.Mutex
	entries []entry
}

func (a *auditLog) Record(_ context.Context, actor, action, target string, detail map[string]string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.entries = append(a.entries, entry{actor, action, target, detail})
	return nil
}

type rig struct {
	store *sqlitestore.Store
	bus   *natsbus.Bus
	js    jetstream.JetStream
}

func newRig(t *testing.T) rig {
	t.Helper()
	ns, bus := testworld.Bus(t)
	return rig{store: testworld.Store(t), bus: bus, js: testworld.JetStream(t, ns)}
}

// conversation stores a closed conversation of its own contact, with a
// message in the store and its copy in the inbound stream.
func (r rig) conversation(t *testing.T, id, dept string, closed time.Time) {
	t.Helper()
	ctx := context.Background()
	contact := civicdesk.Contact{ID: "ct_" + id, Name: "Name of " + id, Email: id + "@example.org", CreatedAt: closed}
	if err := r.store.CreateContact(ctx, contact); err != nil {
		t.Fatal(err)
	}
	cv := civicdesk.Conversation{ID: id, ContactID: contact.ID, Channel: civicdesk.ChannelWebchat, State: civicdesk.StateBot,
		DepartmentID: dept, CreatedAt: closed.Add(-time.Hour), UpdatedAt: closed, LastMessage: "my secret " + id}
	if _, _, err := r.store.OpenConversation(ctx, cv); err != nil {
		t.Fatal(err)
	}
	cv.State, cv.ClosedAt, cv.Rating = civicdesk.StateClosed, &closed, 4
	if err := r.store.PutConversation(ctx, cv); err != nil {
		t.Fatal(err)
	}
	m := civicdesk.Message{ID: "m_" + id, ConversationID: id, ContactID: contact.ID, Author: civicdesk.Author{Kind: civicdesk.AuthorCitizen, Name: "Name of " + id},
		Text: "my secret " + id, CreatedAt: closed, Channel: civicdesk.ChannelWebchat, Seq: 1}
	if _, err := r.store.InsertMessage(ctx, m); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.bus.Publish(ctx, civicdesk.InboundSubject(string(civicdesk.ChannelWebchat), id), []byte(`{"text":"my secret `+id+`"}`), "in:"+id); err != nil {
		t.Fatal(err)
	}
}

// inStream reports whether the inbound stream still holds a copy for id.
func (r rig) inStream(t *testing.T, id string) bool {
	t.Helper()
	s, err := r.js.Stream(context.Background(), civicdesk.StreamInbound)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.GetLastMsgForSubject(context.Background(), civicdesk.InboundSubject(string(civicdesk.ChannelWebchat), id))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	return true
}

func TestRetentionDeletesAndAnonymizesOnlyWhatIsDue(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	for _, d := range []civicdesk.Department{
		{ID: "short", Name: "Short", RetentionDays: 30, RetentionAction: civicdesk.RetentionDelete},
		{ID: "anon", Name: "Anon", RetentionDays: 30, RetentionAction: civicdesk.RetentionAnonymize},
		{ID: "forever", Name: "Forever"},
	} {
		if err := r.store.PutDepartment(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	r.conversation(t, "cv_old", "short", now.Add(-31*24*time.Hour))
	r.conversation(t, "cv_recent", "short", now.Add(-29*24*time.Hour))
	r.conversation(t, "cv_forever", "forever", now.Add(-3000*24*time.Hour))
	r.conversation(t, "cv_anon", "anon", now.Add(-40*24*time.Hour))

	audit := &auditLog{}
	ret := &privacy.Retention{Store: r.store, Bus: r.bus, Audit: audit, Now: func() time.Time { return now }}
	res, err := ret.RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Deleted != 1 || res.Anonymized != 1 {
		t.Fatalf("run = %+v, want 1 deleted, 1 anonymized", res)
	}

	// Past retention in a delete department: gone from store and stream.
	if _, err := r.store.GetConversation(ctx, "cv_old"); !civicdesk.IsNotFound(err) {
		t.Fatalf("expired conversation still stored: %v", err)
	}
	if _, err := r.store.GetMessage(ctx, "m_cv_old"); !civicdesk.IsNotFound(err) {
		t.Fatalf("its message still stored: %v", err)
	}
	if r.inStream(t, "cv_old") {
		t.Fatal("its copy is still in the inbound stream")
	}
	if c, _ := r.store.GetContact(ctx, "ct_cv_old"); c.Name != "" || c.Email != "" {
		t.Fatalf("the contact of a deleted conversation keeps %+v", c)
	}
	// Recent, and kept forever: untouched.
	for _, id := range []string{"cv_recent", "cv_forever"} {
		cv, err := r.store.GetConversation(ctx, id)
		if err != nil || cv.LastMessage == "" {
			t.Fatalf("%s: %+v, %v", id, cv, err)
		}
		if ms, _ := r.store.ListMessages(ctx, id, 0, 0); len(ms) != 1 || ms[0].Text != "my secret "+id {
			t.Fatalf("%s messages = %+v", id, ms)
		}
		if !r.inStream(t, id) {
			t.Fatalf("%s lost its stream copy", id)
		}
		if c, _ := r.store.GetContact(ctx, "ct_"+id); c.Email == "" {
			t.Fatalf("%s: contact lost its details", id)
		}
	}
	// Anonymized: the numbers stay, the words go.
	cv, err := r.store.GetConversation(ctx, "cv_anon")
	if err != nil {
		t.Fatal(err)
	}
	if cv.AnonymizedAt == nil || cv.LastMessage != "" || cv.Rating != 4 || cv.DepartmentID != "anon" || cv.ClosedAt == nil {
		t.Fatalf("anonymized conversation = %+v", cv)
	}
	ms, _ := r.store.ListMessages(ctx, "cv_anon", 0, 0)
	if len(ms) != 1 || ms[0].Text != privacy.Removed || ms[0].Author.Name != "" || ms[0].Author.Kind != civicdesk.AuthorCitizen {
		t.Fatalf("anonymized messages = %+v", ms)
	}
	if r.inStream(t, "cv_anon") {
		t.Fatal("the anonymized conversation's copy is still in the stream")
	}
	if c, _ := r.store.GetContact(ctx, "ct_cv_anon"); c.Name != "" || c.Email != "" {
		t.Fatalf("the anonymized contact keeps %+v", c)
	}
	if len(audit.entries) != 1 || audit.entries[0].action != "retention" || audit.entries[0].actor != "system" ||
		audit.entries[0].detail["deleted"] != "1" || audit.entries[0].detail["anonymized"] != "1" {
		t.Fatalf("audit = %+v", audit.entries)
	}

	// A second run finds nothing more to do, and says so.
	res, err = ret.RunOnce(ctx)
	if err != nil || res != (privacy.RunResult{}) {
		t.Fatalf("second run = %+v, %v", res, err)
	}
	if len(audit.entries) != 2 || audit.entries[1].detail["deleted"] != "0" {
		t.Fatalf("second run audit = %+v", audit.entries)
	}
	// Time passes: the recent one falls due.
	now = now.Add(2 * 24 * time.Hour)
	if res, err = ret.RunOnce(ctx); err != nil || res.Deleted != 1 {
		t.Fatalf("later run = %+v, %v", res, err)
	}
	if _, err := r.store.GetConversation(ctx, "cv_recent"); !civicdesk.IsNotFound(err) {
		t.Fatalf("cv_recent after its time: %v", err)
	}
	if _, err := r.store.GetConversation(ctx, "cv_forever"); err != nil {
		t.Fatalf("keep-forever conversation: %v", err)
	}
}

func TestAnonymizeKeepsContactWithAnotherConversation(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	if err := r.store.PutDepartment(ctx, civicdesk.Department{ID: "anon", Name: "Anon", RetentionDays: 1, RetentionAction: civicdesk.RetentionAnonymize}); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	r.conversation(t, "cv_a", "anon", now.Add(-10*24*time.Hour))
	// The same contact writes again, in a conversation still kept.
	open := civicdesk.Conversation{ID: "cv_b", ContactID: "ct_cv_a", Channel: civicdesk.ChannelSMS, State: civicdesk.StateQueued, DepartmentID: "anon", CreatedAt: now, UpdatedAt: now}
	if _, _, err := r.store.OpenConversation(ctx, open); err != nil {
		t.Fatal(err)
	}
	ret := &privacy.Retention{Store: r.store, Bus: r.bus, Now: func() time.Time { return now }}
	if res, err := ret.RunOnce(ctx); err != nil || res.Anonymized != 1 {
		t.Fatalf("run = %+v, %v", res, err)
	}
	if c, _ := r.store.GetContact(ctx, "ct_cv_a"); c.Email == "" {
		t.Fatal("the contact lost their details while another conversation of theirs is kept")
	}
}

func TestRetentionRunsOnOneReplicaAtATime(t *testing.T) {
	r := newRig(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := r.store.PutDepartment(ctx, civicdesk.Department{ID: "short", Name: "Short", RetentionDays: 1, RetentionAction: civicdesk.RetentionDelete}); err != nil {
		t.Fatal(err)
	}
	a, b := &auditLog{}, &auditLog{}
	runA := &privacy.Retention{Store: r.store, Bus: r.bus, Audit: a, Every: 50 * time.Millisecond}
	runB := &privacy.Retention{Store: r.store, Bus: r.bus, Audit: b, Every: 50 * time.Millisecond}
	ctxA, cancelA := context.WithCancel(ctx)
	doneA := make(chan error, 1)
	go func() { doneA <- runA.Run(ctxA) }()
	waitFor(t, func() bool { a.mu.Lock(); defer a.mu.Unlock(); return len(a.entries) >= 3 })
	go func() { _ = runB.Run(ctx) }()
	time.Sleep(300 * time.Millisecond)
	b.mu.Lock()
	n := len(b.entries)
	b.mu.Unlock()
	if n != 0 {
		t.Fatalf("the second replica ran %d times while the first held the lease", n)
	}
	cancelA()
	if err := <-doneA; err != nil {
		t.Fatal(err)
	}
	// The first stops and releases: the second takes over.
	waitFor(t, func() bool { b.mu.Lock(); defer b.mu.Unlock(); return len(b.entries) >= 1 })
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
