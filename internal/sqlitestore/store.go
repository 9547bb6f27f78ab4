package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/internal/metrics"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Store is the SQLite store. It is safe for concurrent use.
type Store struct {
	db *sql.DB
	// Statements of the hot paths, prepared once: SQLite then parses each
	// once per connection instead of once per call.
	stmtGetConversation *sql.Stmt
	stmtOpenLookup      *sql.Stmt
	stmtGetMessage      *sql.Stmt
	stmtListMessages    *sql.Stmt
	stmtGetToken        *sql.Stmt

	// messages is the connection the recorder's message inserts go
	// through, alone, with a page cache of its own large enough for the
	// index pages that inserts touch (see messagesCache).
	messagesMu     sync.Mutex
	messages       *sql.Conn
	messagesInsert *sql.Stmt
	// heads caches the conversation heads read through messages, valid
	// while that connection's data_version (messagesDataVersion reads it)
	// is headsVersion, that is while no other connection of this process
	// or another has committed: the recorder asks for the same few
	// conversations batch after batch, and between their changes nothing
	// but message inserts (on messages itself) is written.
	heads               map[string]civicdesk.Conversation
	headsVersion        int64
	messagesDataVersion *sql.Stmt

	stopCheckpoints chan struct{}
	checkpointsDone chan struct{}
}

// Config says where the database lives.
type Config struct {
	// Path of the database file; ":memory:" is not supported because the
	// pool needs one shared database.
	Path string
}

// New opens (creating if needed) the database at cfg.Path and migrates it.
func New(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Path == "" {
		return nil, errors.New("sqlitestore: empty path")
	}
	dsn := "file:" + cfg.Path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)&_pragma=secure_delete(ON)&_pragma=wal_autocheckpoint(20000)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: open %s: %w", cfg.Path, err)
	}
	db.SetMaxOpenConns(8)
	// Keep every connection open: closing one throws away its page cache and
	// its prepared statements (database/sql keeps only 2 idle by default).
	db.SetMaxIdleConns(8)
	s := &Store{db: db}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.prepare(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.openMessagesConn(ctx); err != nil {
		s.Close()
		return nil, err
	}
	s.stopCheckpoints = make(chan struct{})
	s.checkpointsDone = make(chan struct{})
	go s.checkpoints(s.stopCheckpoints, s.checkpointsDone)
	return s, nil
}

// checkpointEvery is how often the background checkpointer copies the
// write-ahead log into the database.
const checkpointEvery = 500 * time.Millisecond

// checkpoints copies the write-ahead log into the database in the
// background (PASSIVE: writers and readers go on meanwhile), so that commits
// do not do it themselves: with SQLite's default a commit that finds 1,000
// pages in the log copies them before it returns, which stalls the writer
// (the recorder) and copies a page again for every commit that touched it.
// wal_autocheckpoint(20000) remains as a backstop should this fall behind.
func (s *Store) checkpoints(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_, _ = s.db.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`)
		cancel()
	}
}

// messagesCache is the page cache of the message-insert connection, in
// KiB. Message ids are hashes and conversations interleave, so every insert
// lands on a different leaf of both message indexes: with SQLite's default
// 2 MiB cache most of those leaves had to be read back from the file (a
// system call each) on every insert. A larger cache is not free either: a
// commit whose inserts split a page scans the cache's whole hash table
// (balance_nonroot renumbers pages through the lock-byte page, which leaves
// the cache's highest key far past the end of the file), so its cost grows
// with the cache. 8 MiB costs less CPU than 24 MiB at 3,000 messages/s, and
// about as little as 4 MiB in a benchmark of the inserts alone
// (docs/benchmarks.md).
const messagesCache = 8 << 10

func (s *Store) openMessagesConn(ctx context.Context) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlitestore: connection: %w", err)
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA cache_size=-%d", messagesCache)); err != nil {
		conn.Close()
		return fmt.Errorf("sqlitestore: cache size: %w", err)
	}
	st, err := conn.PrepareContext(ctx, `INSERT INTO messages(id,conversation_id,seq,doc) VALUES(?,?,?,?) ON CONFLICT(id) DO NOTHING`)
	if err != nil {
		conn.Close()
		return fmt.Errorf("sqlitestore: prepare message insert: %w", err)
	}
	dv, err := conn.PrepareContext(ctx, `PRAGMA data_version`)
	if err != nil {
		st.Close()
		conn.Close()
		return fmt.Errorf("sqlitestore: prepare data_version: %w", err)
	}
	s.messages, s.messagesInsert, s.messagesDataVersion = conn, st, dv
	s.heads, s.headsVersion = make(map[string]civicdesk.Conversation), -1
	return nil
}

func (s *Store) prepare(ctx context.Context) error {
	for _, p := range []struct {
		dst **sql.Stmt
		q   string
	}{
		{&s.stmtGetConversation, `SELECT doc FROM conversations WHERE id=?`},
		{&s.stmtOpenLookup, `SELECT c.doc FROM open_conversations o JOIN conversations c ON c.id=o.conversation_id WHERE o.contact_id=? AND o.channel=?`},
		{&s.stmtGetMessage, `SELECT doc FROM messages WHERE id=?`},
		{&s.stmtListMessages, `SELECT doc FROM messages WHERE conversation_id=? AND seq>? ORDER BY seq LIMIT ?`},
		{&s.stmtGetToken, `SELECT hash,kind,subject_id,expires_at,last_seen_at FROM tokens WHERE hash=?`},
	} {
		st, err := s.db.PrepareContext(ctx, p.q)
		if err != nil {
			return fmt.Errorf("sqlitestore: prepare %q: %w", p.q, err)
		}
		*p.dst = st
	}
	return nil
}

const schema = `
CREATE TABLE IF NOT EXISTS contacts (
	id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, phone TEXT NOT NULL,
	locale TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
	hash TEXT PRIMARY KEY, kind TEXT NOT NULL, subject_id TEXT NOT NULL, expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS conversations (
	id TEXT PRIMARY KEY, contact_id TEXT NOT NULL, channel TEXT NOT NULL, state TEXT NOT NULL,
	department_id TEXT NOT NULL, agent_id TEXT NOT NULL, created_at INTEGER NOT NULL,
	doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS conversations_state ON conversations(state, department_id, created_at);
CREATE INDEX IF NOT EXISTS conversations_agent ON conversations(agent_id, state);
CREATE INDEX IF NOT EXISTS conversations_contact ON conversations(contact_id, created_at);
CREATE INDEX IF NOT EXISTS conversations_created ON conversations(created_at, id);
CREATE TABLE IF NOT EXISTS open_conversations (
	contact_id TEXT NOT NULL, channel TEXT NOT NULL, conversation_id TEXT NOT NULL,
	PRIMARY KEY (contact_id, channel));
CREATE TABLE IF NOT EXISTS messages (
	id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL, seq INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS messages_conversation ON messages(conversation_id, seq);
CREATE TABLE IF NOT EXISTS notes (
	id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL, agent_id TEXT NOT NULL, text TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS notes_conversation ON notes(conversation_id, created_at);
CREATE TABLE IF NOT EXISTS agents (
	id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, status TEXT NOT NULL, password_hash TEXT NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS departments (id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
	kind TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, updated_at INTEGER NOT NULL,
	PRIMARY KEY (kind, key));
`

func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, schema); err != nil {
		return fmt.Errorf("sqlitestore: migrate: %w", err)
	}
	if err := s.addColumns(ctx, "departments", map[string]string{
		"retention_days": "INTEGER NOT NULL DEFAULT 0", "retention_action": "TEXT NOT NULL DEFAULT ''"}); err != nil {
		return err
	}
	// Sessions' last use (idle timeout), 0 = never; and the index that
	// "sign out everywhere" deletes by.
	if err := s.addColumns(ctx, "tokens", map[string]string{"last_seen_at": "INTEGER NOT NULL DEFAULT 0"}); err != nil {
		return err
	}
	if err := s.migrateClosedAt(ctx); err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, `CREATE INDEX IF NOT EXISTS tokens_subject ON tokens(subject_id, kind)`); err != nil {
		return fmt.Errorf("sqlitestore: migrate tokens: %w", err)
	}
	return nil
}

// migrateClosedAt gives conversations their closing time as a column (ms;
// 0 while open, 1 when closed at an unknown time), filled in from the
// documents of a store made by an older version, and indexes it.
func (s *Store) migrateClosedAt(ctx context.Context) error {
	if err := s.addColumns(ctx, "conversations", map[string]string{"closed_at": "INTEGER NOT NULL DEFAULT 0"}); err != nil {
		return err
	}
	// The index first: with it, finding what is left to fill in (nothing,
	// after the first start) reads no conversation.
	if _, err := s.db.ExecContext(ctx, `CREATE INDEX IF NOT EXISTS conversations_closed ON conversations(closed_at, state)`); err != nil {
		return fmt.Errorf("sqlitestore: migrate closed_at: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, doc FROM conversations WHERE closed_at=0 AND state='closed'`)
	if err != nil {
		return fmt.Errorf("sqlitestore: migrate closed_at: %w", err)
	}
	fill := map[string]int64{}
	for rows.Next() {
		var id, doc string
		if err := rows.Scan(&id, &doc); err != nil {
			rows.Close()
			return fmt.Errorf("sqlitestore: migrate closed_at: %w", err)
		}
		var c civicdesk.Conversation
		if err := json.Unmarshal([]byte(doc), &c); err != nil {
			rows.Close()
			return fmt.Errorf("sqlitestore: migrate closed_at: decode %s: %w", id, err)
		}
		fill[id] = closedAtMS(c)
	}
	rows.Close()
	for id, at := range fill {
		if _, err := s.db.ExecContext(ctx, `UPDATE conversations SET closed_at=? WHERE id=?`, at, id); err != nil {
			return fmt.Errorf("sqlitestore: migrate closed_at: %w", err)
		}
	}
	return nil
}

// closedAtMS is the closed_at column of c.
func closedAtMS(c civicdesk.Conversation) int64 {
	switch {
	case c.State != civicdesk.StateClosed:
		return 0
	case c.ClosedAt == nil:
		return 1
	default:
		return max(ms(*c.ClosedAt), 1)
	}
}

// addColumns adds the columns a table created by an older version lacks.
func (s *Store) addColumns(ctx context.Context, table string, cols map[string]string) error {
	rows, err := s.db.QueryContext(ctx, `SELECT name FROM pragma_table_info(?)`, table)
	if err != nil {
		return fmt.Errorf("sqlitestore: migrate %s: %w", table, err)
	}
	have := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return fmt.Errorf("sqlitestore: migrate %s: %w", table, err)
		}
		have[name] = true
	}
	rows.Close()
	for name, def := range cols {
		if have[name] {
			continue
		}
		if _, err := s.db.ExecContext(ctx, `ALTER TABLE `+table+` ADD COLUMN `+name+` `+def); err != nil {
			return fmt.Errorf("sqlitestore: migrate %s.%s: %w", table, name, err)
		}
	}
	return nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("sqlitestore: ping: %w", err)
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error {
	if s.stopCheckpoints != nil {
		close(s.stopCheckpoints)
		<-s.checkpointsDone
		s.stopCheckpoints = nil
	}
	for _, st := range []*sql.Stmt{s.stmtGetConversation, s.stmtOpenLookup, s.stmtGetMessage, s.stmtListMessages, s.stmtGetToken, s.messagesInsert, s.messagesDataVersion} {
		if st != nil {
			st.Close()
		}
	}
	if s.messages != nil {
		s.messages.Close()
	}
	return s.db.Close()
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// mapErr turns driver errors into the domain's codes.
func mapErr(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, civicdesk.ErrNotFound)
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return civicdesk.Wrap(civicdesk.CodeConflict, err, what+": already exists")
		}
	}
	return fmt.Errorf("sqlitestore: %s: %w", what, err)
}

// CreateContact inserts a new contact.
func (s *Store) CreateContact(ctx context.Context, c civicdesk.Contact) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO contacts(id,name,email,phone,locale,created_at) VALUES(?,?,?,?,?,?)`,
		c.ID, c.Name, c.Email, c.Phone, c.Locale, ms(c.CreatedAt))
	return mapErr(err, "create contact")
}

// PutContact replaces an existing contact.
func (s *Store) PutContact(ctx context.Context, c civicdesk.Contact) error {
	res, err := s.db.ExecContext(ctx, `UPDATE contacts SET name=?, email=?, phone=?, locale=?, created_at=? WHERE id=?`,
		c.Name, c.Email, c.Phone, c.Locale, ms(c.CreatedAt), c.ID)
	if err != nil {
		return mapErr(err, "put contact")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("put contact %s: %w", c.ID, civicdesk.ErrNotFound)
	}
	return nil
}

// GetContact returns a contact by id.
func (s *Store) GetContact(ctx context.Context, id string) (civicdesk.Contact, error) {
	var c civicdesk.Contact
	var created int64
	err := s.db.QueryRowContext(ctx, `SELECT id,name,email,phone,locale,created_at FROM contacts WHERE id=?`, id).
		Scan(&c.ID, &c.Name, &c.Email, &c.Phone, &c.Locale, &created)
	if err != nil {
		return c, mapErr(err, "get contact")
	}
	c.CreatedAt = fromMS(created)
	return c, nil
}

// PutToken inserts or replaces a token.
func (s *Store) PutToken(ctx context.Context, t civicdesk.Token) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO tokens(hash,kind,subject_id,expires_at,last_seen_at) VALUES(?,?,?,?,?)
		ON CONFLICT(hash) DO UPDATE SET kind=excluded.kind, subject_id=excluded.subject_id, expires_at=excluded.expires_at, last_seen_at=excluded.last_seen_at`,
		t.Hash, string(t.Kind), t.SubjectID, ms(t.ExpiresAt), msOrZero(t.LastSeenAt))
	return mapErr(err, "put token")
}

// msOrZero stores the zero time as 0, so that it reads back as zero.
func msOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return ms(t)
}

// TouchToken sets an existing token's last use; a missing one stays missing.
func (s *Store) TouchToken(ctx context.Context, hash string, lastSeen time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE tokens SET last_seen_at=? WHERE hash=?`, msOrZero(lastSeen), hash)
	return mapErr(err, "touch token")
}

// DeleteTokensOf deletes every token of kind for subject.
func (s *Store) DeleteTokensOf(ctx context.Context, kind civicdesk.TokenKind, subject string) (int, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM tokens WHERE subject_id=? AND kind=?`, subject, string(kind))
	if err != nil {
		return 0, mapErr(err, "delete tokens")
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// GetToken returns a token by hash.
func (s *Store) GetToken(ctx context.Context, hash string) (civicdesk.Token, error) {
	defer observe("get_token", time.Now())
	var t civicdesk.Token
	var kind string
	var exp, seen int64
	err := s.stmtGetToken.QueryRowContext(ctx, hash).Scan(&t.Hash, &kind, &t.SubjectID, &exp, &seen)
	if err != nil {
		return t, mapErr(err, "get token")
	}
	t.Kind, t.ExpiresAt = civicdesk.TokenKind(kind), fromMS(exp)
	if seen != 0 {
		t.LastSeenAt = fromMS(seen)
	}
	return t, nil
}

// DeleteToken removes a token; a missing one is not an error.
func (s *Store) DeleteToken(ctx context.Context, hash string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM tokens WHERE hash=?`, hash)
	return mapErr(err, "delete token")
}

// OpenConversation returns the open conversation of the candidate's contact
// and channel, creating the candidate when there is none.
func (s *Store) OpenConversation(ctx context.Context, cand civicdesk.Conversation) (civicdesk.Conversation, bool, error) {
	defer observe("open_conversation", time.Now())
	// Most calls find the conversation open: read it without taking the
	// write lock. Only a contact without one takes the transaction below,
	// which checks again.
	var doc string
	err := s.stmtOpenLookup.QueryRowContext(ctx, cand.ContactID, string(cand.Channel)).Scan(&doc)
	if err == nil {
		var c civicdesk.Conversation
		if err := json.Unmarshal([]byte(doc), &c); err != nil {
			return cand, false, fmt.Errorf("sqlitestore: decode conversation: %w", err)
		}
		return c, false, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return cand, false, mapErr(err, "open conversation")
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return cand, false, mapErr(err, "open conversation")
	}
	defer tx.Rollback()
	var existing string
	err = tx.QueryRowContext(ctx, `SELECT conversation_id FROM open_conversations WHERE contact_id=? AND channel=?`,
		cand.ContactID, string(cand.Channel)).Scan(&existing)
	if err == nil {
		c, err := getConversation(ctx, tx, existing)
		return c, false, err
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return cand, false, mapErr(err, "open conversation")
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO open_conversations(contact_id,channel,conversation_id) VALUES(?,?,?)`,
		cand.ContactID, string(cand.Channel), cand.ID); err != nil {
		return cand, false, mapErr(err, "open conversation")
	}
	if err := insertConversation(ctx, tx, cand); err != nil {
		return cand, false, err
	}
	if err := tx.Commit(); err != nil {
		return cand, false, mapErr(err, "open conversation")
	}
	return cand, true, nil
}

// querier is a *sql.DB, one of its connections or a transaction.
type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
}

func insertConversation(ctx context.Context, q querier, c civicdesk.Conversation) error {
	doc, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("sqlitestore: encode conversation: %w", err)
	}
	_, err = q.ExecContext(ctx, `INSERT INTO conversations(id,contact_id,channel,state,department_id,agent_id,created_at,closed_at,doc) VALUES(?,?,?,?,?,?,?,?,?)`,
		c.ID, c.ContactID, string(c.Channel), string(c.State), c.DepartmentID, c.AssignedAgentID, ms(c.CreatedAt), closedAtMS(c), string(doc))
	return mapErr(err, "insert conversation")
}

func getConversation(ctx context.Context, q querier, id string) (civicdesk.Conversation, error) {
	var doc string
	var c civicdesk.Conversation
	if err := q.QueryRowContext(ctx, `SELECT doc FROM conversations WHERE id=?`, id).Scan(&doc); err != nil {
		return c, mapErr(err, "get conversation")
	}
	if err := json.Unmarshal([]byte(doc), &c); err != nil {
		return c, fmt.Errorf("sqlitestore: decode conversation %s: %w", id, err)
	}
	return c, nil
}

// GetConversation returns a conversation by id.
func (s *Store) GetConversation(ctx context.Context, id string) (civicdesk.Conversation, error) {
	defer observe("get_conversation", time.Now())
	var doc string
	var c civicdesk.Conversation
	if err := s.stmtGetConversation.QueryRowContext(ctx, id).Scan(&doc); err != nil {
		return c, mapErr(err, "get conversation")
	}
	if err := json.Unmarshal([]byte(doc), &c); err != nil {
		return c, fmt.Errorf("sqlitestore: decode conversation %s: %w", id, err)
	}
	return c, nil
}

// GetConversations returns the conversations with the given ids that exist,
// by id, in one query: the recorder's batch read.
func (s *Store) GetConversations(ctx context.Context, ids []string) (map[string]civicdesk.Conversation, error) {
	defer observe("get_conversations", time.Now())
	return s.getConversations(ctx, s.db, ids, func(doc []byte) (c civicdesk.Conversation, err error) {
		err = json.Unmarshal(doc, &c)
		return c, err
	})
}

// headDoc decodes a conversation document for its Head: the parts Head
// leaves out that cost the most to decode are skipped, not decoded.
type headDoc struct {
	civicdesk.Conversation
	Triage      skipped `json:"triage"`
	Decisions   skipped `json:"decisions"`
	LastMessage skipped `json:"lastMessage"`
}

// skipped is a JSON value passed over.
type skipped struct{}

func (*skipped) UnmarshalJSON([]byte) error { return nil }

// GetConversationHeads is GetConversations for readers that need only each
// conversation's Head (the recorder's message events), which spares decoding
// the triage and routing history. It reads through the message-insert
// connection, and answers from what it read before while no other
// connection has committed since (see Store.heads).
func (s *Store) GetConversationHeads(ctx context.Context, ids []string) (map[string]civicdesk.Conversation, error) {
	defer observe("get_conversation_heads", time.Now())
	s.messagesMu.Lock()
	defer s.messagesMu.Unlock()
	var version int64
	if err := s.messagesDataVersion.QueryRowContext(ctx).Scan(&version); err != nil {
		return nil, mapErr(err, "get conversation heads")
	}
	if version != s.headsVersion || len(s.heads) > maxCachedHeads {
		clear(s.heads)
		s.headsVersion = version
	}
	out := make(map[string]civicdesk.Conversation, len(ids))
	var missing []string
	for _, id := range ids {
		if h, ok := s.heads[id]; ok {
			out[id] = h
		} else {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	read, err := s.getConversations(ctx, s.messages, missing, func(doc []byte) (civicdesk.Conversation, error) {
		var h headDoc
		if err := json.Unmarshal(doc, &h); err != nil {
			return civicdesk.Conversation{}, err
		}
		return h.Conversation.Head(), nil
	})
	if err != nil {
		return nil, err
	}
	for id, h := range read {
		out[id] = h
		s.heads[id] = h
	}
	return out, nil
}

// maxCachedHeads bounds Store.heads (a head is some 300 bytes).
const maxCachedHeads = 20_000

func (s *Store) getConversations(ctx context.Context, q querier, ids []string, decode func(doc []byte) (civicdesk.Conversation, error)) (map[string]civicdesk.Conversation, error) {
	out := make(map[string]civicdesk.Conversation, len(ids))
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := q.QueryContext(ctx, `SELECT doc FROM conversations WHERE id IN (`+strings.TrimSuffix(strings.Repeat("?,", len(chunk)), ",")+`)`, args...)
		if err != nil {
			return nil, mapErr(err, "get conversations")
		}
		for rows.Next() {
			var doc sql.RawBytes // decoded before Next reuses it
			if err := rows.Scan(&doc); err != nil {
				rows.Close()
				return nil, mapErr(err, "get conversations")
			}
			c, err := decode(doc)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("sqlitestore: decode conversation: %w", err)
			}
			out[c.ID] = c
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, mapErr(err, "get conversations")
		}
	}
	return out, nil
}

// PutConversation replaces a conversation; closing it frees its open slot.
func (s *Store) PutConversation(ctx context.Context, c civicdesk.Conversation) error {
	defer observe("put_conversation", time.Now())
	doc, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("sqlitestore: encode conversation: %w", err)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err, "put conversation")
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE conversations SET contact_id=?, channel=?, state=?, department_id=?, agent_id=?, created_at=?, closed_at=?, doc=? WHERE id=?`,
		c.ContactID, string(c.Channel), string(c.State), c.DepartmentID, c.AssignedAgentID, ms(c.CreatedAt), closedAtMS(c), string(doc), c.ID)
	if err != nil {
		return mapErr(err, "put conversation")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("put conversation %s: %w", c.ID, civicdesk.ErrNotFound)
	}
	if c.State == civicdesk.StateClosed {
		if _, err := tx.ExecContext(ctx, `DELETE FROM open_conversations WHERE conversation_id=?`, c.ID); err != nil {
			return mapErr(err, "put conversation")
		}
	}
	return mapErr(tx.Commit(), "put conversation")
}

// ListConversations returns the conversations matching f, oldest first.
func (s *Store) ListConversations(ctx context.Context, f civicdesk.ConversationFilter) ([]civicdesk.Conversation, error) {
	var where []string
	var args []any
	in := func(col string, vals []string) {
		if len(vals) == 0 {
			return
		}
		where = append(where, col+" IN ("+strings.TrimSuffix(strings.Repeat("?,", len(vals)), ",")+")")
		for _, v := range vals {
			args = append(args, v)
		}
	}
	states := make([]string, len(f.States))
	for i, st := range f.States {
		states[i] = string(st)
	}
	in("state", states)
	in("department_id", f.DepartmentIDs)
	if f.AgentID != "" {
		where, args = append(where, "agent_id=?"), append(args, f.AgentID)
	}
	if f.ContactID != "" {
		where, args = append(where, "contact_id=?"), append(args, f.ContactID)
	}
	if !f.ClosedSince.IsZero() {
		where, args = append(where, "(closed_at=0 OR closed_at>=?)"), append(args, ms(f.ClosedSince))
	}
	q := "SELECT doc FROM conversations"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY created_at, id"
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, mapErr(err, "list conversations")
	}
	defer rows.Close()
	var out []civicdesk.Conversation
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, mapErr(err, "list conversations")
		}
		var c civicdesk.Conversation
		if err := json.Unmarshal([]byte(doc), &c); err != nil {
			return nil, fmt.Errorf("sqlitestore: decode conversation: %w", err)
		}
		out = append(out, c)
	}
	return out, mapErr(rows.Err(), "list conversations")
}

// InsertMessage stores m unless its id is already stored.
func (s *Store) InsertMessage(ctx context.Context, m civicdesk.Message) (bool, error) {
	defer observe("insert_message", time.Now())
	doc, err := json.Marshal(m)
	if err != nil {
		return false, fmt.Errorf("sqlitestore: encode message: %w", err)
	}
	s.messagesMu.Lock()
	res, err := s.messagesInsert.ExecContext(ctx, m.ID, m.ConversationID, int64(m.Seq), string(doc))
	s.messagesMu.Unlock()
	if err != nil {
		return false, mapErr(err, "insert message")
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// InsertMessages stores each message of ms unless its id is already stored,
// all in one transaction: the recorder's batch write. inserted[i] says
// whether ms[i] was new. Either every message is stored or, on error, none.
func (s *Store) InsertMessages(ctx context.Context, ms []civicdesk.Message) (inserted []bool, err error) {
	defer observe("insert_messages", time.Now())
	inserted = make([]bool, len(ms))
	if len(ms) == 0 {
		return inserted, nil
	}
	docs := make([]string, len(ms))
	for i := range ms {
		doc, err := json.Marshal(ms[i])
		if err != nil {
			return nil, fmt.Errorf("sqlitestore: encode message: %w", err)
		}
		docs[i] = string(doc)
	}
	s.messagesMu.Lock()
	defer s.messagesMu.Unlock()
	tx, err := s.messages.BeginTx(ctx, nil)
	if err != nil {
		return nil, mapErr(err, "insert messages")
	}
	defer tx.Rollback()
	stmt := tx.StmtContext(ctx, s.messagesInsert)
	// The inserts go without ctx's cancellation, which the transaction
	// keeps (database/sql rolls it back once ctx is done): for a context
	// that can end, the driver starts a goroutine for every statement to
	// watch it, a hand-off between threads per message.
	insertCtx := context.WithoutCancel(ctx)
	for i := range ms {
		res, err := stmt.ExecContext(insertCtx, ms[i].ID, ms[i].ConversationID, int64(ms[i].Seq), docs[i])
		if err != nil {
			return nil, mapErr(err, "insert messages")
		}
		n, _ := res.RowsAffected()
		inserted[i] = n == 1
	}
	if err := tx.Commit(); err != nil {
		return nil, mapErr(err, "insert messages")
	}
	return inserted, nil
}

// GetMessage returns a message by id.
func (s *Store) GetMessage(ctx context.Context, id string) (civicdesk.Message, error) {
	var doc string
	var m civicdesk.Message
	if err := s.stmtGetMessage.QueryRowContext(ctx, id).Scan(&doc); err != nil {
		return m, mapErr(err, "get message")
	}
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		return m, fmt.Errorf("sqlitestore: decode message: %w", err)
	}
	return m, nil
}

// ListMessages returns a conversation's messages after afterSeq in order.
func (s *Store) ListMessages(ctx context.Context, convID string, afterSeq uint64, limit int) ([]civicdesk.Message, error) {
	defer observe("list_messages", time.Now())
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := s.stmtListMessages.QueryContext(ctx, convID, int64(afterSeq), limit)
	if err != nil {
		return nil, mapErr(err, "list messages")
	}
	defer rows.Close()
	var out []civicdesk.Message
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, mapErr(err, "list messages")
		}
		var m civicdesk.Message
		if err := json.Unmarshal([]byte(doc), &m); err != nil {
			return nil, fmt.Errorf("sqlitestore: decode message: %w", err)
		}
		out = append(out, m)
	}
	return out, mapErr(rows.Err(), "list messages")
}

// InsertNote stores an internal note.
func (s *Store) InsertNote(ctx context.Context, n civicdesk.Note) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO notes(id,conversation_id,agent_id,text,created_at) VALUES(?,?,?,?,?)`,
		n.ID, n.ConversationID, n.AgentID, n.Text, ms(n.CreatedAt))
	return mapErr(err, "insert note")
}

// ListNotes returns a conversation's notes, oldest first.
func (s *Store) ListNotes(ctx context.Context, convID string) ([]civicdesk.Note, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id,conversation_id,agent_id,text,created_at FROM notes WHERE conversation_id=? ORDER BY created_at, id`, convID)
	if err != nil {
		return nil, mapErr(err, "list notes")
	}
	defer rows.Close()
	var out []civicdesk.Note
	for rows.Next() {
		var n civicdesk.Note
		var at int64
		if err := rows.Scan(&n.ID, &n.ConversationID, &n.AgentID, &n.Text, &at); err != nil {
			return nil, mapErr(err, "list notes")
		}
		n.CreatedAt = fromMS(at)
		out = append(out, n)
	}
	return out, mapErr(rows.Err(), "list notes")
}

// PutAgent inserts or replaces an agent.
func (s *Store) PutAgent(ctx context.Context, a civicdesk.Agent) error {
	a.Email = strings.ToLower(a.Email)
	doc, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("sqlitestore: encode agent: %w", err)
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO agents(id,email,status,password_hash,doc) VALUES(?,?,?,?,?)
		ON CONFLICT(id) DO UPDATE SET email=excluded.email, status=excluded.status, password_hash=excluded.password_hash, doc=excluded.doc`,
		a.ID, a.Email, string(a.Status), a.PasswordHash, string(doc))
	return mapErr(err, "put agent")
}

func scanAgent(row interface{ Scan(...any) error }) (civicdesk.Agent, error) {
	var a civicdesk.Agent
	var doc, status, hash string
	if err := row.Scan(&doc, &status, &hash); err != nil {
		return a, err
	}
	if err := json.Unmarshal([]byte(doc), &a); err != nil {
		return a, fmt.Errorf("sqlitestore: decode agent: %w", err)
	}
	a.Status, a.PasswordHash = civicdesk.AgentStatus(status), hash
	return a, nil
}

// GetAgent returns an agent by id.
func (s *Store) GetAgent(ctx context.Context, id string) (civicdesk.Agent, error) {
	defer observe("get_agent", time.Now())
	a, err := scanAgent(s.db.QueryRowContext(ctx, `SELECT doc,status,password_hash FROM agents WHERE id=?`, id))
	return a, mapErr(err, "get agent")
}

// GetAgentByEmail returns an agent by email, case-insensitively.
func (s *Store) GetAgentByEmail(ctx context.Context, email string) (civicdesk.Agent, error) {
	a, err := scanAgent(s.db.QueryRowContext(ctx, `SELECT doc,status,password_hash FROM agents WHERE email=?`, strings.ToLower(email)))
	return a, mapErr(err, "get agent by email")
}

// ListAgents returns every agent, by email.
func (s *Store) ListAgents(ctx context.Context) ([]civicdesk.Agent, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT doc,status,password_hash FROM agents ORDER BY email`)
	if err != nil {
		return nil, mapErr(err, "list agents")
	}
	defer rows.Close()
	var out []civicdesk.Agent
	for rows.Next() {
		a, err := scanAgent(rows)
		if err != nil {
			return nil, mapErr(err, "list agents")
		}
		out = append(out, a)
	}
	return out, mapErr(rows.Err(), "list agents")
}

// SetAgentStatus records an agent's presence.
func (s *Store) SetAgentStatus(ctx context.Context, id string, st civicdesk.AgentStatus) error {
	res, err := s.db.ExecContext(ctx, `UPDATE agents SET status=? WHERE id=?`, string(st), id)
	if err != nil {
		return mapErr(err, "set agent status")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("set agent status %s: %w", id, civicdesk.ErrNotFound)
	}
	return nil
}

// PutDepartment inserts or replaces a department.
func (s *Store) PutDepartment(ctx context.Context, d civicdesk.Department) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO departments(id,name,retention_days,retention_action) VALUES(?,?,?,?)
		ON CONFLICT(id) DO UPDATE SET name=excluded.name, retention_days=excluded.retention_days, retention_action=excluded.retention_action`,
		d.ID, d.Name, d.RetentionDays, d.RetentionAction)
	return mapErr(err, "put department")
}

// ListDepartments returns every department by id.
func (s *Store) ListDepartments(ctx context.Context) ([]civicdesk.Department, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id,name,retention_days,retention_action FROM departments ORDER BY id`)
	if err != nil {
		return nil, mapErr(err, "list departments")
	}
	defer rows.Close()
	var out []civicdesk.Department
	for rows.Next() {
		var d civicdesk.Department
		if err := rows.Scan(&d.ID, &d.Name, &d.RetentionDays, &d.RetentionAction); err != nil {
			return nil, mapErr(err, "list departments")
		}
		out = append(out, d)
	}
	return out, mapErr(rows.Err(), "list departments")
}

// PutRecord stores r, replacing any record of the same kind and key.
func (s *Store) PutRecord(ctx context.Context, r civicdesk.Record) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO records(kind,key,value,updated_at) VALUES(?,?,?,?)
		ON CONFLICT(kind,key) DO UPDATE SET value=excluded.value, updated_at=excluded.updated_at`,
		r.Kind, r.Key, r.Value, ms(r.UpdatedAt))
	return mapErr(err, "put record")
}

// InsertRecord stores r unless its kind and key exist.
func (s *Store) InsertRecord(ctx context.Context, r civicdesk.Record) (bool, error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO records(kind,key,value,updated_at) VALUES(?,?,?,?) ON CONFLICT(kind,key) DO NOTHING`,
		r.Kind, r.Key, r.Value, ms(r.UpdatedAt))
	if err != nil {
		return false, mapErr(err, "insert record")
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// GetRecord returns a record by kind and key.
func (s *Store) GetRecord(ctx context.Context, kind, key string) (civicdesk.Record, error) {
	r := civicdesk.Record{Kind: kind, Key: key}
	var at int64
	err := s.db.QueryRowContext(ctx, `SELECT value,updated_at FROM records WHERE kind=? AND key=?`, kind, key).Scan(&r.Value, &at)
	if err != nil {
		return r, mapErr(err, "get record")
	}
	r.UpdatedAt = fromMS(at)
	return r, nil
}

// ListRecords returns the records of kind whose key starts with prefix.
func (s *Store) ListRecords(ctx context.Context, kind, prefix string, limit int) ([]civicdesk.Record, error) {
	// A range on the primary key instead of LIKE: no escaping, index used.
	q := `SELECT key,value,updated_at FROM records WHERE kind=? AND key>=? AND (?='' OR key<?) ORDER BY key`
	if limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", limit)
	}
	rows, err := s.db.QueryContext(ctx, q, kind, prefix, prefix, prefixEnd(prefix))
	if err != nil {
		return nil, mapErr(err, "list records")
	}
	defer rows.Close()
	var out []civicdesk.Record
	for rows.Next() {
		r := civicdesk.Record{Kind: kind}
		var at int64
		if err := rows.Scan(&r.Key, &r.Value, &at); err != nil {
			return nil, mapErr(err, "list records")
		}
		r.UpdatedAt = fromMS(at)
		out = append(out, r)
	}
	return out, mapErr(rows.Err(), "list records")
}

// prefixEnd is the smallest string greater than every string with prefix p.
func prefixEnd(p string) string {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1])
		}
	}
	return ""
}

// DeleteRecord removes a record; a missing one is not an error.
func (s *Store) DeleteRecord(ctx context.Context, kind, key string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM records WHERE kind=? AND key=?`, kind, key)
	return mapErr(err, "delete record")
}

// observe records how long a store operation took.
func observe(op string, start time.Time) {
	metrics.StoreOps.WithLabelValues(op).Observe(time.Since(start).Seconds())
}

// DeleteConversation deletes a conversation with its messages and notes.
func (s *Store) DeleteConversation(ctx context.Context, convID string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err, "delete conversation")
	}
	defer tx.Rollback()
	for _, q := range []string{`DELETE FROM messages WHERE conversation_id=?`, `DELETE FROM notes WHERE conversation_id=?`,
		`DELETE FROM open_conversations WHERE conversation_id=?`, `DELETE FROM conversations WHERE id=?`} {
		if _, err := tx.ExecContext(ctx, q, convID); err != nil {
			return mapErr(err, "delete conversation")
		}
	}
	if err := tx.Commit(); err != nil {
		return mapErr(err, "delete conversation")
	}
	_, err = s.db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return mapErr(err, "checkpoint after delete")
}

// DeleteConversationData deletes a conversation's messages and notes.
func (s *Store) DeleteConversationData(ctx context.Context, convID string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err, "delete conversation data")
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM messages WHERE conversation_id=?`, convID); err != nil {
		return mapErr(err, "delete messages")
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM notes WHERE conversation_id=?`, convID); err != nil {
		return mapErr(err, "delete notes")
	}
	if err := tx.Commit(); err != nil {
		return mapErr(err, "delete conversation data")
	}
	// Erased text must not linger in the write-ahead log either.
	_, err = s.db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return mapErr(err, "checkpoint after delete")
}
