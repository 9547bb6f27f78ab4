package llm

import (
	"sync"
	"time"
)

// breaker is a circuit breaker: after failures consecutive failures it
// opens and no call goes through until cooldown has passed; then one
// trial call goes through (half-open): its success closes the breaker,
// its failure opens it for another cooldown.
type breaker struct {
	failures int
	cooldown time.Duration
	now      func() time.Time

	mu        sync.Mutex
	streak    int       // consecutive failures
	openUntil time.Time // zero when closed
	trial     bool      // a half-open trial call is in flight
}

// allow reports whether a call may go through now; trial is true for the
// single call let through after a cooldown.
func (b *breaker) allow() (ok, trial bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.openUntil.IsZero() {
		return true, false
	}
	if b.trial || b.now().Before(b.openUntil) {
		return false, false
	}
	b.trial = true
	return true, true
}

// success records a call that went well.
func (b *breaker) success() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.streak, b.openUntil, b.trial = 0, time.Time{}, false
}

// failure records a call that failed, and reports whether the breaker is
// open now.
func (b *breaker) failure() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.streak++
	if b.trial || b.streak >= b.failures {
		b.openUntil = b.now().Add(b.cooldown)
	}
	b.trial = false
	return !b.openUntil.IsZero()
}

// release ends a trial call that neither failed nor succeeded (the caller
// gave up), so that the next call may try again.
func (b *breaker) release(trial bool) {
	if !trial {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.trial = false
}
