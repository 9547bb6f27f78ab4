package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"time"

	"github.com/civicdesk/civicdesk"
)

// Entry is one audited action.
type Entry struct {
	Seq      uint64            `json:"seq"`
	At       time.Time         `json:"at"`
	Actor    string            `json:"actor"`  // agent id, "visitor:<contact>", or "system"
	Action   string            `json:"action"` // e.g. signin, signin_failed, view, assign, transfer, export, erase, config
	Target   string            `json:"target,omitempty"`
	Detail   map[string]string `json:"detail,omitempty"`
	PrevHash string            `json:"prevHash"`
	Hash     string            `json:"hash"`
}

// Kinds of store records the trail uses.
const (
	recordKind = "audit"
	headKind   = "audit_head"
	headKey    = "head"
)

// Publisher is what recording an entry needs of NATS.
type Publisher interface {
	Publish(ctx context.Context, subject string, data []byte, msgID string) (uint64, bool, error)
}

// Recorder records entries; it is what request handlers hold.
type Recorder struct{ bus Publisher }

// NewRecorder returns a Recorder publishing to bus.
func NewRecorder(bus Publisher) *Recorder { return &Recorder{bus: bus} }

// Record publishes an entry and returns once JetStream has it. Actions are
// lower-case words; they become the subject's last token.
func (r *Recorder) Record(ctx context.Context, actor, action, target string, detail map[string]string) error {
	if r == nil {
		return nil
	}
	e := Entry{At: civicdesk.Now(), Actor: actor, Action: action, Target: target, Detail: detail}
	data, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("audit: encode: %w", err)
	}
	if _, _, err := r.bus.Publish(ctx, civicdesk.AuditSubject(action), data, ""); err != nil {
		return fmt.Errorf("audit: record %s: %w", action, err)
	}
	return nil
}

// Store is what the chain needs of the store.
type Store interface {
	InsertRecord(ctx context.Context, r civicdesk.Record) (bool, error)
	PutRecord(ctx context.Context, r civicdesk.Record) error
	GetRecord(ctx context.Context, kind, key string) (civicdesk.Record, error)
	ListRecords(ctx context.Context, kind, prefix string, limit int) ([]civicdesk.Record, error)
}

// Consumer is what the Chainer needs of NATS.
type Consumer interface {
	Consume(ctx context.Context, spec civicdesk.ConsumerSpec, handler func(ctx context.Context, d civicdesk.Delivery) error) error
}

// Chainer appends published entries to the store, chained by hash. Only one
// runs at a time per stream consumer, which keeps the chain linear.
type Chainer struct {
	store Store
	bus   Consumer
	log   *slog.Logger
	head  head
}

type head struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
}

// NewChainer returns the audit consumer.
func NewChainer(store Store, bus Consumer, log *slog.Logger) *Chainer {
	return &Chainer{store: store, bus: bus, log: log.With("component", "audit")}
}

// Run appends entries until ctx is done.
func (c *Chainer) Run(ctx context.Context) error {
	h, err := c.loadHead(ctx)
	if err != nil {
		return err
	}
	c.head = h
	return c.bus.Consume(ctx, civicdesk.ConsumerSpec{Stream: civicdesk.StreamAudit, Durable: "audit"}, c.handle)
}

func (c *Chainer) loadHead(ctx context.Context) (head, error) {
	var h head
	r, err := c.store.GetRecord(ctx, headKind, headKey)
	if civicdesk.IsNotFound(err) {
		return h, nil
	}
	if err != nil {
		return h, fmt.Errorf("audit: head: %w", err)
	}
	if err := json.Unmarshal(r.Value, &h); err != nil {
		return h, fmt.Errorf("audit: head: %w", err)
	}
	return h, nil
}

// key orders records by sequence as strings.
func key(seq uint64) string { return fmt.Sprintf("%020d", seq) }

func (c *Chainer) handle(ctx context.Context, d civicdesk.Delivery) error {
	if d.Seq <= c.head.Seq {
		return nil // a redelivery of an entry already chained
	}
	var e Entry
	if err := json.Unmarshal(d.Data, &e); err != nil {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "undecodable audit entry at seq %d", d.Seq)
	}
	e.Seq, e.PrevHash = d.Seq, c.head.Hash
	e.Hash = Hash(e)
	data, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("audit: encode: %w", err)
	}
	if _, err := c.store.InsertRecord(ctx, civicdesk.Record{Kind: recordKind, Key: key(e.Seq), Value: data, UpdatedAt: e.At}); err != nil {
		return fmt.Errorf("audit: append: %w", err)
	}
	// The stored entry wins over the one just computed: an earlier attempt
	// may have stored it before crashing, and the chain must follow it.
	stored, err := c.store.GetRecord(ctx, recordKind, key(e.Seq))
	if err != nil {
		return fmt.Errorf("audit: read back: %w", err)
	}
	var got Entry
	if err := json.Unmarshal(stored.Value, &got); err != nil {
		return fmt.Errorf("audit: read back: %w", err)
	}
	h := head{Seq: got.Seq, Hash: got.Hash}
	hd, _ := json.Marshal(h)
	if err := c.store.PutRecord(ctx, civicdesk.Record{Kind: headKind, Key: headKey, Value: hd, UpdatedAt: e.At}); err != nil {
		return fmt.Errorf("audit: head: %w", err)
	}
	c.head = h
	return nil
}

// Hash is the SHA-256 over the previous hash and the entry's content.
func Hash(e Entry) string {
	e.Hash = ""
	data, _ := json.Marshal(e) // map keys are sorted: the encoding is canonical
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// ErrBroken is returned by Verify when the chain does not hold.
var ErrBroken = errors.New("audit trail broken")

// List returns entries in order, after sequence after, at most limit.
func List(ctx context.Context, store Store, after uint64, limit int) ([]Entry, error) {
	recs, err := store.ListRecords(ctx, recordKind, "", 0)
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, r := range recs {
		seq, err := strconv.ParseUint(r.Key, 10, 64)
		if err != nil || seq <= after {
			continue
		}
		var e Entry
		if err := json.Unmarshal(r.Value, &e); err != nil {
			return nil, fmt.Errorf("audit: entry %s: %w", r.Key, err)
		}
		out = append(out, e)
		if limit > 0 && len(out) == limit {
			break
		}
	}
	return out, nil
}

// Verify walks the whole trail and reports the first entry that was edited,
// removed or reordered, and a removed tail (checked against the head). It
// returns the number of entries verified.
func Verify(ctx context.Context, store Store) (int, error) {
	entries, err := List(ctx, store, 0, 0)
	if err != nil {
		return 0, err
	}
	prev := ""
	var lastSeq uint64
	for i, e := range entries {
		if Hash(e) != e.Hash {
			return i, fmt.Errorf("%w: entry %d was edited (its hash does not match its content)", ErrBroken, e.Seq)
		}
		if e.PrevHash != prev {
			return i, fmt.Errorf("%w: the entry before %d was removed or changed (previous hash does not match)", ErrBroken, e.Seq)
		}
		prev, lastSeq = e.Hash, e.Seq
	}
	r, err := store.GetRecord(ctx, headKind, headKey)
	if civicdesk.IsNotFound(err) {
		if len(entries) > 0 {
			return len(entries), fmt.Errorf("%w: the head record is missing", ErrBroken)
		}
		return 0, nil
	}
	if err != nil {
		return len(entries), err
	}
	var h head
	if err := json.Unmarshal(r.Value, &h); err != nil {
		return len(entries), fmt.Errorf("%w: the head record is unreadable", ErrBroken)
	}
	// The head may lag the last entry by the moment between appending and
	// moving it; it may never point past the last entry or disagree with it.
	if h.Seq > lastSeq {
		return len(entries), fmt.Errorf("%w: entries after %d were removed (the head names %d)", ErrBroken, lastSeq, h.Seq)
	}
	if h.Seq > 0 {
		i := sort.Search(len(entries), func(i int) bool { return entries[i].Seq >= h.Seq })
		if i == len(entries) || entries[i].Seq != h.Seq || entries[i].Hash != h.Hash {
			return len(entries), fmt.Errorf("%w: the head does not match entry %d", ErrBroken, h.Seq)
		}
	}
	return len(entries), nil
}
