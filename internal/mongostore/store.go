package mongostore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/connstring"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/internal/metrics"
)

// Config says which MongoDB to use.
type Config struct {
	// URI is a MongoDB connection string, such as
	// "mongodb://db1,db2,db3/?replicaSet=rs0".
	URI string
	// Database is the database name; empty means the one named in URI, or
	// "civicdesk" when URI names none.
	Database string
}

// DefaultDatabase is the database used when neither Config.Database nor the
// URI names one.
const DefaultDatabase = "civicdesk"

// Collection names.
const (
	collContacts      = "contacts"
	collTokens        = "tokens"
	collConversations = "conversations"
	collOpen          = "openConversations"
	collMessages      = "messages"
	collNotes         = "notes"
	collAgents        = "agents"
	collDepartments   = "departments"
	collRecords       = "records"
)

// Tuning of OpenConversation when another caller holds the slot.
const (
	// openWait is how long a caller waits for the conversation of a slot
	// taken moments ago by another caller to be written.
	openWait = 5 * time.Second
	// openStale is the age after which a slot whose conversation never
	// appeared is taken to be left by a crashed caller, and freed.
	openStale = 30 * time.Second
	// openAttempts bounds the take-or-join loop.
	openAttempts = 8
)

// Store is the MongoDB store. It is safe for concurrent use.
type Store struct {
	client *mongo.Client
	db     *mongo.Database

	contacts, tokens, conversations, open *mongo.Collection
	messages, notes, agents, departments  *mongo.Collection
	records                               *mongo.Collection

	closeOnce sync.Once
	closeErr  error
}

// New connects to MongoDB and creates the indexes every query needs.
func New(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.URI == "" {
		return nil, errors.New("mongostore: no MongoDB URI configured")
	}
	cs, err := connstring.ParseAndValidate(cfg.URI)
	if err != nil {
		// The URI may hold a password: do not repeat it.
		return nil, errors.New("mongostore: invalid MongoDB URI")
	}
	dbName := cfg.Database
	if dbName == "" {
		dbName = cs.Database
	}
	if dbName == "" {
		dbName = DefaultDatabase
	}
	client, err := mongo.Connect(options.Client().ApplyURI(cfg.URI).SetAppName("civicdesk"))
	if err != nil {
		return nil, mapErr(err, "connect to MongoDB")
	}
	db := client.Database(dbName)
	s := &Store{
		client:        client,
		db:            db,
		contacts:      db.Collection(collContacts),
		tokens:        db.Collection(collTokens),
		conversations: db.Collection(collConversations),
		open:          db.Collection(collOpen),
		messages:      db.Collection(collMessages),
		notes:         db.Collection(collNotes),
		agents:        db.Collection(collAgents),
		departments:   db.Collection(collDepartments),
		records:       db.Collection(collRecords),
	}
	if err := s.ensureIndexes(ctx); err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, err
	}
	return s, nil
}

// ensureIndexes creates the indexes of every query; it is idempotent. Only
// plain and unique indexes are used: FerretDB has no partial, TTL or text
// indexes. Keyed lookups by _id need none.
func (s *Store) ensureIndexes(ctx context.Context) error {
	idx := func(keys ...string) mongo.IndexModel {
		d := bson.D{}
		for _, k := range keys {
			d = append(d, bson.E{Key: k, Value: 1})
		}
		return mongo.IndexModel{Keys: d}
	}
	unique := func(m mongo.IndexModel) mongo.IndexModel {
		m.Options = options.Index().SetUnique(true)
		return m
	}
	plan := []struct {
		coll   *mongo.Collection
		models []mongo.IndexModel
	}{
		{s.tokens, []mongo.IndexModel{idx("subjectId", "kind")}},
		{s.conversations, []mongo.IndexModel{
			idx("createdAt", "_id"),                          // unfiltered lists
			idx("state", "departmentId", "createdAt", "_id"), // queues
			idx("departmentId", "createdAt", "_id"),          // department views
			idx("assignedAgentId", "state", "createdAt"),     // an agent's work
			idx("contactId", "channel", "createdAt"),         // a contact's history
			idx("closedAt"),                                  // statistics of a recent window
		}},
		{s.open, []mongo.IndexModel{idx("conversationId")}},
		{s.messages, []mongo.IndexModel{idx("conversationId", "seq")}},
		{s.notes, []mongo.IndexModel{idx("conversationId", "createdAt", "_id")}},
		{s.agents, []mongo.IndexModel{unique(idx("emailLower"))}},
	}
	// One index per command: FerretDB v1.24.2 panics (and drops the
	// connection) on a createIndexes command that repeats more than one
	// existing index, which every start after the first would send.
	for _, p := range plan {
		for _, m := range p.models {
			if _, err := p.coll.Indexes().CreateOne(ctx, m); err != nil {
				return mapErr(err, "create indexes on "+p.coll.Name())
			}
		}
	}
	return nil
}

// Ping checks that the primary answers.
func (s *Store) Ping(ctx context.Context) error {
	return mapErr(s.client.Ping(ctx, readpref.Primary()), "ping")
}

// Close disconnects from MongoDB. Calling it again returns the first result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.client.Disconnect(ctx); err != nil {
			s.closeErr = mapErr(err, "disconnect")
		}
	})
	return s.closeErr
}

// mapErr maps a driver error to the root codes and wraps it with what was
// being done: a missing document is civicdesk.ErrNotFound, a duplicate key
// CodeConflict, an unreachable server CodeUnavailable.
func mapErr(err error, what string) error {
	if err == nil {
		return nil
	}
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return fmt.Errorf("mongostore: %s: %w", what, civicdesk.ErrNotFound)
	case mongo.IsDuplicateKeyError(err):
		// The driver's message repeats the key (an email, a token hash),
		// which must not reach logs: keep only the code.
		return fmt.Errorf("mongostore: %s: %w", what, civicdesk.Errorf(civicdesk.CodeConflict, "already exists"))
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("mongostore: %s: %w", what, err)
	case mongo.IsTimeout(err) || mongo.IsNetworkError(err) || errors.As(err, new(topology.ServerSelectionError)):
		return fmt.Errorf("mongostore: %s: %w", what, civicdesk.Wrap(civicdesk.CodeUnavailable, err, "store unavailable"))
	}
	return fmt.Errorf("mongostore: %s: %w", what, err)
}

func notFound(what string) error {
	return fmt.Errorf("mongostore: %s: %w", what, civicdesk.ErrNotFound)
}

// findOne decodes the first document matching filter into out.
func findOne(ctx context.Context, coll *mongo.Collection, filter any, out any, what string) error {
	return mapErr(coll.FindOne(ctx, filter).Decode(out), what)
}

// findAll decodes every document of a cursor.
func findAll[D any](ctx context.Context, coll *mongo.Collection, filter any, opts *options.FindOptionsBuilder, what string) ([]D, error) {
	cur, err := coll.Find(ctx, filter, opts)
	if err != nil {
		return nil, mapErr(err, what)
	}
	var docs []D
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err, what)
	}
	return docs, nil
}

// replaceUpsert inserts or replaces the document with _id id and returns the
// driver's error. Concurrent upserts of one new _id can fail with a duplicate
// key on _id; one retry settles that, so a duplicate key that persists is a
// real conflict on another unique index.
func replaceUpsert(ctx context.Context, coll *mongo.Collection, id string, doc any) error {
	var err error
	for range 2 {
		_, err = coll.ReplaceOne(ctx, byID(id), doc, options.Replace().SetUpsert(true))
		if !mongo.IsDuplicateKeyError(err) {
			break
		}
	}
	return err
}

func byID(id string) bson.D { return bson.D{{Key: "_id", Value: id}} }

// CreateContact inserts a new contact; an existing ID is CodeConflict.
func (s *Store) CreateContact(ctx context.Context, c civicdesk.Contact) error {
	_, err := s.contacts.InsertOne(ctx, contactToDoc(c))
	return mapErr(err, "create contact "+c.ID)
}

// GetContact returns a contact by ID.
func (s *Store) GetContact(ctx context.Context, id string) (civicdesk.Contact, error) {
	var d contactDoc
	if err := findOne(ctx, s.contacts, byID(id), &d, "get contact "+id); err != nil {
		return civicdesk.Contact{}, err
	}
	return d.domain(), nil
}

// PutContact replaces an existing contact; an unknown ID is ErrNotFound.
func (s *Store) PutContact(ctx context.Context, c civicdesk.Contact) error {
	res, err := s.contacts.ReplaceOne(ctx, byID(c.ID), contactToDoc(c))
	if err != nil {
		return mapErr(err, "put contact "+c.ID)
	}
	if res.MatchedCount == 0 {
		return notFound("contact " + c.ID)
	}
	return nil
}

// PutToken inserts or replaces the token with t.Hash.
func (s *Store) PutToken(ctx context.Context, t civicdesk.Token) error {
	return mapErr(replaceUpsert(ctx, s.tokens, t.Hash, tokenToDoc(t)), "put token")
}

// GetToken returns a token by hash. Expiry is the caller's to check.
func (s *Store) GetToken(ctx context.Context, hash string) (civicdesk.Token, error) {
	var d tokenDoc
	if err := findOne(ctx, s.tokens, byID(hash), &d, "get token"); err != nil {
		return civicdesk.Token{}, err
	}
	return d.domain(), nil
}

// DeleteToken removes a token; a missing one is not an error.
func (s *Store) DeleteToken(ctx context.Context, hash string) error {
	_, err := s.tokens.DeleteOne(ctx, byID(hash))
	return mapErr(err, "delete token")
}

// TouchToken sets an existing token's last use; a missing one stays missing.
func (s *Store) TouchToken(ctx context.Context, hash string, lastSeen time.Time) error {
	_, err := s.tokens.UpdateOne(ctx, byID(hash), bson.D{{Key: "$set", Value: bson.D{{Key: "lastSeenAt", Value: toDate(lastSeen)}}}})
	return mapErr(err, "touch token")
}

// DeleteTokensOf deletes every token of kind for subject.
func (s *Store) DeleteTokensOf(ctx context.Context, kind civicdesk.TokenKind, subject string) (int, error) {
	res, err := s.tokens.DeleteMany(ctx, bson.D{{Key: "subjectId", Value: subject}, {Key: "kind", Value: string(kind)}})
	if err != nil {
		return 0, mapErr(err, "delete tokens")
	}
	return int(res.DeletedCount), nil
}

// OpenConversation returns the open conversation of candidate.ContactID on
// candidate.Channel, creating candidate when there is none.
//
// The slot of the open conversation is a document in openConversations with
// _id contactId|channel. Taking it is an insert, which is atomic on a unique
// _id even where nothing else is (FerretDB): the caller whose insert wins
// writes its candidate; the others read the slot and return the conversation
// it names, waiting a moment if the winner has not written it yet. A slot left
// behind (its conversation closed, or never written by a caller that died) is
// freed and taken again.
func (s *Store) OpenConversation(ctx context.Context, candidate civicdesk.Conversation) (civicdesk.Conversation, bool, error) {
	defer observe("open_conversation", time.Now())
	if candidate.ID == "" || candidate.ContactID == "" || candidate.Channel == "" {
		return civicdesk.Conversation{}, false, civicdesk.Errorf(civicdesk.CodeInvalid, "a conversation needs an id, a contact and a channel")
	}
	key := openKey(candidate.ContactID, candidate.Channel)
	doc := conversationToDoc(candidate)
	for range openAttempts {
		_, err := s.open.InsertOne(ctx, openDoc{Key: key, ConversationID: candidate.ID, CreatedAt: toDate(time.Now())})
		if err == nil {
			if _, err := s.conversations.InsertOne(ctx, doc); err != nil {
				// Give the slot back, even if ctx is done.
				cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
				_ = s.freeSlot(cctx, key, candidate.ID)
				cancel()
				return civicdesk.Conversation{}, false, mapErr(err, "open conversation "+candidate.ID)
			}
			return doc.domain(), true, nil
		}
		if !mongo.IsDuplicateKeyError(err) {
			return civicdesk.Conversation{}, false, mapErr(err, "open conversation: take slot")
		}
		c, ok, err := s.joinSlot(ctx, key)
		if err != nil {
			return civicdesk.Conversation{}, false, err
		}
		if ok {
			return c, false, nil
		}
		// The slot was freed: try to take it again.
	}
	return civicdesk.Conversation{}, false, fmt.Errorf("mongostore: open conversation: %w",
		civicdesk.Errorf(civicdesk.CodeUnavailable, "conversation slot is contended, try again"))
}

// joinSlot returns the open conversation a taken slot names. ok is false when
// the slot is gone or was freed as stale, and should be taken again.
func (s *Store) joinSlot(ctx context.Context, key string) (c civicdesk.Conversation, ok bool, err error) {
	deadline := time.Now().Add(openWait)
	delay := 5 * time.Millisecond
	for {
		var slot openDoc
		err := s.open.FindOne(ctx, byID(key)).Decode(&slot)
		if errors.Is(err, mongo.ErrNoDocuments) {
			return civicdesk.Conversation{}, false, nil
		}
		if err != nil {
			return civicdesk.Conversation{}, false, mapErr(err, "open conversation: read slot")
		}
		var d conversationDoc
		err = s.conversations.FindOne(ctx, byID(slot.ConversationID)).Decode(&d)
		switch {
		case err == nil && d.State != string(civicdesk.StateClosed):
			return d.domain(), true, nil
		case err == nil:
			// Closed, but its writer did not free the slot (it died in
			// between, or is about to): free it.
			return civicdesk.Conversation{}, false, s.freeSlot(ctx, key, slot.ConversationID)
		case !errors.Is(err, mongo.ErrNoDocuments):
			return civicdesk.Conversation{}, false, mapErr(err, "open conversation: read "+slot.ConversationID)
		case time.Since(slot.CreatedAt) > openStale:
			// Taken long ago by a caller that never wrote its conversation.
			return civicdesk.Conversation{}, false, s.freeSlot(ctx, key, slot.ConversationID)
		case time.Now().After(deadline):
			return civicdesk.Conversation{}, false, fmt.Errorf("mongostore: open conversation %s: %w", slot.ConversationID,
				civicdesk.Errorf(civicdesk.CodeUnavailable, "conversation is being opened, try again"))
		}
		// The winner has not written its conversation yet.
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return civicdesk.Conversation{}, false, fmt.Errorf("mongostore: open conversation: %w", ctx.Err())
		case <-t.C:
		}
		delay = min(delay*2, 100*time.Millisecond)
	}
}

// freeSlot deletes the open-conversation slot key if it still names
// conversationID.
func (s *Store) freeSlot(ctx context.Context, key, conversationID string) error {
	_, err := s.open.DeleteOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "conversationId", Value: conversationID}})
	return mapErr(err, "free conversation slot")
}

// GetConversation returns a conversation by ID.
func (s *Store) GetConversation(ctx context.Context, id string) (civicdesk.Conversation, error) {
	defer observe("get_conversation", time.Now())
	var d conversationDoc
	if err := findOne(ctx, s.conversations, byID(id), &d, "get conversation "+id); err != nil {
		return civicdesk.Conversation{}, err
	}
	return d.domain(), nil
}

// PutConversation replaces a stored conversation whole. Saving it closed
// frees its contact and channel for the next OpenConversation.
func (s *Store) PutConversation(ctx context.Context, c civicdesk.Conversation) error {
	defer observe("put_conversation", time.Now())
	res, err := s.conversations.ReplaceOne(ctx, byID(c.ID), conversationToDoc(c))
	if err != nil {
		return mapErr(err, "put conversation "+c.ID)
	}
	if res.MatchedCount == 0 {
		return notFound("put conversation " + c.ID)
	}
	if c.State == civicdesk.StateClosed {
		// Should this fail, the next OpenConversation frees the slot on
		// finding its conversation closed.
		return s.freeSlot(ctx, openKey(c.ContactID, c.Channel), c.ID)
	}
	return nil
}

// ListConversations returns matches oldest first (CreatedAt, then ID).
func (s *Store) ListConversations(ctx context.Context, f civicdesk.ConversationFilter) ([]civicdesk.Conversation, error) {
	filter := bson.D{}
	if len(f.States) > 0 {
		states := make([]string, len(f.States))
		for i, st := range f.States {
			states[i] = string(st)
		}
		filter = append(filter, bson.E{Key: "state", Value: bson.D{{Key: "$in", Value: states}}})
	}
	if len(f.DepartmentIDs) > 0 {
		filter = append(filter, bson.E{Key: "departmentId", Value: bson.D{{Key: "$in", Value: f.DepartmentIDs}}})
	}
	if f.AgentID != "" {
		filter = append(filter, bson.E{Key: "assignedAgentId", Value: f.AgentID})
	}
	if f.ContactID != "" {
		filter = append(filter, bson.E{Key: "contactId", Value: f.ContactID})
	}
	if !f.ClosedSince.IsZero() {
		// Open, or closed at or after the bound; a closed conversation
		// without a time counts as closed long ago.
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "state", Value: bson.D{{Key: "$ne", Value: string(civicdesk.StateClosed)}}}},
			bson.D{{Key: "closedAt", Value: bson.D{{Key: "$gte", Value: toDate(f.ClosedSince)}}}},
		}})
	}
	opts := options.Find().SetSort(bson.D{{Key: "createdAt", Value: 1}, {Key: "_id", Value: 1}})
	if f.Limit > 0 {
		opts.SetLimit(int64(f.Limit))
	}
	docs, err := findAll[conversationDoc](ctx, s.conversations, filter, opts, "list conversations")
	if err != nil {
		return nil, err
	}
	out := make([]civicdesk.Conversation, len(docs))
	for i, d := range docs {
		out[i] = d.domain()
	}
	return out, nil
}

// InsertMessage stores m unless a message with m.ID exists; inserted says
// which.
func (s *Store) InsertMessage(ctx context.Context, m civicdesk.Message) (bool, error) {
	defer observe("insert_message", time.Now())
	d, err := messageToDoc(m)
	if err != nil {
		return false, fmt.Errorf("mongostore: insert message %s: %w", m.ID, err)
	}
	_, err = s.messages.InsertOne(ctx, d)
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	if err != nil {
		return false, mapErr(err, "insert message "+m.ID)
	}
	return true, nil
}

// GetMessage returns a message by ID.
func (s *Store) GetMessage(ctx context.Context, id string) (civicdesk.Message, error) {
	var d messageDoc
	if err := findOne(ctx, s.messages, byID(id), &d, "get message "+id); err != nil {
		return civicdesk.Message{}, err
	}
	m, err := d.domain()
	return m, mapErr(err, "get message")
}

// ListMessages returns the messages of a conversation with Seq > afterSeq, in
// Seq order, at most limit (0 = all).
func (s *Store) ListMessages(ctx context.Context, conversationID string, afterSeq uint64, limit int) ([]civicdesk.Message, error) {
	defer observe("list_messages", time.Now())
	if afterSeq >= math.MaxInt64 {
		return nil, nil // no stored sequence can be greater
	}
	filter := bson.D{
		{Key: "conversationId", Value: conversationID},
		{Key: "seq", Value: bson.D{{Key: "$gt", Value: int64(afterSeq)}}},
	}
	opts := options.Find().SetSort(bson.D{{Key: "seq", Value: 1}, {Key: "_id", Value: 1}})
	if limit > 0 {
		opts.SetLimit(int64(limit))
	}
	docs, err := findAll[messageDoc](ctx, s.messages, filter, opts, "list messages of "+conversationID)
	if err != nil {
		return nil, err
	}
	out := make([]civicdesk.Message, len(docs))
	for i, d := range docs {
		if out[i], err = d.domain(); err != nil {
			return nil, mapErr(err, "list messages of "+conversationID)
		}
	}
	return out, nil
}

// InsertNote stores a new note; an existing ID is CodeConflict.
func (s *Store) InsertNote(ctx context.Context, n civicdesk.Note) error {
	_, err := s.notes.InsertOne(ctx, noteToDoc(n))
	return mapErr(err, "insert note "+n.ID)
}

// ListNotes returns the notes of a conversation, oldest first.
func (s *Store) ListNotes(ctx context.Context, conversationID string) ([]civicdesk.Note, error) {
	opts := options.Find().SetSort(bson.D{{Key: "createdAt", Value: 1}, {Key: "_id", Value: 1}})
	docs, err := findAll[noteDoc](ctx, s.notes, bson.D{{Key: "conversationId", Value: conversationID}}, opts, "list notes of "+conversationID)
	if err != nil {
		return nil, err
	}
	out := make([]civicdesk.Note, len(docs))
	for i, d := range docs {
		out[i] = d.domain()
	}
	return out, nil
}

// PutAgent inserts or replaces an agent by ID, keeping PasswordHash and Status
// as given. An email another agent has (case-insensitively) is CodeConflict.
func (s *Store) PutAgent(ctx context.Context, a civicdesk.Agent) error {
	err := replaceUpsert(ctx, s.agents, a.ID, agentToDoc(a))
	if mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("mongostore: put agent %s: %w", a.ID,
			civicdesk.Errorf(civicdesk.CodeConflict, "an agent with this email already exists"))
	}
	return mapErr(err, "put agent "+a.ID)
}

// GetAgent returns an agent by ID.
func (s *Store) GetAgent(ctx context.Context, id string) (civicdesk.Agent, error) {
	var d agentDoc
	if err := findOne(ctx, s.agents, byID(id), &d, "get agent "+id); err != nil {
		return civicdesk.Agent{}, err
	}
	return d.domain(), nil
}

// GetAgentByEmail returns an agent by email, case-insensitively.
func (s *Store) GetAgentByEmail(ctx context.Context, email string) (civicdesk.Agent, error) {
	var d agentDoc
	if err := findOne(ctx, s.agents, bson.D{{Key: "emailLower", Value: strings.ToLower(email)}}, &d, "get agent by email"); err != nil {
		return civicdesk.Agent{}, err
	}
	return d.domain(), nil
}

// ListAgents returns every agent, by email (case-insensitively).
func (s *Store) ListAgents(ctx context.Context) ([]civicdesk.Agent, error) {
	opts := options.Find().SetSort(bson.D{{Key: "emailLower", Value: 1}, {Key: "_id", Value: 1}})
	docs, err := findAll[agentDoc](ctx, s.agents, bson.D{}, opts, "list agents")
	if err != nil {
		return nil, err
	}
	out := make([]civicdesk.Agent, len(docs))
	for i, d := range docs {
		out[i] = d.domain()
	}
	return out, nil
}

// SetAgentStatus sets an agent's stored presence.
func (s *Store) SetAgentStatus(ctx context.Context, id string, st civicdesk.AgentStatus) error {
	res, err := s.agents.UpdateOne(ctx, byID(id), bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: string(st)}}}})
	if err != nil {
		return mapErr(err, "set agent status "+id)
	}
	if res.MatchedCount == 0 {
		return notFound("set agent status " + id)
	}
	return nil
}

// PutDepartment inserts or replaces a department by ID.
func (s *Store) PutDepartment(ctx context.Context, d civicdesk.Department) error {
	return mapErr(replaceUpsert(ctx, s.departments, d.ID, departmentDoc(d)), "put department "+d.ID)
}

// ListDepartments returns every department, by ID.
func (s *Store) ListDepartments(ctx context.Context) ([]civicdesk.Department, error) {
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}})
	docs, err := findAll[departmentDoc](ctx, s.departments, bson.D{}, opts, "list departments")
	if err != nil {
		return nil, err
	}
	out := make([]civicdesk.Department, len(docs))
	for i, d := range docs {
		out[i] = civicdesk.Department(d)
	}
	return out, nil
}

// PutRecord stores r, replacing the record of the same kind and key.
func (s *Store) PutRecord(ctx context.Context, r civicdesk.Record) error {
	d := recordToDoc(r)
	return mapErr(replaceUpsert(ctx, s.records, d.ID, d), "put record")
}

// InsertRecord stores r unless its kind and key exist.
func (s *Store) InsertRecord(ctx context.Context, r civicdesk.Record) (bool, error) {
	_, err := s.records.InsertOne(ctx, recordToDoc(r))
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	if err != nil {
		return false, mapErr(err, "insert record")
	}
	return true, nil
}

// GetRecord returns a record by kind and key.
func (s *Store) GetRecord(ctx context.Context, kind, key string) (civicdesk.Record, error) {
	var d recordDoc
	if err := findOne(ctx, s.records, byID(recordID(kind, key)), &d, "get record"); err != nil {
		return civicdesk.Record{}, err
	}
	return d.domain(), nil
}

// ListRecords returns the records of kind whose key starts with prefix, as a
// range on _id (no regular expression, so keys need no escaping).
func (s *Store) ListRecords(ctx context.Context, kind, prefix string, limit int) ([]civicdesk.Record, error) {
	lo := recordID(kind, prefix)
	rng := bson.D{{Key: "$gte", Value: lo}}
	if hi := prefixEnd(lo); hi != "" {
		rng = append(rng, bson.E{Key: "$lt", Value: hi})
	}
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}})
	if limit > 0 {
		opts.SetLimit(int64(limit))
	}
	docs, err := findAll[recordDoc](ctx, s.records, bson.D{{Key: "_id", Value: rng}}, opts, "list records")
	if err != nil {
		return nil, err
	}
	out := make([]civicdesk.Record, 0, len(docs))
	for _, d := range docs {
		if d.Kind == kind && strings.HasPrefix(d.Key, prefix) {
			out = append(out, d.domain())
		}
	}
	return out, nil
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
	_, err := s.records.DeleteOne(ctx, byID(recordID(kind, key)))
	return mapErr(err, "delete record")
}

// observe records how long a store operation took.
func observe(op string, start time.Time) {
	metrics.StoreOps.WithLabelValues(op).Observe(time.Since(start).Seconds())
}

// DeleteConversation deletes a conversation with its messages and notes.
func (s *Store) DeleteConversation(ctx context.Context, convID string) error {
	if err := s.DeleteConversationData(ctx, convID); err != nil {
		return err
	}
	if _, err := s.open.DeleteMany(ctx, bson.D{{Key: "conversationId", Value: convID}}); err != nil {
		return mapErr(err, "delete open slot of "+convID)
	}
	if _, err := s.conversations.DeleteOne(ctx, byID(convID)); err != nil {
		return mapErr(err, "delete conversation "+convID)
	}
	return nil
}

// DeleteConversationData deletes a conversation's messages and notes.
func (s *Store) DeleteConversationData(ctx context.Context, convID string) error {
	filter := bson.D{{Key: "conversationId", Value: convID}}
	if _, err := s.messages.DeleteMany(ctx, filter); err != nil {
		return mapErr(err, "delete messages of "+convID)
	}
	if _, err := s.notes.DeleteMany(ctx, filter); err != nil {
		return mapErr(err, "delete notes of "+convID)
	}
	return nil
}
