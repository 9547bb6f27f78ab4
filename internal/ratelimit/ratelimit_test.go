package ratelimit

import (
	"testing"
	"time"
)

func TestBucket(t *testing.T) {
	l := New(1, 3)
	now := time.Unix(1000, 0)
	l.now = func() time.Time { return now }
	for i := range 3 {
		if !l.Allow("a") {
			t.Fatalf("burst %d refused", i)
		}
	}
	if l.Allow("a") {
		t.Fatal("4th in a burst of 3 allowed")
	}
	if !l.Allow("b") {
		t.Fatal("another key was limited")
	}
	now = now.Add(time.Second)
	if !l.Allow("a") || l.Allow("a") {
		t.Fatal("refill of one token per second wrong")
	}
	var off *Limiter
	if !off.Allow("x") {
		t.Fatal("nil limiter refused")
	}
}
