package agentdesk

import (
	"sync"
	"time"

	"github.com/civicdesk/civicdesk"
)

// sessionRecheck is how long a desk session, and its agent, are taken from
// memory before the store is read again. Within it a request costs no store
// read. What this replica changes (sign-out, sign out everywhere, an agent
// edited or deactivated, an idle session ended) takes effect here at once;
// the same change made on another replica takes effect here within it.
const sessionRecheck = 5 * time.Second

// sessionCache holds recently checked desk sessions by token hash.
type sessionCache struct {
	mu sync.Mutex
	m  map[string]cachedSession
}

type cachedSession struct {
	token   civicdesk.Token
	agent   civicdesk.Agent
	checked time.Time
}

func newSessionCache() *sessionCache { return &sessionCache{m: map[string]cachedSession{}} }

// get returns the session of hash if it was checked within sessionRecheck
// of now.
func (sc *sessionCache) get(hash string, now time.Time) (cachedSession, bool) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	cs, ok := sc.m[hash]
	if !ok || now.Sub(cs.checked) >= sessionRecheck || now.Before(cs.checked) {
		return cachedSession{}, false
	}
	return cs, true
}

func (sc *sessionCache) put(hash string, cs cachedSession) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if len(sc.m) > 50000 {
		clear(sc.m) // a bound; everyone is simply read again
	}
	sc.m[hash] = cs
}

// touched records that the session's last use was written to the store.
func (sc *sessionCache) touched(hash string, at time.Time) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if cs, ok := sc.m[hash]; ok {
		cs.token.LastSeenAt = at
		sc.m[hash] = cs
	}
}

func (sc *sessionCache) drop(hash string) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	delete(sc.m, hash)
}

// dropAgent forgets every session of agent id.
func (sc *sessionCache) dropAgent(id string) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	for h, cs := range sc.m {
		if cs.agent.ID == id {
			delete(sc.m, h)
		}
	}
}
