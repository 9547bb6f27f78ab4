package natsbus

import (
	"context"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/nats-io/nats.go/jetstream"
)

// CD_INBOUND remembers message ids for a short window only (the store is its
// dedupe of record); the other streams for DedupeWindow. A stream declared
// by an earlier version with the long window gets the short one on connect.
func TestStreamDedupeWindows(t *testing.T) {
	ctx := context.Background()
	b := testBus(t)
	if _, err := b.js.UpdateStream(ctx, jetstream.StreamConfig{Name: civicdesk.StreamInbound, Subjects: []string{civicdesk.SubjectsInbound},
		Storage: jetstream.FileStorage, Duplicates: DedupeWindow, MaxMsgsPerSubject: maxMsgsPerConversation}); err != nil {
		t.Fatal(err)
	}
	if err := b.ensureStreams(ctx, 1); err != nil {
		t.Fatal(err)
	}
	want := map[string]time.Duration{civicdesk.StreamInbound: InboundDedupeWindow, civicdesk.StreamEvents: DedupeWindow, civicdesk.StreamOutbound: DedupeWindow}
	for name, window := range want {
		s, err := b.js.Stream(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.CachedInfo().Config.Duplicates; got != window {
			t.Errorf("%s dedupe window = %v, want %v", name, got, window)
		}
	}
}
