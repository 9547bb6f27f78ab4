package main

import (
	"context"
	"log/slog"
	"sync"

	"github.com/civicdesk/civicdesk/bot/kb"
)

// kbChangedSubject is the core NATS subject on which a replica says that it
// changed the knowledge base; every replica then reloads it.
const kbChangedSubject = "cd.kb.changed"

// kbReloader keeps the bot's knowledge index current: the admin API calls
// Changed after each change, and a "kb changed" message from any replica
// makes every replica rebuild its index from the store.
type kbReloader struct {
	holder *kb.Holder
	store  Store
	demo   bool
	notice changeNotices
	log    *slog.Logger

	mu sync.Mutex // one rebuild at a time, so an older one never wins
}

func newKBReloader(holder *kb.Holder, store Store, demo bool, bus noticeBus, log *slog.Logger) *kbReloader {
	return &kbReloader{holder: holder, store: store, demo: demo, notice: newChangeNotices(kbChangedSubject, bus), log: log.With("component", "kb")}
}

// reload rebuilds the index from the store and swaps it in; on failure the
// bot keeps answering from the previous one.
func (r *kbReloader) reload(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	ix, err := loadKnowledge(ctx, r.store, r.demo)
	if err != nil {
		return err
	}
	r.holder.Set(ix)
	return nil
}

// Changed reloads this replica at once, then tells the others.
func (r *kbReloader) Changed(ctx context.Context) error {
	if err := r.reload(ctx); err != nil {
		return err
	}
	if err := r.notice.announce(); err != nil {
		// This replica is current; the others catch up at their next change.
		r.log.Warn("announcing a knowledge-base change failed", "err", err)
	}
	return nil
}

// Run reloads on other replicas' announcements until ctx is done.
func (r *kbReloader) Run(ctx context.Context) error {
	return r.notice.run(ctx, 0, r.reload, r.log)
}
