package main

import (
	"io"
	"net/http"
	"net/smtp"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
)

var smtpRE = regexp.MustCompile(`CivicDesk SMTP on ([0-9.:]+)`)

func TestEmailWithAttachmentReachesTheDesk(t *testing.T) {
	base, _, logs := startMain(t, t.TempDir())
	var smtpAddr string
	for deadline := time.Now().Add(10 * time.Second); smtpAddr == ""; time.Sleep(10 * time.Millisecond) {
		if m := smtpRE.FindStringSubmatch(logs.String()); m != nil {
			smtpAddr = m[1]
		} else if time.Now().After(deadline) {
			t.Fatal("no SMTP address in the output")
		}
	}
	agent := login(t, base, "agent1@demo.gov")
	ws := dial(t, base+"/api/v1/desk/ws?token="+agent.token)

	mail := "From: Rosa Perez <rosa@example.org>\r\nTo: help@civicdesk.localhost\r\nSubject: Lease for my housing application\r\n" +
		"Message-ID: <lease-1@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n" +
		"--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nI want to talk to a person about my housing application, my lease is attached.\r\n" +
		"--XX\r\nContent-Type: application/pdf; name=lease.pdf\r\nContent-Disposition: attachment; filename=lease.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJcfsj6IKMSAwIG9iago=\r\n--XX--\r\n"
	if err := smtp.SendMail(smtpAddr, nil, "rosa@example.org", []string{"help@civicdesk.localhost"}, []byte(mail)); err != nil {
		t.Fatalf("SMTP: %v", err)
	}
	ev := ws.waitFor("the email conversation assigned", func(ev civicdesk.Event) bool {
		return ev.Type == "conversation.assigned" && ev.Conversation.Channel == civicdesk.ChannelEmail
	})
	var view struct {
		Messages []civicdesk.Message `json:"messages"`
	}
	agent.must("GET", "/api/v1/desk/conversations/"+ev.Conversation.ID, nil, &view, 200)
	var att *civicdesk.Attachment
	for _, m := range view.Messages {
		if len(m.Attachments) > 0 {
			att = &m.Attachments[0]
		}
	}
	if att == nil || att.Name != "lease.pdf" || att.URL == "" {
		t.Fatalf("no attachment on the email message: %+v", view.Messages)
	}
	get := func(token string) (int, string, http.Header) {
		req, _ := http.NewRequest("GET", base+att.URL, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body), resp.Header
	}
	code, body, h := get(agent.token)
	if code != 200 || !strings.HasPrefix(body, "%PDF-1.4") || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment") {
		t.Fatalf("attachment download = %d %q %v", code, body, h)
	}
	if code, _, _ := get(login(t, base, "agent4@demo.gov").token); code != 404 {
		t.Fatalf("another department's agent got the attachment: %d", code)
	}
	if code, _, _ := get(""); code != 401 {
		t.Fatalf("anonymous download = %d", code)
	}
	if strings.Contains(logs.String(), "rosa@example.org") || strings.Contains(logs.String(), "lease is attached") {
		t.Fatal("the server logged the sender or the text")
	}
}

func TestWidgetTranscriptRequestAtClose(t *testing.T) {
	base, _, _ := startMain(t, t.TempDir())
	var sess session
	api{t: t, base: base}.must("POST", "/api/v1/widget/sessions", map[string]string{}, &sess, 201)
	citizen := api{t: t, base: base, token: sess.VisitorToken}
	citizen.must("POST", "/api/v1/widget/messages", map[string]string{"clientMessageId": uuid(1), "text": "how do I renew my license?"}, nil, 202)
	citizen.must("POST", "/api/v1/widget/conversation/close", map[string]string{"transcriptEmail": "not an address"}, nil, 400)
	var out struct {
		TranscriptRequested bool `json:"transcriptRequested"`
	}
	citizen.must("POST", "/api/v1/widget/conversation/close", map[string]string{"transcriptEmail": "me@example.org"}, &out, 200)
	if !out.TranscriptRequested {
		t.Fatal("transcript not requested")
	}
}
