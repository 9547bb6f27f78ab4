package fanout

import (
	"errors"
	"slices"
	"testing"
)

type fakeBus struct {
	subscribed []string
	failOn     string
}

func (b *fakeBus) Subscribe(subject string, _ func(string, []byte)) (func(), error) {
	if subject == b.failOn {
		return nil, errors.New("refused")
	}
	b.subscribed = append(b.subscribed, subject)
	return func() {
		b.subscribed = slices.DeleteFunc(b.subscribed, func(s string) bool { return s == subject })
	}, nil
}

func TestListenSubscribesOnceAndUnsubscribes(t *testing.T) {
	bus := &fakeBus{}
	var l Listener
	for range 3 {
		if _, err := l.Listen(bus, nil, "a.>", "b.>"); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(bus.subscribed, []string{"a.>", "b.>"}) {
		t.Fatalf("subscribed %v, want a.> and b.> once", bus.subscribed)
	}
	unsub, _ := l.Listen(bus, nil, "a.>", "b.>")
	unsub()
	if len(bus.subscribed) != 0 {
		t.Fatalf("still subscribed to %v", bus.subscribed)
	}
}

func TestFailedListenLeavesNothingSubscribed(t *testing.T) {
	bus := &fakeBus{failOn: "c.>"}
	var l Listener
	if _, err := l.Listen(bus, nil, "a.>", "b.>", "c.>"); err == nil {
		t.Fatal("Listen succeeded with a refused subject")
	}
	if len(bus.subscribed) != 0 {
		t.Fatalf("left subscribed to %v", bus.subscribed)
	}
	if _, err := l.Listen(bus, nil, "a.>"); err == nil {
		t.Fatal("a second Listen forgot the first one's error")
	}
}
