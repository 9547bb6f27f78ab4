package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/civicdesk/civicdesk/agentdesk"
	"github.com/civicdesk/civicdesk/routing"
)

// routingChangedSubject is the core NATS subject that tells every replica an
// admin changed routing settings; each reloads them from the store.
const routingChangedSubject = "cd.config.routing"

// liveRouting holds the routing settings in force: the file's (or the
// demo's) with the admins' per-department settings from the store laid
// over them. Routing, the widget's availability and the supervisors'
// service levels read them here.
type liveRouting struct {
	base   routing.Config
	store  Store
	router *routing.Router
	notice changeNotices
	log    *slog.Logger

	mu     sync.RWMutex
	cfg    routing.Config
	levels map[string]agentdesk.ServiceLevel
	reload sync.Mutex // one reload at a time, in order; guards seen, loaded
	seen   []byte     // the admins' settings last put in force
	loaded bool
}

// reloadEvery rereads the settings even without a notice: a replica cut off
// from NATS when one was sent catches up.
const reloadEvery = time.Minute

// load reads the admins' settings and puts the result in force. A saved
// setting the file no longer admits (the file changed under it) is skipped
// with a warning rather than stopping the service.
func (l *liveRouting) load(ctx context.Context) error {
	l.reload.Lock()
	defer l.reload.Unlock()
	over, err := agentdesk.RoutingOverrides(ctx, l.store)
	if err != nil {
		return fmt.Errorf("routing settings: %w", err)
	}
	seen, _ := json.Marshal(over) // map keys sorted: the same settings, the same bytes
	if l.loaded && bytes.Equal(seen, l.seen) {
		return nil // nothing changed: the engine is not rebuilt for nothing
	}
	cfg, err := l.base.WithDepartments(over)
	if err != nil {
		cfg = l.base
		for id, d := range over {
			next, err := cfg.WithDepartments(map[string]routing.Department{id: d})
			if err != nil {
				l.log.Warn("saved routing settings of a department ignored", "department", id, "err", err)
				continue
			}
			cfg = next
		}
	}
	sls, err := cfg.ServiceLevels()
	if err != nil {
		return err
	}
	levels := make(map[string]agentdesk.ServiceLevel, len(sls))
	for id, sl := range sls {
		levels[id] = agentdesk.ServiceLevel{Target: sl.Target, Goal: sl.Goal}
	}
	if err := l.router.SetConfig(ctx, cfg); err != nil {
		return err
	}
	l.mu.Lock()
	l.cfg, l.levels = cfg, levels
	l.mu.Unlock()
	l.seen, l.loaded = seen, true
	return nil
}

// Config returns the settings in force.
func (l *liveRouting) Config() routing.Config {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.cfg
}

// ServiceLevels returns the service levels in force.
func (l *liveRouting) ServiceLevels() map[string]agentdesk.ServiceLevel {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.levels
}

// Changed puts a change made here in force and tells the other replicas.
func (l *liveRouting) Changed(ctx context.Context) error {
	if err := l.load(ctx); err != nil {
		return err
	}
	return l.notice.announce()
}

// Run reloads the settings whenever another replica says they changed,
// and every reloadEvery in case a notice was missed.
func (l *liveRouting) Run(ctx context.Context) error {
	return l.notice.run(ctx, reloadEvery, l.load, l.log)
}

func newLiveRouting(ctx context.Context, base routing.Config, store Store, router *routing.Router, bus noticeBus, log *slog.Logger) (*liveRouting, error) {
	l := &liveRouting{base: base, store: store, router: router, notice: newChangeNotices(routingChangedSubject, bus), log: log}
	return l, l.load(ctx)
}

// MarshalJSON shows the settings in force (GET /api/v1/admin/routing).
func (l *liveRouting) MarshalJSON() ([]byte, error) { return json.Marshal(l.Config()) }

// deptRoutingResp documents the department routing answer.
type deptRoutingResp struct {
	DepartmentID string                 `json:"departmentId"`
	Routing      agentdesk.DeptRouting  `json:"routing"`
	Override     *agentdesk.DeptRouting `json:"override"`
}
