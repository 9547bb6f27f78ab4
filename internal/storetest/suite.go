package storetest

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
)

// Run runs the conformance suite; open returns a fresh, empty store for each
// subtest.
func Run(t *testing.T, open func(t *testing.T) Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s Store)
	}{
		{"Ping", testPing},
		{"Contacts", testContacts},
		{"Tokens", testTokens},
		{"TokensTouchAndDeleteBySubject", testTokensOfSubject},
		{"OpenConversationIsGetOrCreate", testOpenConversation},
		{"OpenConversationConcurrent", testOpenConversationConcurrent},
		{"PutConversationAndClose", testPutConversation},
		{"ListConversationsFilters", testListConversations},
		{"MessagesIdempotentAndOrdered", testMessages},
		{"Notes", testNotes},
		{"Agents", testAgents},
		{"Departments", testDepartments},
		{"Records", testRecords},
		{"DeleteConversationData", testDeleteConversationData},
		{"DeleteConversation", testDeleteConversation},
		{"DepartmentRetention", testDepartmentRetention},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, open(t))
		})
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

var t0 = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func testPing(t *testing.T, s Store) {
	must(t, s.Ping(ctx(t)))
}

func testContacts(t *testing.T, s Store) {
	c := civicdesk.Contact{ID: "ct_1", Name: "Ana Díaz", Email: "ana@example.org", Phone: "+15551230000", Locale: "es", CreatedAt: t0}
	must(t, s.CreateContact(ctx(t), c))
	got, err := s.GetContact(ctx(t), "ct_1")
	must(t, err)
	if got != c {
		t.Fatalf("GetContact = %+v, want %+v", got, c)
	}
	if _, err := s.GetContact(ctx(t), "ct_missing"); !civicdesk.IsNotFound(err) {
		t.Fatalf("missing contact: err = %v, want not found", err)
	}
	if err := s.CreateContact(ctx(t), c); civicdesk.ErrorCode(err) != civicdesk.CodeConflict {
		t.Fatalf("duplicate contact: err = %v, want conflict", err)
	}
	c.Name, c.Email = "Ana María Díaz", ""
	must(t, s.PutContact(ctx(t), c))
	got, err = s.GetContact(ctx(t), "ct_1")
	must(t, err)
	if got != c {
		t.Fatalf("after PutContact = %+v, want %+v", got, c)
	}
	if err := s.PutContact(ctx(t), civicdesk.Contact{ID: "ct_missing"}); !civicdesk.IsNotFound(err) {
		t.Fatalf("PutContact unknown: err = %v, want not found", err)
	}
}

func testTokens(t *testing.T, s Store) {
	tok := civicdesk.Token{Hash: "h1", Kind: civicdesk.TokenVisitor, SubjectID: "ct_1", ExpiresAt: t0.Add(time.Hour)}
	must(t, s.PutToken(ctx(t), tok))
	got, err := s.GetToken(ctx(t), "h1")
	must(t, err)
	if got != tok {
		t.Fatalf("GetToken = %+v, want %+v", got, tok)
	}
	tok.ExpiresAt = t0.Add(2 * time.Hour)
	must(t, s.PutToken(ctx(t), tok))
	got, err = s.GetToken(ctx(t), "h1")
	must(t, err)
	if !got.ExpiresAt.Equal(tok.ExpiresAt) {
		t.Fatalf("PutToken did not replace: expires %v, want %v", got.ExpiresAt, tok.ExpiresAt)
	}
	must(t, s.DeleteToken(ctx(t), "h1"))
	if _, err := s.GetToken(ctx(t), "h1"); !civicdesk.IsNotFound(err) {
		t.Fatalf("deleted token: err = %v, want not found", err)
	}
	if err := s.DeleteToken(ctx(t), "h1"); err != nil && !civicdesk.IsNotFound(err) {
		t.Fatalf("deleting a missing token: %v", err)
	}
}

func testTokensOfSubject(t *testing.T, s Store) {
	put := func(hash string, kind civicdesk.TokenKind, subject string) {
		must(t, s.PutToken(ctx(t), civicdesk.Token{Hash: hash, Kind: kind, SubjectID: subject, ExpiresAt: t0.Add(time.Hour)}))
	}
	put("s1", civicdesk.TokenSession, "ag_1")
	put("s2", civicdesk.TokenSession, "ag_1")
	put("s3", civicdesk.TokenSession, "ag_2")
	put("v1", civicdesk.TokenVisitor, "ag_1") // same subject, other kind: kept

	seen := t0.Add(5 * time.Minute)
	must(t, s.TouchToken(ctx(t), "s1", seen))
	got, err := s.GetToken(ctx(t), "s1")
	must(t, err)
	if !got.LastSeenAt.Equal(seen) || !got.ExpiresAt.Equal(t0.Add(time.Hour)) || got.SubjectID != "ag_1" {
		t.Fatalf("after TouchToken: %+v, want last seen %v and the rest unchanged", got, seen)
	}
	if got, _ := s.GetToken(ctx(t), "s2"); !got.LastSeenAt.IsZero() {
		t.Fatalf("untouched token has LastSeenAt %v", got.LastSeenAt)
	}
	// Touching a deleted token must not bring it back.
	if err := s.TouchToken(ctx(t), "missing", seen); err != nil && !civicdesk.IsNotFound(err) {
		t.Fatalf("TouchToken of a missing token: %v", err)
	}
	if _, err := s.GetToken(ctx(t), "missing"); !civicdesk.IsNotFound(err) {
		t.Fatalf("TouchToken created a token: err = %v", err)
	}

	n, err := s.DeleteTokensOf(ctx(t), civicdesk.TokenSession, "ag_1")
	must(t, err)
	if n != 2 {
		t.Fatalf("DeleteTokensOf deleted %d, want 2", n)
	}
	for _, h := range []string{"s1", "s2"} {
		if _, err := s.GetToken(ctx(t), h); !civicdesk.IsNotFound(err) {
			t.Fatalf("token %s survived DeleteTokensOf: err = %v", h, err)
		}
	}
	for _, h := range []string{"s3", "v1"} {
		if _, err := s.GetToken(ctx(t), h); err != nil {
			t.Fatalf("token %s of another subject or kind was deleted: %v", h, err)
		}
	}
	if n, err := s.DeleteTokensOf(ctx(t), civicdesk.TokenSession, "ag_1"); err != nil || n != 0 {
		t.Fatalf("DeleteTokensOf again = %d, %v; want 0, nil", n, err)
	}
}

func conv(id, contact string, ch civicdesk.Channel, at time.Time) civicdesk.Conversation {
	return civicdesk.Conversation{ID: id, ContactID: contact, Channel: ch, State: civicdesk.StateBot, Priority: 10, CreatedAt: at, UpdatedAt: at}
}

func testOpenConversation(t *testing.T, s Store) {
	c1 := conv("cv_1", "ct_1", civicdesk.ChannelWebchat, t0)
	got, created, err := s.OpenConversation(ctx(t), c1)
	must(t, err)
	if !created || got.ID != "cv_1" {
		t.Fatalf("first open: created=%v id=%s", created, got.ID)
	}
	got, created, err = s.OpenConversation(ctx(t), conv("cv_2", "ct_1", civicdesk.ChannelWebchat, t0))
	must(t, err)
	if created || got.ID != "cv_1" {
		t.Fatalf("second open: created=%v id=%s, want existing cv_1", created, got.ID)
	}
	// Another channel of the same contact is another conversation.
	got, created, err = s.OpenConversation(ctx(t), conv("cv_3", "ct_1", civicdesk.ChannelSMS, t0))
	must(t, err)
	if !created || got.ID != "cv_3" {
		t.Fatalf("sms open: created=%v id=%s", created, got.ID)
	}
	// Closing frees the slot.
	closed := c1
	closed.State = civicdesk.StateClosed
	closedAt := t0.Add(time.Minute)
	closed.ClosedAt = &closedAt
	must(t, s.PutConversation(ctx(t), closed))
	got, created, err = s.OpenConversation(ctx(t), conv("cv_4", "ct_1", civicdesk.ChannelWebchat, t0.Add(2*time.Minute)))
	must(t, err)
	if !created || got.ID != "cv_4" {
		t.Fatalf("open after close: created=%v id=%s, want new cv_4", created, got.ID)
	}
	old, err := s.GetConversation(ctx(t), "cv_1")
	must(t, err)
	if old.State != civicdesk.StateClosed || old.ClosedAt == nil || !old.ClosedAt.Equal(closedAt) {
		t.Fatalf("closed conversation = %+v", old)
	}
}

func testOpenConversationConcurrent(t *testing.T, s Store) {
	const n = 8
	ids := make([]string, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, _, err := s.OpenConversation(context.Background(), conv(fmt.Sprintf("cv_c%d", i), "ct_race", civicdesk.ChannelWebchat, t0))
			if err != nil {
				errs <- err
				return
			}
			ids[i] = c.ID
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("concurrent opens returned different conversations: %v", ids)
		}
	}
}

func testPutConversation(t *testing.T, s Store) {
	c := conv("cv_1", "ct_1", civicdesk.ChannelEmail, t0)
	_, _, err := s.OpenConversation(ctx(t), c)
	must(t, err)
	q := t0.Add(time.Second)
	c.State = civicdesk.StateAssigned
	c.DepartmentID = "benefits"
	c.AssignedAgentID = "ag_1"
	c.Priority = 100
	c.QueuedAt = &q
	c.UpdatedAt = t0.Add(2 * time.Second)
	c.LastMessage = "hola"
	c.Triage = &civicdesk.Triage{Department: "benefits", Urgency: civicdesk.UrgencyEmergency, Language: "es", WantsHuman: true, Confidence: 0.75, Reasons: []string{"a", "b"}, Summary: "s"}
	must(t, s.PutConversation(ctx(t), c))
	got, err := s.GetConversation(ctx(t), "cv_1")
	must(t, err)
	if got.State != c.State || got.DepartmentID != "benefits" || got.AssignedAgentID != "ag_1" || got.Priority != 100 ||
		got.QueuedAt == nil || !got.QueuedAt.Equal(q) || !got.UpdatedAt.Equal(c.UpdatedAt) || !got.CreatedAt.Equal(t0) ||
		got.LastMessage != "hola" || got.Triage == nil || got.Triage.Urgency != civicdesk.UrgencyEmergency ||
		len(got.Triage.Reasons) != 2 || got.Triage.Confidence != 0.75 || !got.Triage.WantsHuman {
		t.Fatalf("GetConversation after put = %+v (triage %+v)", got, got.Triage)
	}
	if err := s.PutConversation(ctx(t), conv("cv_missing", "ct_1", civicdesk.ChannelEmail, t0)); !civicdesk.IsNotFound(err) {
		t.Fatalf("put unknown conversation: err = %v, want not found", err)
	}
	if _, err := s.GetConversation(ctx(t), "cv_missing"); !civicdesk.IsNotFound(err) {
		t.Fatalf("get unknown conversation: err = %v, want not found", err)
	}
}

func testListConversations(t *testing.T, s Store) {
	mk := func(id, contact string, at int, state civicdesk.ConversationState, dept, agent string) {
		c := conv(id, contact, civicdesk.ChannelWebchat, t0.Add(time.Duration(at)*time.Second))
		_, _, err := s.OpenConversation(ctx(t), c)
		must(t, err)
		c.State, c.DepartmentID, c.AssignedAgentID = state, dept, agent
		must(t, s.PutConversation(ctx(t), c))
	}
	mk("cv_b", "ct_2", 2, civicdesk.StateQueued, "taxes", "")
	mk("cv_a", "ct_1", 1, civicdesk.StateQueued, "benefits", "")
	mk("cv_c", "ct_3", 3, civicdesk.StateAssigned, "benefits", "ag_1")
	mk("cv_d", "ct_4", 4, civicdesk.StateClosed, "benefits", "ag_1")
	mk("cv_e", "ct_5", 5, civicdesk.StateBot, "", "")
	// Closed at known times: cv_f an hour after t0, cv_g two hours after.
	for i, id := range []string{"cv_f", "cv_g"} {
		c := conv(id, "ct_6", civicdesk.ChannelWebchat, t0.Add(time.Duration(6+i)*time.Second))
		_, _, err := s.OpenConversation(ctx(t), c)
		must(t, err)
		closed := t0.Add(time.Duration(i+1) * time.Hour)
		c.State, c.DepartmentID, c.ClosedAt = civicdesk.StateClosed, "taxes", &closed
		must(t, s.PutConversation(ctx(t), c))
	}

	ids := func(f civicdesk.ConversationFilter) string {
		cs, err := s.ListConversations(ctx(t), f)
		must(t, err)
		out := ""
		for _, c := range cs {
			out += c.ID + " "
		}
		return out
	}
	cases := []struct {
		f    civicdesk.ConversationFilter
		want string
	}{
		{civicdesk.ConversationFilter{}, "cv_a cv_b cv_c cv_d cv_e cv_f cv_g "},
		// Closed before the bound (cv_d has no time; cv_f closed before):
		// out; open ones stay.
		{civicdesk.ConversationFilter{ClosedSince: t0.Add(90 * time.Minute)}, "cv_a cv_b cv_c cv_e cv_g "},
		{civicdesk.ConversationFilter{ClosedSince: t0.Add(time.Hour), States: []civicdesk.ConversationState{civicdesk.StateClosed}}, "cv_f cv_g "},
		{civicdesk.ConversationFilter{ClosedSince: t0.Add(3 * time.Hour), States: []civicdesk.ConversationState{civicdesk.StateClosed}}, ""},
		{civicdesk.ConversationFilter{States: []civicdesk.ConversationState{civicdesk.StateQueued}}, "cv_a cv_b "},
		{civicdesk.ConversationFilter{States: []civicdesk.ConversationState{civicdesk.StateQueued}, DepartmentIDs: []string{"benefits"}}, "cv_a "},
		{civicdesk.ConversationFilter{DepartmentIDs: []string{"benefits", "taxes"}}, "cv_a cv_b cv_c cv_d cv_f cv_g "},
		{civicdesk.ConversationFilter{AgentID: "ag_1"}, "cv_c cv_d "},
		{civicdesk.ConversationFilter{AgentID: "ag_1", States: []civicdesk.ConversationState{civicdesk.StateAssigned}}, "cv_c "},
		{civicdesk.ConversationFilter{ContactID: "ct_4"}, "cv_d "},
		{civicdesk.ConversationFilter{Limit: 2}, "cv_a cv_b "},
	}
	for _, tc := range cases {
		if got := ids(tc.f); got != tc.want {
			t.Errorf("ListConversations(%+v) = %q, want %q", tc.f, got, tc.want)
		}
	}
}

func testMessages(t *testing.T, s Store) {
	msg := func(id string, seq uint64, text string) civicdesk.Message {
		return civicdesk.Message{ID: id, ConversationID: "cv_1", ContactID: "ct_1", Author: civicdesk.Author{Kind: civicdesk.AuthorCitizen},
			Text: text, CreatedAt: t0.Add(time.Duration(seq) * time.Millisecond), Channel: civicdesk.ChannelWebchat, Seq: seq, ClientMessageID: "c-" + id}
	}
	// Inserted out of order: Seq decides the order.
	for _, m := range []civicdesk.Message{msg("m3", 30, "three"), msg("m1", 10, "one <b>"), msg("m2", 20, "two ✓ 二")} {
		ins, err := s.InsertMessage(ctx(t), m)
		must(t, err)
		if !ins {
			t.Fatalf("first insert of %s reported not inserted", m.ID)
		}
	}
	ins, err := s.InsertMessage(ctx(t), msg("m1", 10, "changed"))
	must(t, err)
	if ins {
		t.Fatal("second insert of m1 reported inserted")
	}
	other := msg("x1", 15, "other conversation")
	other.ConversationID = "cv_2"
	_, err = s.InsertMessage(ctx(t), other)
	must(t, err)
	agent := msg("m4", 40, "reply")
	agent.Author = civicdesk.Author{Kind: civicdesk.AuthorAgent, Name: "Agent One", ID: "ag_1"}
	_, err = s.InsertMessage(ctx(t), agent)
	must(t, err)

	all, err := s.ListMessages(ctx(t), "cv_1", 0, 0)
	must(t, err)
	if len(all) != 4 || all[0].ID != "m1" || all[1].ID != "m2" || all[2].ID != "m3" || all[3].ID != "m4" {
		t.Fatalf("ListMessages = %v", all)
	}
	if all[0].Text != "one <b>" || all[1].Text != "two ✓ 二" || !reflect.DeepEqual(all[0], msg("m1", 10, "one <b>")) {
		t.Fatalf("message round trip: %+v", all[0])
	}
	if all[3].Author != agent.Author {
		t.Fatalf("author round trip: %+v", all[3].Author)
	}
	after, err := s.ListMessages(ctx(t), "cv_1", 20, 0)
	must(t, err)
	if len(after) != 2 || after[0].ID != "m3" {
		t.Fatalf("ListMessages after 20 = %v", after)
	}
	lim, err := s.ListMessages(ctx(t), "cv_1", 0, 2)
	must(t, err)
	if len(lim) != 2 || lim[1].ID != "m2" {
		t.Fatalf("ListMessages limit 2 = %v", lim)
	}
	got, err := s.GetMessage(ctx(t), "m2")
	must(t, err)
	if got.Seq != 20 || got.ConversationID != "cv_1" {
		t.Fatalf("GetMessage = %+v", got)
	}
	if _, err := s.GetMessage(ctx(t), "nope"); !civicdesk.IsNotFound(err) {
		t.Fatalf("missing message: %v", err)
	}
}

func testNotes(t *testing.T, s Store) {
	must(t, s.InsertNote(ctx(t), civicdesk.Note{ID: "n2", ConversationID: "cv_1", AgentID: "ag_1", Text: "second", CreatedAt: t0.Add(time.Second)}))
	must(t, s.InsertNote(ctx(t), civicdesk.Note{ID: "n1", ConversationID: "cv_1", AgentID: "ag_1", Text: "first", CreatedAt: t0}))
	must(t, s.InsertNote(ctx(t), civicdesk.Note{ID: "n3", ConversationID: "cv_2", AgentID: "ag_1", Text: "other", CreatedAt: t0}))
	ns, err := s.ListNotes(ctx(t), "cv_1")
	must(t, err)
	if len(ns) != 2 || ns[0].Text != "first" || ns[1].Text != "second" || !ns[0].CreatedAt.Equal(t0) {
		t.Fatalf("ListNotes = %+v", ns)
	}
}

func testAgents(t *testing.T, s Store) {
	a := civicdesk.Agent{ID: "ag_1", Name: "Agent One", Email: "agent1@demo.gov", Role: civicdesk.RoleCaseworker,
		Departments: []string{"benefits", "taxes"}, Languages: []string{"en", "es"}, Status: civicdesk.StatusOffline, PasswordHash: "$argon2id$x"}
	must(t, s.PutAgent(ctx(t), a))
	must(t, s.PutAgent(ctx(t), civicdesk.Agent{ID: "ag_0", Name: "Sup", Email: "boss@demo.gov", Role: civicdesk.RoleSupervisor, Departments: []string{}}))
	got, err := s.GetAgent(ctx(t), "ag_1")
	must(t, err)
	if got.PasswordHash != a.PasswordHash || got.Email != a.Email || len(got.Departments) != 2 || got.Departments[1] != "taxes" ||
		len(got.Languages) != 2 || got.Role != a.Role || got.Status != civicdesk.StatusOffline {
		t.Fatalf("GetAgent = %+v", got)
	}
	byEmail, err := s.GetAgentByEmail(ctx(t), "AGENT1@Demo.gov")
	must(t, err)
	if byEmail.ID != "ag_1" {
		t.Fatalf("GetAgentByEmail case-insensitive = %+v", byEmail)
	}
	if _, err := s.GetAgentByEmail(ctx(t), "nobody@demo.gov"); !civicdesk.IsNotFound(err) {
		t.Fatalf("unknown email: %v", err)
	}
	dup := a
	dup.ID = "ag_2"
	dup.Email = "Agent1@demo.gov"
	if err := s.PutAgent(ctx(t), dup); civicdesk.ErrorCode(err) != civicdesk.CodeConflict {
		t.Fatalf("duplicate email: err = %v, want conflict", err)
	}
	must(t, s.SetAgentStatus(ctx(t), "ag_1", civicdesk.StatusAvailable))
	got, err = s.GetAgent(ctx(t), "ag_1")
	must(t, err)
	if got.Status != civicdesk.StatusAvailable {
		t.Fatalf("status = %q", got.Status)
	}
	if err := s.SetAgentStatus(ctx(t), "ag_missing", civicdesk.StatusAway); !civicdesk.IsNotFound(err) {
		t.Fatalf("status of unknown agent: %v", err)
	}
	// Replace keeps the id and updates fields.
	a.Name = "Agent Uno"
	a.Disabled = true
	must(t, s.PutAgent(ctx(t), a))
	all, err := s.ListAgents(ctx(t))
	must(t, err)
	if len(all) != 2 || all[0].Email != "agent1@demo.gov" || all[0].Name != "Agent Uno" || !all[0].Disabled || all[1].ID != "ag_0" {
		t.Fatalf("ListAgents = %+v", all)
	}
}

func testDepartments(t *testing.T, s Store) {
	must(t, s.PutDepartment(ctx(t), civicdesk.Department{ID: "taxes", Name: "Taxes"}))
	must(t, s.PutDepartment(ctx(t), civicdesk.Department{ID: "benefits", Name: "Benefit"}))
	must(t, s.PutDepartment(ctx(t), civicdesk.Department{ID: "benefits", Name: "Benefits"}))
	ds, err := s.ListDepartments(ctx(t))
	must(t, err)
	if len(ds) != 2 || ds[0] != (civicdesk.Department{ID: "benefits", Name: "Benefits"}) || ds[1].ID != "taxes" {
		t.Fatalf("ListDepartments = %+v", ds)
	}
}

func testRecords(t *testing.T, s Store) {
	rec := func(kind, key, v string) civicdesk.Record {
		return civicdesk.Record{Kind: kind, Key: key, Value: []byte(v), UpdatedAt: t0}
	}
	must(t, s.PutRecord(ctx(t), rec("delivery", "cv_1/m2", "sent")))
	must(t, s.PutRecord(ctx(t), rec("delivery", "cv_1/m1", "sent")))
	must(t, s.PutRecord(ctx(t), rec("delivery", "cv_10/m9", "sent")))
	must(t, s.PutRecord(ctx(t), rec("optout", "cv_1/m1", "other kind")))
	r := rec("delivery", "cv_1/m1", "delivered")
	r.UpdatedAt = t0.Add(time.Second)
	must(t, s.PutRecord(ctx(t), r))
	got, err := s.GetRecord(ctx(t), "delivery", "cv_1/m1")
	must(t, err)
	if string(got.Value) != "delivered" || !got.UpdatedAt.Equal(r.UpdatedAt) || got.Kind != "delivery" || got.Key != "cv_1/m1" {
		t.Fatalf("GetRecord = %+v", got)
	}
	list, err := s.ListRecords(ctx(t), "delivery", "cv_1/", 0)
	must(t, err)
	if len(list) != 2 || list[0].Key != "cv_1/m1" || list[1].Key != "cv_1/m2" {
		t.Fatalf("ListRecords prefix cv_1/ = %+v", list)
	}
	all, err := s.ListRecords(ctx(t), "delivery", "", 2)
	must(t, err)
	if len(all) != 2 || all[0].Key != "cv_1/m1" {
		t.Fatalf("ListRecords limit 2 = %+v", all)
	}
	// Characters that mean something to regexes or LIKE are plain in keys.
	must(t, s.PutRecord(ctx(t), rec("thread", "<a.b*c%_d@x>", "cv_1")))
	must(t, s.PutRecord(ctx(t), rec("thread", "<aXb*c%_d@x>", "cv_2")))
	th, err := s.ListRecords(ctx(t), "thread", "<a.b*", 0)
	must(t, err)
	if len(th) != 1 || string(th[0].Value) != "cv_1" {
		t.Fatalf("ListRecords with special characters = %+v", th)
	}
	ins, err := s.InsertRecord(ctx(t), rec("once", "k", "first"))
	must(t, err)
	if !ins {
		t.Fatal("first InsertRecord not inserted")
	}
	ins, err = s.InsertRecord(ctx(t), rec("once", "k", "second"))
	must(t, err)
	if ins {
		t.Fatal("second InsertRecord inserted")
	}
	if got, _ := s.GetRecord(ctx(t), "once", "k"); string(got.Value) != "first" {
		t.Fatalf("InsertRecord replaced: %q", got.Value)
	}
	must(t, s.DeleteRecord(ctx(t), "once", "k"))
	if _, err := s.GetRecord(ctx(t), "once", "k"); !civicdesk.IsNotFound(err) {
		t.Fatalf("deleted record: %v", err)
	}
	if err := s.DeleteRecord(ctx(t), "once", "k"); err != nil && !civicdesk.IsNotFound(err) {
		t.Fatalf("deleting a missing record: %v", err)
	}
}

func testDeleteConversationData(t *testing.T, s Store) {
	for i, conv := range []string{"cv_1", "cv_1", "cv_2"} {
		_, err := s.InsertMessage(ctx(t), civicdesk.Message{ID: fmt.Sprintf("m%d", i), ConversationID: conv, Author: civicdesk.Author{Kind: civicdesk.AuthorCitizen},
			Text: "secret", CreatedAt: t0, Channel: civicdesk.ChannelWebchat, Seq: uint64(i + 1)})
		must(t, err)
		must(t, s.InsertNote(ctx(t), civicdesk.Note{ID: fmt.Sprintf("n%d", i), ConversationID: conv, AgentID: "ag_1", Text: "note", CreatedAt: t0}))
	}
	must(t, s.DeleteConversationData(ctx(t), "cv_1"))
	ms, err := s.ListMessages(ctx(t), "cv_1", 0, 0)
	must(t, err)
	ns, err := s.ListNotes(ctx(t), "cv_1")
	must(t, err)
	if len(ms) != 0 || len(ns) != 0 {
		t.Fatalf("after delete: %d messages, %d notes", len(ms), len(ns))
	}
	if _, err := s.GetMessage(ctx(t), "m0"); !civicdesk.IsNotFound(err) {
		t.Fatalf("deleted message still readable: %v", err)
	}
	other, err := s.ListMessages(ctx(t), "cv_2", 0, 0)
	must(t, err)
	if len(other) != 1 {
		t.Fatalf("another conversation lost its messages: %d", len(other))
	}
	must(t, s.DeleteConversationData(ctx(t), "cv_none"))
}

func testDeleteConversation(t *testing.T, s Store) {
	open := conv("cv_open", "ct_1", civicdesk.ChannelWebchat, t0)
	_, _, err := s.OpenConversation(ctx(t), open)
	must(t, err)
	keep := conv("cv_keep", "ct_2", civicdesk.ChannelWebchat, t0)
	_, _, err = s.OpenConversation(ctx(t), keep)
	must(t, err)
	for i, c := range []string{"cv_open", "cv_keep"} {
		_, err := s.InsertMessage(ctx(t), civicdesk.Message{ID: fmt.Sprintf("dm%d", i), ConversationID: c, Author: civicdesk.Author{Kind: civicdesk.AuthorCitizen},
			Text: "secret", CreatedAt: t0, Channel: civicdesk.ChannelWebchat, Seq: uint64(i + 1)})
		must(t, err)
		must(t, s.InsertNote(ctx(t), civicdesk.Note{ID: fmt.Sprintf("dn%d", i), ConversationID: c, AgentID: "ag_1", Text: "note", CreatedAt: t0}))
	}
	must(t, s.DeleteConversation(ctx(t), "cv_open"))
	if _, err := s.GetConversation(ctx(t), "cv_open"); !civicdesk.IsNotFound(err) {
		t.Fatalf("deleted conversation still readable: %v", err)
	}
	if _, err := s.GetMessage(ctx(t), "dm0"); !civicdesk.IsNotFound(err) {
		t.Fatalf("message of a deleted conversation still readable: %v", err)
	}
	if ns, _ := s.ListNotes(ctx(t), "cv_open"); len(ns) != 0 {
		t.Fatalf("notes of a deleted conversation: %+v", ns)
	}
	// Its open slot is freed: the contact starts a new conversation.
	again, created, err := s.OpenConversation(ctx(t), conv("cv_new", "ct_1", civicdesk.ChannelWebchat, t0))
	must(t, err)
	if !created || again.ID != "cv_new" {
		t.Fatalf("after delete OpenConversation = %s created=%v", again.ID, created)
	}
	if _, err := s.GetConversation(ctx(t), "cv_keep"); err != nil {
		t.Fatalf("another conversation was deleted: %v", err)
	}
	if ms, _ := s.ListMessages(ctx(t), "cv_keep", 0, 0); len(ms) != 1 {
		t.Fatalf("another conversation lost its messages: %+v", ms)
	}
	must(t, s.DeleteConversation(ctx(t), "cv_none"))
}

func testDepartmentRetention(t *testing.T, s Store) {
	d := civicdesk.Department{ID: "permits", Name: "Permits", RetentionDays: 30, RetentionAction: civicdesk.RetentionAnonymize}
	must(t, s.PutDepartment(ctx(t), d))
	ds, err := s.ListDepartments(ctx(t))
	must(t, err)
	if len(ds) != 1 || ds[0] != d {
		t.Fatalf("ListDepartments = %+v, want %+v", ds, d)
	}
	// Back to keep forever.
	d.RetentionDays, d.RetentionAction = 0, ""
	must(t, s.PutDepartment(ctx(t), d))
	ds, err = s.ListDepartments(ctx(t))
	must(t, err)
	if len(ds) != 1 || ds[0] != d {
		t.Fatalf("ListDepartments after reset = %+v", ds)
	}
}
