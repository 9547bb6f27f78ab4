package fanout

import "sync"

// Subscriber is the part of the bus a hub listens with (core NATS).
type Subscriber interface {
	Subscribe(subject string, handler func(subject string, data []byte)) (func(), error)
}

// Listener subscribes once; the zero value is ready to use.
type Listener struct {
	once  sync.Once
	unsub func()
	err   error
}

// Listen subscribes handler to every subject the first time it is called
// and returns the same unsubscribe func and error every time. On an error
// nothing stays subscribed.
func (l *Listener) Listen(bus Subscriber, handler func(subject string, data []byte), subjects ...string) (func(), error) {
	l.once.Do(func() {
		var unsubs []func()
		l.unsub = func() {
			for _, u := range unsubs {
				u()
			}
		}
		for _, subj := range subjects {
			u, err := bus.Subscribe(subj, handler)
			if err != nil {
				l.unsub()
				unsubs, l.err = nil, err
				return
			}
			unsubs = append(unsubs, u)
		}
	})
	return l.unsub, l.err
}
