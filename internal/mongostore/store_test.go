package mongostore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/internal/storetest"
)

// uriEnv names a real MongoDB to run the suite against as well.
const uriEnv = "CIVICDESK_TEST_MONGODB_URI"

// ferretURI is the embedded FerretDB of this test binary.
var ferretURI string

func TestMain(m *testing.M) { os.Exit(runTests(m)) }

// runTests starts one FerretDB (SQLite backend, in a temporary directory, on
// a free loopback port) for every test of the binary.
func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "mongostore-ferretdb-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "mongostore test:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/",
		Logger:    ferretLogger(),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "mongostore test: start FerretDB:", err)
		return 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = f.Run(ctx)
	}()
	defer func() { cancel(); <-done }()
	// MongoDBURI waits for the listener that Run opens.
	ferretURI = f.MongoDBURI()
	return m.Run()
}

// ferretLogger keeps FerretDB quiet unless CIVICDESK_TEST_FERRETDB_LOG is
// set, for debugging.
func ferretLogger() *slog.Logger {
	if os.Getenv("CIVICDESK_TEST_FERRETDB_LOG") == "" {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

var dbSeq atomic.Int64

// openStore returns a Store on a fresh database of uri, dropped when t ends.
func openStore(t *testing.T, uri string) *Store {
	t.Helper()
	var b [4]byte
	_, _ = rand.Read(b[:])
	// FerretDB allows [a-zA-Z0-9_-]{1,63}.
	name := fmt.Sprintf("cdtest_%d_%s", dbSeq.Add(1), hex.EncodeToString(b[:]))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := New(ctx, Config{URI: uri, Database: name})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.db.Drop(ctx); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// TestFerretDB runs the conformance suite and this package's own tests
// against the embedded FerretDB.
func TestFerretDB(t *testing.T) { runAll(t, ferretURI) }

// TestMongoDB runs them against a real MongoDB, when there is one.
func TestMongoDB(t *testing.T) {
	uri := os.Getenv(uriEnv)
	if uri == "" {
		t.Skip("set " + uriEnv + " to a MongoDB connection string to run against a real MongoDB " +
			"(use a throwaway server: each test creates and drops its own database)")
	}
	runAll(t, uri)
}

func runAll(t *testing.T, uri string) {
	t.Run("Conformance", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) storetest.Store { return openStore(t, uri) })
	})
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, uri string)
	}{
		{"Indexes", testIndexes},
		{"RoundTrip", testRoundTrip},
		{"EveryFieldStored", testEveryFieldStored},
		{"OpenConversationStaleSlot", testOpenConversationStaleSlot},
		{"InsertMessageConcurrent", testInsertMessageConcurrent},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, uri) })
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var t0 = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

func testIndexes(t *testing.T, uri string) {
	s := openStore(t, uri)
	// New is idempotent: a second replica starting on the same database
	// finds its indexes there.
	must(t, s.ensureIndexes(ctxT(t)))
	cur, err := s.agents.Indexes().List(ctxT(t))
	must(t, err)
	var specs []bson.M
	must(t, cur.All(ctxT(t), &specs))
	found := false
	for _, sp := range specs {
		if sp["name"] == "emailLower_1" {
			found = sp["unique"] == true
		}
	}
	if !found {
		t.Fatalf("agents indexes = %v, want unique emailLower_1", specs)
	}
	cur, err = s.messages.Indexes().List(ctxT(t))
	must(t, err)
	specs = nil
	must(t, cur.All(ctxT(t), &specs))
	found = false
	for _, sp := range specs {
		found = found || sp["name"] == "conversationId_1_seq_1"
	}
	if !found {
		t.Fatalf("messages indexes = %v, want conversationId_1_seq_1", specs)
	}
}

// testRoundTrip checks what the suite does not: times in other zones and
// below a millisecond, nil against empty slices, a secret kept though it has
// no JSON form, and the stored field names.
func testRoundTrip(t *testing.T, uri string) {
	s := openStore(t, uri)
	paris := time.FixedZone("CET", 3600)
	at := time.Date(2026, 1, 2, 3, 4, 5, 678_901_234, paris)
	want := toDate(at)
	if want.Location() != time.UTC || want.Nanosecond() != 678_000_000 {
		t.Fatalf("toDate = %v", want)
	}
	must(t, s.CreateContact(ctxT(t), civicdesk.Contact{ID: "ct_1", CreatedAt: at}))
	c, err := s.GetContact(ctxT(t), "ct_1")
	must(t, err)
	if c.CreatedAt != want {
		t.Fatalf("CreatedAt = %#v, want %#v", c.CreatedAt, want)
	}
	must(t, s.CreateContact(ctxT(t), civicdesk.Contact{ID: "ct_zero"}))
	c, err = s.GetContact(ctxT(t), "ct_zero")
	must(t, err)
	if c != (civicdesk.Contact{ID: "ct_zero"}) {
		t.Fatalf("zero contact = %#v", c)
	}

	must(t, s.PutAgent(ctxT(t), civicdesk.Agent{ID: "ag_nil", Email: "a@x", PasswordHash: "secret"}))
	must(t, s.PutAgent(ctxT(t), civicdesk.Agent{ID: "ag_empty", Email: "b@x", Departments: []string{}, Languages: []string{}}))
	a, err := s.GetAgent(ctxT(t), "ag_nil")
	must(t, err)
	if a.Departments != nil || a.Languages != nil || a.PasswordHash != "secret" {
		t.Fatalf("agent with nil slices = %#v", a)
	}
	a, err = s.GetAgent(ctxT(t), "ag_empty")
	must(t, err)
	if a.Departments == nil || len(a.Departments) != 0 || a.Languages == nil {
		t.Fatalf("agent with empty slices = %#v", a)
	}
	var raw bson.M
	must(t, s.agents.FindOne(ctxT(t), byID("ag_nil")).Decode(&raw))
	if raw["passwordHash"] != "secret" || raw["emailLower"] != "a@x" {
		t.Fatalf("stored agent = %v", raw)
	}
	raw = nil
	must(t, s.contacts.FindOne(ctxT(t), byID("ct_1")).Decode(&raw))
	if _, ok := raw["createdAt"].(bson.DateTime); !ok {
		t.Fatalf("stored createdAt is %T, want a BSON date", raw["createdAt"])
	}

	q := at.Add(time.Minute)
	cv := civicdesk.Conversation{ID: "cv_1", ContactID: "ct_1", Channel: civicdesk.ChannelSMS, State: civicdesk.StateBot,
		CreatedAt: at, UpdatedAt: at, QueuedAt: &q, Rating: 4, Disposition: "resolved",
		Triage: &civicdesk.Triage{Urgency: civicdesk.UrgencyNormal, Reasons: nil}}
	got, created, err := s.OpenConversation(ctxT(t), cv)
	must(t, err)
	if !created || got.CreatedAt != want || *got.QueuedAt != toDate(q) || got.Triage.Reasons != nil || got.Rating != 4 {
		t.Fatalf("OpenConversation = %#v", got)
	}
	stored, err := s.GetConversation(ctxT(t), "cv_1")
	must(t, err)
	if stored.CreatedAt != got.CreatedAt || *stored.QueuedAt != *got.QueuedAt || stored.ClosedAt != nil || stored.Disposition != "resolved" {
		t.Fatalf("GetConversation = %#v, OpenConversation returned %#v", stored, got)
	}

	if _, err := s.InsertMessage(ctxT(t), civicdesk.Message{ID: "m_big", ConversationID: "cv_1", Seq: 1 << 63}); civicdesk.ErrorCode(err) != civicdesk.CodeInvalid {
		t.Fatalf("sequence beyond int64: err = %v, want invalid", err)
	}
	ms, err := s.ListMessages(ctxT(t), "cv_1", 1<<63, 0)
	if err != nil || len(ms) != 0 {
		t.Fatalf("ListMessages after 1<<63 = %v, %v", ms, err)
	}
}

// testOpenConversationStaleSlot covers slots left behind by writers that died:
// one whose conversation was saved closed without the slot being freed, and
// one whose conversation was never written.
func testOpenConversationStaleSlot(t *testing.T, uri string) {
	s := openStore(t, uri)
	cv := func(id string) civicdesk.Conversation {
		return civicdesk.Conversation{ID: id, ContactID: "ct_1", Channel: civicdesk.ChannelWebchat, State: civicdesk.StateBot, CreatedAt: t0, UpdatedAt: t0}
	}
	key := openKey("ct_1", civicdesk.ChannelWebchat)

	// Closed behind the store's back: the slot still names cv_1.
	_, _, err := s.OpenConversation(ctxT(t), cv("cv_1"))
	must(t, err)
	closed := cv("cv_1")
	closed.State = civicdesk.StateClosed
	_, err = s.conversations.ReplaceOne(ctxT(t), byID("cv_1"), conversationToDoc(closed))
	must(t, err)
	got, created, err := s.OpenConversation(ctxT(t), cv("cv_2"))
	must(t, err)
	if !created || got.ID != "cv_2" {
		t.Fatalf("open over a closed slot: created=%v id=%s", created, got.ID)
	}

	// Closing through the store frees the slot.
	closed = got
	closed.State = civicdesk.StateClosed
	must(t, s.PutConversation(ctxT(t), closed))
	if n, err := s.open.CountDocuments(ctxT(t), byID(key)); err != nil || n != 0 {
		t.Fatalf("slot after close: count=%d err=%v", n, err)
	}

	// A slot whose conversation never appeared: fresh, callers wait and
	// give up with CodeUnavailable; stale, it is freed.
	_, err = s.open.InsertOne(ctxT(t), openDoc{Key: key, ConversationID: "cv_ghost", CreatedAt: toDate(time.Now().Add(-openStale - time.Minute))})
	must(t, err)
	got, created, err = s.OpenConversation(ctxT(t), cv("cv_3"))
	must(t, err)
	if !created || got.ID != "cv_3" {
		t.Fatalf("open over a stale slot: created=%v id=%s", created, got.ID)
	}

	// A slot being filled: the joiner waits for the conversation.
	key2 := openKey("ct_2", civicdesk.ChannelSMS)
	_, err = s.open.InsertOne(ctxT(t), openDoc{Key: key2, ConversationID: "cv_slow", CreatedAt: toDate(time.Now())})
	must(t, err)
	go func() {
		time.Sleep(100 * time.Millisecond)
		slow := civicdesk.Conversation{ID: "cv_slow", ContactID: "ct_2", Channel: civicdesk.ChannelSMS, State: civicdesk.StateBot, CreatedAt: t0, UpdatedAt: t0}
		_, _ = s.conversations.InsertOne(context.Background(), conversationToDoc(slow))
	}()
	got, created, err = s.OpenConversation(ctxT(t), civicdesk.Conversation{ID: "cv_4", ContactID: "ct_2", Channel: civicdesk.ChannelSMS, State: civicdesk.StateBot, CreatedAt: t0, UpdatedAt: t0})
	must(t, err)
	if created || got.ID != "cv_slow" {
		t.Fatalf("open while another fills the slot: created=%v id=%s", created, got.ID)
	}
}

// testInsertMessageConcurrent: redeliveries racing each other store the
// message once, and exactly one of them reports it inserted.
func testInsertMessageConcurrent(t *testing.T, uri string) {
	s := openStore(t, uri)
	const n = 16
	var inserted atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.InsertMessage(context.Background(), civicdesk.Message{ID: "m1", ConversationID: "cv_1", Text: fmt.Sprint(i), Seq: 1, CreatedAt: t0})
			if err != nil {
				errs <- err
			}
			if ok {
				inserted.Add(1)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	ms, err := s.ListMessages(ctxT(t), "cv_1", 0, 0)
	must(t, err)
	if inserted.Load() != 1 || len(ms) != 1 {
		t.Fatalf("inserted %d times, stored %d", inserted.Load(), len(ms))
	}
}

func TestErrors(t *testing.T) {
	ctx := ctxT(t)
	if _, err := New(ctx, Config{}); err == nil {
		t.Fatal("New without URI succeeded")
	}
	if _, err := New(ctx, Config{URI: "postgres://user:hunter2@x"}); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("New with a bad URI: %v", err)
	}
	// Nothing listens there: the store reports it unavailable.
	short, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	_, err := New(short, Config{URI: "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300&connectTimeoutMS=300"})
	if civicdesk.ErrorCode(err) != civicdesk.CodeUnavailable {
		t.Fatalf("New against no server: err = %v, want unavailable", err)
	}

	s := openStore(t, ferretURI)
	if err := s.InsertNote(ctx, civicdesk.Note{ID: "n1"}); err != nil {
		t.Fatal(err)
	}
	if err := s.InsertNote(ctx, civicdesk.Note{ID: "n1"}); civicdesk.ErrorCode(err) != civicdesk.CodeConflict {
		t.Fatalf("duplicate note: %v", err)
	}
	if _, _, err := s.OpenConversation(ctx, civicdesk.Conversation{ID: "cv_1"}); civicdesk.ErrorCode(err) != civicdesk.CodeInvalid {
		t.Fatalf("open without contact: %v", err)
	}

	// Close is idempotent; the store is unusable after it.
	closed, err := New(ctx, Config{URI: ferretURI, Database: "cdtest_close"})
	must(t, err)
	must(t, closed.Close())
	must(t, closed.Close())
	if err := closed.Ping(ctx); err == nil {
		t.Fatal("Ping after Close succeeded")
	}
}
