package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/agentdesk"
	"github.com/civicdesk/civicdesk/bot/kb"
	"github.com/civicdesk/civicdesk/internal/natsbus"
	"github.com/civicdesk/civicdesk/internal/sqlitestore"
)

// kbPath is the admin API path of an article; its slashes travel as %2F.
func kbPath(id string) string {
	return "/api/v1/admin/kb/" + strings.ReplaceAll(id, "/", "%2F")
}

// askBot opens a new widget conversation, asks question and returns the
// bot's first answer.
func askBot(t *testing.T, base, question string) string {
	t.Helper()
	var sess session
	api{t: t, base: base}.must("POST", "/api/v1/widget/sessions", map[string]string{"locale": "en"}, &sess, 201)
	ws := dial(t, base+"/api/v1/widget/ws?token="+sess.VisitorToken)
	citizen := api{t: t, base: base, token: sess.VisitorToken}
	citizen.must("POST", "/api/v1/widget/messages", map[string]string{"clientMessageId": uuid(int(time.Now().UnixNano() % 1e12)), "text": question}, nil, 202)
	ev := ws.waitFor("the bot's answer", func(ev civicdesk.Event) bool {
		return ev.Type == "message" && ev.Message != nil && ev.Message.Author.Kind == civicdesk.AuthorBot
	})
	return ev.Message.Text
}

func TestKnowledgeBaseAdminChangesTheBotWithoutRestart(t *testing.T) {
	dataDir := t.TempDir()
	addAdmin(t, dataDir)
	base, _, _ := startMain(t, dataDir)
	admin := login(t, base, adminEmail)
	sup := login(t, base, "supervisor@demo.gov")
	login(t, base, "agent4@demo.gov").must("GET", "/api/v1/admin/kb", nil, nil, 403)

	const id = "en/utilities/zebrafinch-rebate"
	const question = "My water bill is high, can I get the zebrafinch rebate on my water bill?"
	const title = "Zebrafinch rebate for water bills"
	const link = "https://city.example/utilities/zebrafinch-rebate"

	// Before: the bot knows nothing of the rebate.
	if got := askBot(t, base, question); strings.Contains(got, title) {
		t.Fatalf("bot cited the article before it existed: %q", got)
	}

	article := map[string]string{"title": title, "language": "en", "department": "utilities", "url": link,
		"summary": "Households with a zebrafinch rebate pay half the water bill; apply online.",
		"body":    "Households with a zebrafinch rebate pay half the water bill.\n\nApply online with your account number; the rebate starts on the next water bill."}
	var created struct{ Article agentdesk.KBArticle }
	admin.must("PUT", kbPath(id), article, &created, 201)
	if created.Article.ID != id || created.Article.Department != "utilities" || created.Article.UpdatedAt.IsZero() {
		t.Fatalf("created %+v", created.Article)
	}

	// A citizen's question is answered from it at once, without a restart.
	got := askBot(t, base, question)
	if !strings.Contains(got, title) || !strings.Contains(got, link) || !strings.Contains(got, "pay half the water bill") {
		t.Fatalf("bot answered %q, want the new article", got)
	}

	// It is listed, and readable with its body.
	var list struct {
		Articles  []agentdesk.KBArticle
		Languages []string
	}
	sup.must("GET", "/api/v1/admin/kb", nil, &list, 200)
	if len(list.Articles) != 1 || list.Articles[0].ID != id || list.Articles[0].Summary != article["summary"] || list.Articles[0].Body != "" || len(list.Languages) != 8 {
		t.Fatalf("list = %+v", list)
	}
	var one struct{ Article agentdesk.KBArticle }
	sup.must("GET", kbPath(id), nil, &one, 200)
	if one.Article.Body != article["body"] || one.Article.URL != link {
		t.Fatalf("get = %+v", one.Article)
	}

	// Replacing it changes the answer at once too.
	article["title"] = "Zebrafinch water rebate (updated)"
	admin.must("PUT", kbPath(id), article, nil, 200)
	if got := askBot(t, base, question); !strings.Contains(got, "Zebrafinch water rebate (updated)") {
		t.Fatalf("after replace the bot answered %q", got)
	}
	waitAudit(t, sup, func(action, target string, d map[string]string) bool {
		return action == "config" && target == "kb_article/"+id && d["created"] == "false"
	})

	// Bad input gets 400 and changes nothing.
	before := list.Articles
	bad := []struct {
		id   string
		body map[string]string
	}{
		{"En/Bad ID", article},
		{"a/b/c/d/e", article},
		{"en/x", with(article, "title", "")},
		{"en/x", with(article, "title", strings.Repeat("t", 201))},
		{"en/x", with(article, "title", "two\nlines")},
		{"en/x", with(article, "language", "de")},
		{"en/x", with(article, "department", "nope")},
		{"en/x", with(article, "url", "http://city.example/x")},
		{"en/x", with(article, "url", "javascript:alert(1)")},
		{"en/x", with(article, "summary", strings.Repeat("s", 501))},
		{"en/x", with(article, "body", "")},
		{"en/x", with(article, "body", strings.Repeat("b", 16001))},
		{"en/x", with(article, "id", "en/other")},
		{"en/x", with(article, "extra", "field")},
		{id, with(article, "title", "")},
	}
	for _, b := range bad {
		var e struct{ Error struct{ Message string } }
		if code := admin.do("PUT", kbPath(b.id), b.body, &e); code != 400 || e.Error.Message == "" {
			t.Errorf("PUT %s %v = %d %+v, want 400 with a message", b.id, b.body["title"], code, e)
		}
	}
	// Invalid UTF-8 (which JSON decoding would quietly replace).
	req, _ := http.NewRequest("PUT", base+kbPath("en/x"), bytes.NewReader([]byte(`{"title":"caf`+"\xff"+`","language":"en","department":"utilities","url":"https://x.example","body":"b"}`)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+admin.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(msg), "UTF-8") {
		t.Errorf("invalid UTF-8 = %d %s", resp.StatusCode, msg)
	}
	sup.must("GET", "/api/v1/admin/kb", nil, &list, 200)
	if len(list.Articles) != 1 || list.Articles[0] != before[0] {
		t.Fatalf("after bad input the list is %+v, want %+v", list.Articles, before)
	}
	sup.must("GET", kbPath("en/x"), nil, nil, 404)

	// Deleted, it is no longer used.
	admin.must("DELETE", kbPath(id), nil, nil, 200)
	admin.must("DELETE", kbPath(id), nil, nil, 404)
	if got := askBot(t, base, question); strings.Contains(got, "Zebrafinch") || strings.Contains(got, link) {
		t.Fatalf("after delete the bot answered %q", got)
	}
	sup.must("GET", "/api/v1/admin/kb", nil, &list, 200)
	if len(list.Articles) != 0 {
		t.Fatalf("after delete the list is %+v", list.Articles)
	}
	waitAudit(t, sup, func(action, target string, d map[string]string) bool {
		return action == "config" && target == "kb_article/"+id && d["deleted"] == "true"
	})
}

func with(m map[string]string, k, v string) map[string]string {
	out := map[string]string{}
	for kk, vv := range m {
		out[kk] = vv
	}
	out[k] = v
	return out
}

// Two replicas share the store and NATS: a change saved on one reaches the
// other's bot through the "kb changed" message.
func TestKnowledgeChangeReachesOtherReplicas(t *testing.T) {
	dir := t.TempDir()
	ns, err := natsbus.StartServer(natsbus.ServerConfig{StoreDir: filepath.Join(dir, "nats")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Shutdown)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	store, err := sqlitestore.New(ctx, sqlitestore.Config{Path: filepath.Join(dir, "cd.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	var reloaders []*kbReloader
	for range 2 {
		bus, err := natsbus.Connect(ctx, natsbus.Config{Embedded: ns}, log)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(bus.Close)
		r := newKBReloader(kb.NewHolder(nil), store, false, bus, log)
		reloaders = append(reloaders, r)
		go r.Run(ctx)
	}
	art := &kb.Article{Title: "Quokka permits", URL: "https://city.example/quokka", Department: "permits", Language: "en", Body: "Quokka permits are free."}
	found := func(r *kbReloader) bool { return len(r.holder.Search("quokka permits", "en", 3)) == 1 }
	// Subscriptions start in the background: announce until the other
	// replica has one (each announcement reloads it).
	if err := store.PutRecord(ctx, civicdesk.Record{Kind: agentdesk.KBRecordKind, Key: "en/quokka", Value: kb.Render(art), UpdatedAt: civicdesk.Now()}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !found(reloaders[1]) {
		if err := reloaders[0].Changed(ctx); err != nil {
			t.Fatal(err)
		}
		if !found(reloaders[0]) {
			t.Fatal("the changing replica did not reload at once")
		}
		if time.Now().After(deadline) {
			t.Fatal("the other replica never reloaded")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := store.DeleteRecord(ctx, agentdesk.KBRecordKind, "en/quokka"); err != nil {
		t.Fatal(err)
	}
	if err := reloaders[1].Changed(ctx); err != nil {
		t.Fatal(err)
	}
	for found(reloaders[0]) {
		if time.Now().After(deadline) {
			t.Fatal("the first replica kept the deleted article")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if kbRecordKind != agentdesk.KBRecordKind {
		t.Fatalf("kb import stores %q, the admin API %q", kbRecordKind, agentdesk.KBRecordKind)
	}
}
