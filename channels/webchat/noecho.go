package webchat

import (
	"sync"
	"time"

	"github.com/civicdesk/civicdesk"
)

// A widget may name its socket (?socket= on connect) and send that name with
// a message (socketId): the message is then not echoed to that socket, which
// has it from the 202 already, only to the visitor's other tabs. Pusher's
// socket_id does the same. The 202 carries what the widget needs to place
// the message (its sequence and time). A message posted on one replica
// while its socket is on another is echoed as before.

// maxSocketID bounds a socket's name.
const maxSocketID = 64

// validSocketID reports whether s can name a socket: 8 to 64 letters,
// digits, '-' or '_'.
func validSocketID(s string) bool {
	if len(s) < 8 || len(s) > maxSocketID {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// socketIDError is the answer to a bad socket name.
func socketIDError(field string) error {
	return civicdesk.Errorf(civicdesk.CodeInvalid, "%s must be 8 to %d letters, digits, '-' or '_'", field, maxSocketID)
}

// noEcho remembers, for a short while, which socket each message is not to
// be echoed to.
type noEcho struct {
	mu        sync.Mutex
	m         map[string]noEchoEntry // message id →
	lastSweep time.Time
}

type noEchoEntry struct {
	socketID string
	seq      uint64 // as the 202 told the widget
	at       time.Time
}

// noEchoKept is how long an entry waits for its message event; a message
// whose event is later than that is echoed.
const noEchoKept = time.Minute

// note says that message id, accepted as seq, is not to be echoed to
// socketID.
func (n *noEcho) note(id, socketID string, seq uint64, now time.Time) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.m == nil {
		n.m = make(map[string]noEchoEntry)
	}
	if now.Sub(n.lastSweep) > noEchoKept { // entries whose event never came here
		n.lastSweep = now
		for k, e := range n.m {
			if now.Sub(e.at) > noEchoKept {
				delete(n.m, k)
			}
		}
	}
	n.m[id] = noEchoEntry{socketID: socketID, seq: seq, at: now}
}

// take returns the socket that message id, recorded as seq, is not to be
// echoed to ("" for none), and forgets the entry. A message recorded under
// another sequence than the 202 said (sent again after JetStream forgot its
// id, and stored before) is echoed, so that the widget places it right.
func (n *noEcho) take(id string, seq uint64) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	e, ok := n.m[id]
	if !ok {
		return ""
	}
	delete(n.m, id)
	if e.seq != seq {
		return ""
	}
	return e.socketID
}
