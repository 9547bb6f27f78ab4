package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
)

func TestContactPageWithoutJavaScript(t *testing.T) {
	base, _, _ := startMain(t, t.TempDir())
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	page := func() string {
		resp, err := browser.Get(base + "/contact")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") {
			t.Fatalf("GET /contact = %d, CSP %q", resp.StatusCode, resp.Header.Get("Content-Security-Policy"))
		}
		return string(body)
	}
	field := func(body, name string) string {
		m := regexp.MustCompile(`name="` + name + `" value="([^"]+)"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no %s field in:\n%s", name, body)
		}
		return m[1]
	}
	body := page()
	if !strings.Contains(body, `<label for="text">`) || strings.Contains(body, "<script") {
		t.Fatalf("the form is not a plain labelled form:\n%s", body)
	}
	// No timed refresh (WCAG 2.2.1): it wiped what was being typed and sent
	// a screen reader back to the top of the page.
	if strings.Contains(strings.ToLower(body), "http-equiv=\"refresh\"") {
		t.Fatal("the page refreshes itself")
	}
	post := func(form url.Values) int {
		resp, err := browser.PostForm(base+"/contact", form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// A forged post (no CSRF token) is refused and stores nothing.
	if code := post(url.Values{"text": {"forged"}, "clientMessageId": {"x1"}}); code != 400 {
		t.Fatalf("post without token = %d", code)
	}
	// An empty message is refused, the error tied to the box it is about,
	// and makes no visitor (no cookie, no contact).
	resp, err := browser.PostForm(base+"/contact", url.Values{"text": {"  "}, "clientMessageId": {field(body, "clientMessageId")}, "csrf": {field(body, "csrf")}})
	if err != nil {
		t.Fatal(err)
	}
	errPage, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(errPage), `aria-describedby="text-error"`) || !strings.Contains(string(errPage), `id="text-error"`) {
		t.Fatalf("empty post = %d:\n%s", resp.StatusCode, errPage)
	}
	contactURL, _ := url.Parse(base + "/contact")
	for _, ck := range jar.Cookies(contactURL) {
		if ck.Name == "cd_visitor" {
			t.Fatal("an empty post was given a visitor cookie")
		}
	}
	text := "I need an agent about my <script>alert(1)</script> property tax bill"
	form := url.Values{"text": {text}, "clientMessageId": {field(body, "clientMessageId")}, "csrf": {field(body, "csrf")}}
	if code := post(form); code != 200 { // 303 followed to the page
		t.Fatalf("post = %d", code)
	}
	if code := post(form); code != 200 { // the same form twice: one message
		t.Fatalf("repost = %d", code)
	}
	agent := login(t, base, "agent1@demo.gov")
	var list struct {
		Conversations []civicdesk.Conversation `json:"conversations"`
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		agent.must("GET", "/api/v1/desk/conversations?state=assigned", nil, &list, 200)
		if len(list.Conversations) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the contact form's conversation never reached the caseworker")
		}
	}
	cv := list.Conversations[0]
	agent.must("POST", "/api/v1/desk/conversations/"+cv.ID+"/messages", map[string]string{"clientMessageId": uuid(2), "text": "Hello from the tax office"}, nil, 202)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		body = page()
		if strings.Contains(body, "Hello from the tax office") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the reply never showed on the page:\n%s", body)
		}
	}
	if strings.Contains(body, "<script>alert(1)</script>") || !strings.Contains(body, "&lt;script&gt;") {
		t.Fatal("message text was not escaped")
	}
	if strings.Count(body, "property tax bill") != 1 {
		t.Fatalf("the message shows %d times", strings.Count(body, "property tax bill"))
	}
}

func TestWidgetOriginAllowlist(t *testing.T) {
	base, _, _ := startMain(t, t.TempDir(), "--widget-origins", "https://city.example.gov")
	call := func(method, origin string) (int, string) {
		req, _ := http.NewRequest(method, base+"/api/v1/widget/sessions", strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", origin)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin")
	}
	if code, allow := call("POST", "https://city.example.gov"); code != 201 || allow != "https://city.example.gov" {
		t.Fatalf("allowed site: %d %q", code, allow)
	}
	if code, _ := call("OPTIONS", "https://city.example.gov"); code != 204 {
		t.Fatalf("preflight: %d", code)
	}
	if code, allow := call("POST", "https://evil.example.com"); code != 403 || allow != "" {
		t.Fatalf("other site: %d %q", code, allow)
	}
	if code, _ := call("POST", base); code != 201 {
		t.Fatalf("CivicDesk's own demo page: %d", code)
	}
}
