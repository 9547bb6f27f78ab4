package privacy

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/internal/lease"
)

// Retention deletes or anonymizes closed conversations once their
// department's retention period has passed.
type Retention struct {
	Store Store
	Bus   Bus
	Audit Auditor
	Log   *slog.Logger
	// Now is the clock (time.Now when nil); tests move it.
	Now func() time.Time
	// Every is the time between runs (an hour when zero).
	Every time.Duration
}

// RunResult counts what one run did.
type RunResult struct {
	Deleted    int
	Anonymized int
}

// leaseTTL is how long a stalled replica keeps the retention job before
// another takes it over.
const leaseTTL = 10 * time.Second

// Run applies retention at start and then every r.Every until ctx ends. When
// the bus grants leases, only the replica holding "retention" runs it.
func (r *Retention) Run(ctx context.Context) error {
	every := r.Every
	if every <= 0 {
		every = time.Hour
	}
	return lease.Hold(ctx, r.Bus, "retention", leaseTTL, r.log(), func(owned context.Context) error {
		r.loop(owned, every)
		return nil
	})
}

func (r *Retention) loop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := r.RunOnce(ctx); err != nil && ctx.Err() == nil {
			// The next run tries again; what was done stays done.
			r.log().Error("retention run failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (r *Retention) log() *slog.Logger {
	if r.Log == nil {
		return slog.Default()
	}
	return r.Log.With("component", "retention")
}

func (r *Retention) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// RunOnce applies every department's retention once and audits the counts.
func (r *Retention) RunOnce(ctx context.Context) (RunResult, error) {
	var res RunResult
	depts, err := r.Store.ListDepartments(ctx)
	if err != nil {
		return res, err
	}
	now := r.now()
	var runErr error
	for _, d := range depts {
		if d.RetentionDays <= 0 || (d.RetentionAction != civicdesk.RetentionDelete && d.RetentionAction != civicdesk.RetentionAnonymize) {
			continue // kept forever
		}
		cutoff := now.Add(-time.Duration(d.RetentionDays) * 24 * time.Hour)
		convs, err := r.Store.ListConversations(ctx, civicdesk.ConversationFilter{
			States: []civicdesk.ConversationState{civicdesk.StateClosed}, DepartmentIDs: []string{d.ID}})
		if err != nil {
			runErr = err
			break
		}
		for _, cv := range convs {
			if cv.ClosedAt == nil || !cv.ClosedAt.Before(cutoff) {
				continue
			}
			if d.RetentionAction == civicdesk.RetentionDelete {
				err = DeleteConversation(ctx, r.Store, r.Bus, cv)
				if err == nil {
					res.Deleted++
				}
			} else if cv.AnonymizedAt == nil {
				err = AnonymizeConversation(ctx, r.Store, r.Bus, cv, now)
				if err == nil {
					res.Anonymized++
				}
			}
			if err != nil {
				runErr = err
				break
			}
		}
		if runErr != nil {
			break
		}
	}
	// Audited even when it failed half way: what was done is on record.
	if r.Audit != nil {
		detail := map[string]string{"deleted": strconv.Itoa(res.Deleted), "anonymized": strconv.Itoa(res.Anonymized)}
		if runErr != nil {
			detail["failed"] = "true"
		}
		if err := r.Audit.Record(ctx, "system", "retention", "conversations", detail); err != nil && runErr == nil {
			runErr = err
		}
	}
	if res.Deleted+res.Anonymized > 0 {
		r.log().Info("retention applied", "deleted", res.Deleted, "anonymized", res.Anonymized)
	}
	return res, runErr
}
