package webchat

import (
	"crypto/rand"
	"encoding/hex"
	"html/template"
	"net/http"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/internal/auth"
	"github.com/civicdesk/civicdesk/internal/ratelimit"
	"github.com/labstack/echo/v4"
)

// The /contact page serves citizens without JavaScript: a plain form that
// starts a conversation and shows the replies, rendered on the server. The
// visitor token lives in an HttpOnly cookie; a double-submit token guards the
// form against cross-site posts.
const (
	visitorCookie = "cd_visitor"
	csrfCookie    = "cd_csrf"
)

var contactPage = template.Must(template.New("contact").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Contact us — City services</title>
<link rel="stylesheet" href="/widget/demo.css">
</head>
<body>
<main id="main">
<h1>Contact us</h1>
<p>Write to us here and a caseworker will answer on this page. The first replies come from an automated assistant; write "agent" at any time to reach a person.{{if .Open}} To see new replies, use "Check for replies" below.{{end}}</p>
{{if .Error}}<p role="alert" id="text-error"><strong>{{.Error}}</strong></p>{{end}}
{{if .Messages}}
<h2>Your conversation</h2>
<ol aria-label="Messages">
{{range .Messages}}<li><strong>{{.Who}}</strong> <time datetime="{{.At}}">{{.Time}}</time><p>{{.Text}}</p></li>
{{end}}</ol>
{{end}}
<form method="post" action="/contact">
<input type="hidden" name="csrf" value="{{.CSRF}}">
<input type="hidden" name="clientMessageId" value="{{.ClientMessageID}}">
<p><label for="text">Your message</label><br>
<textarea id="text" name="text" rows="5" cols="50" maxlength="4000" required{{if .Error}} aria-invalid="true" aria-describedby="text-error" autofocus{{end}}></textarea></p>
<p><button type="submit">Send</button></p>
</form>
<p><a href="/contact">Check for replies</a></p>
</main>
</body>
</html>
`))

type contactLine struct {
	Who, Text, At, Time string
}

type contactView struct {
	Open            bool
	Error           string
	Messages        []contactLine
	CSRF            string
	ClientMessageID string
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b)
}

func (c *Channel) contactGet(ctx echo.Context) error {
	return c.renderContact(ctx, http.StatusOK, "")
}

func (c *Channel) renderContact(ctx echo.Context, status int, problem string) error {
	csrf := ""
	if ck, err := ctx.Cookie(csrfCookie); err == nil && len(ck.Value) == 32 {
		csrf = ck.Value
	} else {
		csrf = randomHex(16)
		ctx.SetCookie(&http.Cookie{Name: csrfCookie, Value: csrf, Path: "/contact", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: ctx.Request().TLS != nil})
	}
	v := contactView{Error: problem, CSRF: csrf, ClientMessageID: randomHex(16)}
	if contactID, ok := c.visitorFromCookie(ctx); ok {
		conv, err := c.currentConversation(ctx.Request().Context(), contactID)
		if err != nil {
			return err
		}
		if conv != nil {
			v.Open = conv.State != civicdesk.StateClosed
			ms, err := c.store.ListMessages(ctx.Request().Context(), conv.ID, 0, 0)
			if err != nil {
				return err
			}
			for _, m := range ms {
				who := "You"
				switch m.Author.Kind {
				case civicdesk.AuthorBot:
					who = "Automated assistant"
				case civicdesk.AuthorAgent:
					who = m.Author.Name
				case civicdesk.AuthorSystem:
					who = "Notice"
				}
				v.Messages = append(v.Messages, contactLine{Who: who, Text: m.Text, At: m.CreatedAt.Format(time.RFC3339), Time: m.CreatedAt.Format("Jan 2, 15:04 MST")})
			}
		}
	}
	ctx.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	ctx.Response().Header().Set("Cache-Control", "no-store")
	ctx.Response().WriteHeader(status)
	return contactPage.Execute(ctx.Response(), v)
}

func (c *Channel) visitorFromCookie(ctx echo.Context) (string, bool) {
	ck, err := ctx.Cookie(visitorCookie)
	if err != nil || ck.Value == "" {
		return "", false
	}
	return c.tokens.lookup(ctx.Request().Context(), ck.Value)
}

func (c *Channel) contactPost(ctx echo.Context) error {
	r := ctx.Request()
	r.Body = http.MaxBytesReader(ctx.Response(), r.Body, 32<<10)
	if err := r.ParseForm(); err != nil {
		return c.renderContact(ctx, http.StatusRequestEntityTooLarge, "Your message is too long.")
	}
	ck, err := ctx.Cookie(csrfCookie)
	if err != nil || !auth.Equal(ck.Value, r.PostForm.Get("csrf")) || len(ck.Value) != 32 {
		return c.renderContact(ctx, http.StatusBadRequest, "Please send the form again from this page.")
	}
	if ok, wait := c.perIP.Take(ctx.RealIP()); !ok {
		ctx.Response().Header().Set("Retry-After", ratelimit.RetryAfter(wait))
		return c.renderContact(ctx, http.StatusTooManyRequests, "Too many messages from this address; wait a moment and try again.")
	}
	if _, _, err := c.checkMessage(r.PostForm.Get("clientMessageId"), r.PostForm.Get("text")); err != nil {
		return c.renderContact(ctx, http.StatusBadRequest, "Please write a message of 1 to 4,000 characters.") // and make no visitor of it
	}
	rctx := r.Context()
	contactID, ok := c.visitorFromCookie(ctx)
	if !ok {
		secret, id, err := c.newVisitor(rctx, civicdesk.Contact{})
		if err != nil {
			return err
		}
		contactID = id
		ctx.SetCookie(&http.Cookie{Name: visitorCookie, Value: secret, Path: "/contact", MaxAge: int(c.cfg.TokenTTL.Seconds()),
			HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	}
	if _, err := c.accept(rctx, contactID, r.PostForm.Get("clientMessageId"), r.PostForm.Get("text"), ""); err != nil {
		code := civicdesk.ErrorCode(err)
		if code == civicdesk.CodeInvalid || code == civicdesk.CodeTooLarge {
			return c.renderContact(ctx, http.StatusBadRequest, "Please write a message of 1 to 4,000 characters.")
		}
		return err
	}
	return ctx.Redirect(http.StatusSeeOther, "/contact")
}
