package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
)

func TestEraseLeavesNoMessageTextBehind(t *testing.T) {
	dataDir := t.TempDir()
	base, stop, _ := startMain(t, dataDir)
	agent := login(t, base, "agent1@demo.gov")
	ws := dial(t, base+"/api/v1/desk/ws?token="+agent.token)
	const secret = "zebra-quartz-4417 is my secret phrase, agent please"
	_, cv := startChat(t, base, ws, secret)
	agent.must("POST", "/api/v1/desk/conversations/"+cv.ID+"/messages", map[string]string{"clientMessageId": uuid(5), "text": "reply mentioning zebra-quartz-4417"}, nil, 202)
	agent.must("POST", "/api/v1/desk/conversations/"+cv.ID+"/notes", map[string]string{"text": "note about zebra-quartz-4417"}, nil, 201)
	ws.waitFor("the reply", func(ev civicdesk.Event) bool {
		return ev.Type == "message" && ev.Message.Author.Kind == civicdesk.AuthorAgent
	})

	sup := login(t, base, "supervisor@demo.gov")
	var export struct {
		Contact       civicdesk.Contact `json:"contact"`
		Conversations []struct {
			Messages []civicdesk.Message `json:"messages"`
			Notes    []civicdesk.Note    `json:"notes"`
		} `json:"conversations"`
	}
	sup.must("GET", "/api/v1/admin/contacts/"+cv.ContactID+"/export", nil, &export, 200)
	if len(export.Conversations) != 1 || len(export.Conversations[0].Messages) < 3 || len(export.Conversations[0].Notes) != 1 {
		t.Fatalf("export = %+v", export)
	}
	agent.must("GET", "/api/v1/admin/contacts/"+cv.ContactID+"/export", nil, nil, 403)
	if n := filesHolding(t, dataDir, "zebra-quartz-4417"); n == 0 {
		t.Fatal("before erasure no file holds the text: the scan below proves nothing")
	}
	sup.must("POST", "/api/v1/admin/contacts/"+cv.ContactID+"/erase", map[string]bool{"confirm": false}, nil, 400)
	sup.must("POST", "/api/v1/admin/contacts/"+cv.ContactID+"/erase", map[string]bool{"confirm": true}, nil, 200)

	sup.must("GET", "/api/v1/admin/contacts/"+cv.ContactID+"/export", nil, &export, 200)
	if len(export.Conversations[0].Messages) != 0 || len(export.Conversations[0].Notes) != 0 {
		t.Fatalf("after erasure the export still has %+v", export.Conversations[0])
	}
	var view struct {
		Conversation civicdesk.Conversation `json:"conversation"`
		Messages     []civicdesk.Message    `json:"messages"`
	}
	sup.must("GET", "/api/v1/desk/conversations/"+cv.ID, nil, &view, 200)
	if len(view.Messages) != 0 || view.Conversation.State != civicdesk.StateClosed {
		t.Fatalf("after erasure the desk shows %+v", view)
	}
	time.Sleep(300 * time.Millisecond) // let consumers settle before the files are read
	if code := stop(); code != 0 {
		t.Fatalf("stop = %d", code)
	}
	// Nothing on disk, in the store or in the streams, holds the text.
	if n := filesHolding(t, dataDir, "zebra-quartz-4417"); n != 0 {
		t.Fatalf("%d files still hold the erased text", n)
	}
}

// filesHolding counts the files under dir that contain text.
func filesHolding(t *testing.T, dir, text string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if bytes.Contains(data, []byte(text)) {
			t.Logf("%s holds %q", strings.TrimPrefix(p, dir), text)
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
