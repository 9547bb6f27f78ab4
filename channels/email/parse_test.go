package email

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseCorpus(t *testing.T) {
	type att struct{ name, ct string }
	tests := []struct {
		file      string
		from      string
		subject   string
		msgID     string
		body      []string // substrings the caseworker must see
		notBody   []string // substrings trimmed away (quotes, signatures, markup)
		htmlOnly  bool
		automated string
		atts      []att
		inReplyTo string
		embedded  string
	}{
		{file: "plain.eml", from: "maria.lopez@example.org", subject: "Question about my property tax bill", msgID: "CAFx1plain001@mail.example.org",
			body: []string{"assessed value seems\nmuch higher", "Thank you,\nMaria"}, notBody: []string{"12 Elm Street", "555-0100"}},
		{file: "html_only.eml", from: "tom.baker@example.net", subject: "Pothole on Main St & 3rd", htmlOnly: true,
			body:    []string{"Hi there,", "large pothole at Main St & 3rd Ave.", "- Size: about 1 m wide", "- Depth: > 10 cm", "my photo (https://photos.example.net/p/123)", "Thanks—Tom"},
			notBody: []string{"<", "alert", "ignored title", "color: red", "&amp;", "&nbsp;"}},
		{file: "latin1_qp.eml", from: "helene.dubois@example.fr", subject: "Permis de stationnement résidentiel",
			body: []string{"stationnement résidentiel", "Où dois-je envoyer", "Hélène Dubois"}},
		{file: "chinese_base64.eml", from: "xiaoming.wang@example.cn", subject: "住房补助申请",
			body: []string{"我想申请住房补助。请问需要准备哪些材料？", "王小明"}},
		{file: "shift_jis.eml", from: "taro.yamada@example.jp", subject: "粗大ごみの収集",
			body: []string{"粗大ごみの収集日を教えてください。", "冷蔵庫を一台出したいです。"}},
		{file: "rfc2047_subject.eml", from: "juergen@example.de", subject: "Antrag auf Wohngeld – fehlende Unterlagen für März",
			body: []string{"welche Unterlagen fehlen noch für meinen Antrag?"}},
		{file: "attachment_pdf.eml", from: "ana.silva@example.com", subject: "Building permit application - site plan attached",
			body: []string{"site plan for my building permit application"}, notBody: []string{"<p>", "JVBER"},
			atts: []att{{"site-plan.pdf", "application/pdf"}, {"façade.png", "image/png"}}},
		{file: "outlook_reply.eml", from: "peter.novak@contoso.example", subject: "RE: Your message to us",
			inReplyTo: "msg_0123456789abcdef01234567@civicdesk.localhost",
			body:      []string{"the account number is 7788-11", "Peter"}, notBody: []string{"Could you send us", "From: CivicDesk", "____"}},
		{file: "outlook_original.eml", from: "linda.park@example.org", subject: "RE: Water bill",
			body: []string{"meter reading was 04512 on May 1st – please correct it."}, notBody: []string{"Original Message", "What was the meter reading?"}},
		{file: "gmail_reply.eml", from: "maria.lopez@example.org", subject: "Re: Question about my property tax bill",
			inReplyTo: "msg_bot_handoff_msg_1@civicdesk.localhost",
			body:      []string{"Thanks! My parcel number is 2024-0042."}, notBody: []string{"wrote:", "could you tell us", "earlier quoted"}},
		{file: "gmail_html_reply.eml", from: "sam.lee@example.org", subject: "Re: Question", htmlOnly: true,
			body: []string{"Yes, Tuesday works for me."}, notBody: []string{"Would Tuesday work?", "wrote:", "Second quoted line"}},
		{file: "apple_reply.eml", from: "chris.doe@icloud.example", subject: "Re: Bulk pickup",
			body:    []string{"Great, I will put the sofa out on Thursday morning before 7am as you suggested."},
			notBody: []string{"Sent from my iPhone", "on Thursdays", "wrote:"}},
		{file: "apple_inline_image.eml", from: "chris.doe@icloud.example", subject: "Broken streetlight",
			body: []string{"Here is a photo:", "It has been dark for a week."}, atts: []att{{"IMG_0001.jpeg", "image/jpeg"}}},
		{file: "auto_reply.eml", from: "peter.novak@contoso.example", subject: "Automatic reply: Your message to us", automated: AutoReply,
			body: []string{"out of the office"}},
		{file: "bounce.eml", from: "MAILER-DAEMON@mx.example.org", subject: "Undelivered Mail Returned to Sender", automated: AutoBounce,
			body: []string{"could not\nbe delivered"}, embedded: "msg_bounced_target@civicdesk.localhost"},
		{file: "mailing_list.eml", from: "news@lists.example.gov", subject: "[council-news] Agenda for the May 20 meeting", automated: AutoList,
			body: []string{"agenda for the May 20 council meeting"}},
	}
	seen := map[string]bool{}
	for _, tc := range tests {
		seen[tc.file] = true
		t.Run(tc.file, func(t *testing.T) {
			p, err := Parse(readEML(t, tc.file), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if p.From.Address != tc.from {
				t.Errorf("from = %q, want %q", p.From.Address, tc.from)
			}
			if p.Subject != tc.subject {
				t.Errorf("subject = %q, want %q", p.Subject, tc.subject)
			}
			if tc.msgID != "" && p.MessageID != tc.msgID {
				t.Errorf("message id = %q, want %q", p.MessageID, tc.msgID)
			}
			if p.MessageID == "" {
				t.Error("no message id")
			}
			for _, s := range tc.body {
				if !strings.Contains(p.Body, s) {
					t.Errorf("body lacks %q:\n%s", s, p.Body)
				}
			}
			for _, s := range tc.notBody {
				if strings.Contains(p.Body, s) {
					t.Errorf("body has %q:\n%s", s, p.Body)
				}
			}
			if !utf8.ValidString(p.Body) || !utf8.ValidString(p.Subject) {
				t.Error("invalid UTF-8")
			}
			if p.HTMLOnly != tc.htmlOnly {
				t.Errorf("htmlOnly = %v", p.HTMLOnly)
			}
			if p.Automated != tc.automated {
				t.Errorf("automated = %q, want %q", p.Automated, tc.automated)
			}
			if len(p.Attachments) != len(tc.atts) {
				t.Fatalf("attachments = %+v, want %v", p.Attachments, tc.atts)
			}
			for i, a := range tc.atts {
				got := p.Attachments[i]
				if got.Name != a.name || got.ContentType != a.ct || got.Data == nil || got.Size != int64(len(got.Data)) {
					t.Errorf("attachment %d = %q %q %d, want %q %q", i, got.Name, got.ContentType, got.Size, a.name, a.ct)
				}
			}
			if tc.inReplyTo != "" && (len(p.InReplyTo) != 1 || p.InReplyTo[0] != tc.inReplyTo) {
				t.Errorf("in-reply-to = %v", p.InReplyTo)
			}
			if tc.embedded != "" && (len(p.Embedded) != 1 || p.Embedded[0] != tc.embedded) {
				t.Errorf("embedded = %v", p.Embedded)
			}
		})
	}
	files, _ := filepath.Glob("testdata/*.eml")
	for _, f := range files {
		if !seen[filepath.Base(f)] {
			t.Errorf("%s has no case in the table", f)
		}
	}
}

func TestParsePDFBytes(t *testing.T) {
	p, err := Parse(readEML(t, "attachment_pdf.eml"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(p.Attachments[0].Data), "%PDF-1.4") {
		t.Errorf("pdf bytes = %q", p.Attachments[0].Data[:10])
	}
	// Over the limit: described, not kept.
	p, err = Parse(readEML(t, "attachment_pdf.eml"), Limits{MaxAttachmentBytes: 100})
	if err != nil {
		t.Fatal(err)
	}
	if a := p.Attachments[0]; a.Data != nil || a.Size != 142 {
		t.Errorf("oversize attachment kept: %+v", a)
	}
	if a := p.Attachments[1]; a.Data == nil {
		t.Errorf("small attachment not kept")
	}
	p, err = Parse(readEML(t, "attachment_pdf.eml"), Limits{MaxAttachments: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Attachments) != 2 || p.Attachments[0].Data == nil || p.Attachments[1].Data != nil {
		t.Errorf("attachment count limit not applied: %+v", p.Attachments)
	}
}

func TestTrimQuoted(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"nothing to trim", "Hello\n\nThanks", "Hello\n\nThanks"},
		{"signature", "Hello\n-- \nJane\n555-0100", "Hello"},
		{"gt quotes", "Yes please.\n\n> Do you want a copy?\n> Thanks", "Yes please."},
		{"inline answers", "> Name?\nJane\n> Date?\nMonday", "Jane\nMonday"},
		{"on wrote", "Sure.\n\nOn Tue, 14 May 2024, Bob <b@x.org> wrote:\n> hi", "Sure."},
		{"wrapped attribution", "Sure.\n\nOn Tue, 14 May 2024 at 10:00, Bob Smith\n<b@x.org> wrote:\nquoted without markers", "Sure."},
		{"french", "Oui.\n\nLe mar. 14 mai 2024 à 10:00, Bob <b@x.org> a écrit :\n> salut", "Oui."},
		{"german", "Ja.\n\nAm 14.05.2024 um 10:00 schrieb Bob <b@x.org>:\n> hallo", "Ja."},
		{"spanish", "Sí.\n\nEl mar, 14 may 2024 a las 10:00, Bob (<b@x.org>) escribió:\n> hola", "Sí."},
		{"outlook original", "Done.\n\n-----Original Message-----\nFrom: X\nSent: Y\n\nold", "Done."},
		{"outlook header", "Done.\n\n________________________________\nFrom: CivicDesk <help@x>\nSent: Monday\nTo: me\nSubject: Re: x\n\nold", "Done."},
		{"outlook bold header", "Done.\n\nFrom: CivicDesk <help@x>\nDate: Monday, 13 May 2024\nTo: me\n\nold", "Done."},
		{"from alone is kept", "From: my landlord I got a letter.\nWhat now?", "From: my landlord I got a letter.\nWhat now?"},
		{"mobile tag", "On my way.\n\nSent from my iPhone", "On my way."},
		{"all quoted falls back", "> only a quote", "> only a quote"},
		{"forward kept", "FYI\n\n---------- Forwarded message ---------\nFrom: A <a@x>\nDate: Mon\nSubject: B\n\nbody", "FYI\n\n---------- Forwarded message ---------"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := trimQuoted(tc.in); got != tc.want {
				t.Errorf("trimQuoted(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestHTMLToText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"paragraphs", "<p>One</p><p>Two&nbsp;&amp;&#32;three</p>", "One\n\nTwo & three"},
		{"br and div", "<div>a<br>b</div><div>c</div>", "a\nb\nc"},
		{"list", "<ul><li>x</li><li>y</li></ul>", "- x\n- y"},
		{"script style", "<style>p{}</style><script>var a = '<p>';</script>ok", "ok"},
		{"blockquote", "Yes<blockquote>asked<br>twice</blockquote>", "Yes\n\n> asked\n> twice"},
		{"table", "<table><tr><td>Name</td><td>Jane</td></tr><tr><td>Ref</td><td>42</td></tr></table>", "Name Jane\nRef 42"},
		{"pre", "<pre>  a\n  b</pre>", "  a\n  b"},
		{"link same text", `<a href="https://x.org/">https://x.org/</a>`, "https://x.org/"},
		{"javascript link dropped", `<a href="javascript:alert(1)">click</a>`, "click"},
		{"broken html", "<p>unclosed <b>bold <i>text", "unclosed bold text"},
		{"uppercase", "<P>Hi</P><BR>there", "Hi\n\nthere"},
		{"outlook html", `<div>Thanks</div><hr><div id="divRplyFwdMsg"><b>From:</b> CivicDesk<br><b>Sent:</b> Monday</div><div>old</div>`, "Thanks\nFrom: CivicDesk\nSent: Monday\nold"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := htmlToText(tc.in); got != tc.want {
				t.Errorf("htmlToText(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
	// And the Outlook HTML reply trims like its text twin.
	if got := trimQuoted(htmlToText(tests[len(tests)-1].in)); got != "Thanks" {
		t.Errorf("outlook html trimmed to %q", got)
	}
}

func TestNormalizeSubject(t *testing.T) {
	for in, want := range map[string]string{
		"Re: RE: Fwd: Water  bill": "Water bill",
		"AW: Antrag":               "Antrag",
		"Re[2]: x":                 "x",
		"Ref: 42":                  "Ref: 42",
		"":                         "",
	} {
		if got := normalizeSubject(in); got != want {
			t.Errorf("normalizeSubject(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseOddities(t *testing.T) {
	for name, raw := range map[string]string{
		"no header at all":        "just text",
		"unknown charset":         "Subject: x\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\nqapla\xff",
		"unknown encoding":        "Subject: x\r\nContent-Transfer-Encoding: x-weird\r\n\r\nbody",
		"multipart no boundary":   "Subject: x\r\nContent-Type: multipart/mixed\r\n\r\nbody",
		"bad base64":              "Subject: x\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!!not base64!!!!",
		"malformed from":          "From: <<<@@@>>>\r\nSubject: =?utf-8?q?broken\r\n\r\nhi",
		"deep multipart":          strings.Repeat("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n", 40) + "\r\nx",
		"binary garbage in plain": "Subject: x\r\n\r\n\x00\x01\x02\xfe\xff",
	} {
		t.Run(name, func(t *testing.T) {
			p, err := Parse([]byte(raw), Limits{})
			if err != nil {
				return // an unreadable header is allowed to fail
			}
			if !utf8.ValidString(p.Body) || !utf8.ValidString(p.Subject) || !utf8.ValidString(p.From.Name) {
				t.Errorf("invalid UTF-8 in %+v", p)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.eml")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("Subject: x\r\nContent-Type: text/html\r\n\r\n<blockquote><blockquote><pre>\n>x</pre>"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, err := Parse(raw, Limits{MaxAttachmentBytes: 1 << 16, MaxTextBytes: 1 << 16})
		if err != nil {
			return
		}
		if !utf8.ValidString(p.Text) || !utf8.ValidString(p.Body) || !utf8.ValidString(p.Subject) {
			t.Errorf("invalid UTF-8")
		}
		if len(p.Body) > len(p.Text) {
			t.Errorf("body longer than text")
		}
		for _, a := range p.Attachments {
			if a.Data != nil && int64(len(a.Data)) != a.Size {
				t.Errorf("attachment size %d for %d bytes", a.Size, len(a.Data))
			}
		}
		_ = trimQuoted(string(raw))
		_ = htmlToText(string(raw))
	})
}
