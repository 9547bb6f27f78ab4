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

func TestTakeSaysHowLongToWait(t *testing.T) {
	l := New(0.5, 1) // one token every two seconds
	now := time.Unix(1000, 0)
	l.now = func() time.Time { return now }
	if ok, _ := l.Take("a"); !ok {
		t.Fatal("first refused")
	}
	ok, wait := l.Take("a")
	if ok || wait != 2*time.Second {
		t.Fatalf("second = %v, wait %v; want refused, 2s", ok, wait)
	}
	now = now.Add(1500 * time.Millisecond)
	if ok, wait := l.Take("a"); ok || wait != 500*time.Millisecond {
		t.Fatalf("after 1.5s = %v, wait %v", ok, wait)
	}
	for _, c := range []struct {
		d    time.Duration
		want string
	}{{0, "1"}, {10 * time.Millisecond, "1"}, {2 * time.Second, "2"}, {2100 * time.Millisecond, "3"}} {
		if got := RetryAfter(c.d); got != c.want {
			t.Errorf("RetryAfter(%v) = %s, want %s", c.d, got, c.want)
		}
	}
}
