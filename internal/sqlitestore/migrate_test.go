package sqlitestore_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/internal/sqlitestore"
)

// A store made before conversations had a closed_at column: opening it adds
// the column and fills it from the documents, so that statistics over a
// recent window still see what closed in it.
func TestClosedAtIsFilledInForAnOlderStore(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cd.db")
	s, err := sqlitestore.New(ctx, sqlitestore.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	for i, id := range []string{"cv_old", "cv_recent"} {
		c := civicdesk.Conversation{ID: id, ContactID: "ct_" + id, Channel: civicdesk.ChannelWebchat, State: civicdesk.StateBot,
			Priority: 10, CreatedAt: at, UpdatedAt: at}
		if _, _, err := s.OpenConversation(ctx, c); err != nil {
			t.Fatal(err)
		}
		closed := at.Add(time.Duration(i*10) * time.Hour)
		c.State, c.ClosedAt = civicdesk.StateClosed, &closed
		if err := s.PutConversation(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()

	// Make it look like the older version's table.
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP INDEX conversations_closed`, `ALTER TABLE conversations DROP COLUMN closed_at`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	s, err = sqlitestore.New(ctx, sqlitestore.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.ListConversations(ctx, civicdesk.ConversationFilter{ClosedSince: at.Add(5 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != "cv_recent" {
		t.Fatalf("closed since 14:00: %+v, want cv_recent only", got)
	}
}
