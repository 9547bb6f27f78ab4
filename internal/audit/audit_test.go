package audit

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk/internal/sqlitestore"
	"github.com/civicdesk/civicdesk/internal/testworld"
)

func setup(t *testing.T) (*Recorder, *sqlitestore.Store) {
	t.Helper()
	_, bus := testworld.Bus(t)
	store := testworld.Store(t)
	log := testworld.Quiet()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() { _ = NewChainer(store, bus, log).Run(ctx) }()
	return NewRecorder(bus), store
}

func waitEntries(t *testing.T, store *sqlitestore.Store, n int) []Entry {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		es, err := List(context.Background(), store, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) >= n {
			return es
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d entries chained, want %d", len(es), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestChainVerifiesAndDetectsTampering(t *testing.T) {
	rec, store := setup(t)
	ctx := context.Background()
	for i, action := range []string{"signin", "view", "assign", "export", "signout"} {
		if err := rec.Record(ctx, "ag_1", action, "cv_"+string(rune('a'+i)), map[string]string{"ip": "127.0.0.1"}); err != nil {
			t.Fatal(err)
		}
	}
	es := waitEntries(t, store, 5)
	if es[0].PrevHash != "" || es[1].PrevHash != es[0].Hash || es[4].Action != "signout" {
		t.Fatalf("chain = %+v", es)
	}
	if n, err := Verify(ctx, store); err != nil || n != 5 {
		t.Fatalf("Verify = %d, %v", n, err)
	}

	// Edit an entry in place: its hash no longer matches.
	r, _ := store.GetRecord(ctx, recordKind, key(es[2].Seq))
	var e Entry
	_ = json.Unmarshal(r.Value, &e)
	e.Actor = "ag_2"
	r.Value, _ = json.Marshal(e)
	_ = store.PutRecord(ctx, r)
	if _, err := Verify(ctx, store); !errors.Is(err, ErrBroken) {
		t.Fatalf("edited entry: Verify = %v", err)
	}
	// Re-hash the edit to hide it: the next entry's link breaks instead.
	e.Hash = Hash(e)
	r.Value, _ = json.Marshal(e)
	_ = store.PutRecord(ctx, r)
	if _, err := Verify(ctx, store); !errors.Is(err, ErrBroken) {
		t.Fatalf("re-hashed edit: Verify = %v", err)
	}
}

func TestRemovalDetected(t *testing.T) {
	rec, store := setup(t)
	ctx := context.Background()
	for _, a := range []string{"signin", "view", "view"} {
		if err := rec.Record(ctx, "ag_1", a, "x", nil); err != nil {
			t.Fatal(err)
		}
	}
	es := waitEntries(t, store, 3)
	// Removing the middle entry breaks the link of the last.
	mid, _ := store.GetRecord(ctx, recordKind, key(es[1].Seq))
	_ = store.DeleteRecord(ctx, recordKind, mid.Key)
	if _, err := Verify(ctx, store); !errors.Is(err, ErrBroken) {
		t.Fatalf("removed middle: Verify = %v", err)
	}
	_ = store.PutRecord(ctx, mid)
	if _, err := Verify(ctx, store); err != nil {
		t.Fatalf("restored: Verify = %v", err)
	}
	// Removing the last entry is caught by the head.
	_ = store.DeleteRecord(ctx, recordKind, key(es[2].Seq))
	if _, err := Verify(ctx, store); !errors.Is(err, ErrBroken) {
		t.Fatalf("removed tail: Verify = %v", err)
	}
}
