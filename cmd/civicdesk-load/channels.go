package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/smtp"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// smsSender posts Twilio-style inbound webhooks. It stops by itself (and
// says why, once) when the server has no SMS channel.
type smsSender struct {
	url     string // the webhook, as the server knows its public URL
	token   string // Twilio auth token, to sign requests; "" = unsigned
	to      string
	numbers int
	client  *http.Client
	st      *stats
	off     atomic.Bool
	n       atomic.Int64
}

func (s *smsSender) send(ctx context.Context, planned time.Time) {
	if s.off.Load() {
		return
	}
	n := s.n.Add(1)
	var sid [16]byte
	_, _ = rand.Read(sid[:])
	form := url.Values{
		"From":       {fmt.Sprintf("+1555%07d", n%int64(max(s.numbers, 1)))},
		"To":         {s.to},
		"Body":       {fmt.Sprintf("Hello, question %d about my water bill payment plan", n)},
		"MessageSid": {"SM" + hex.EncodeToString(sid[:])},
		"AccountSid": {"AC" + strings.Repeat("0", 32)},
		"NumMedia":   {"0"},
	}
	body := form.Encode()
	req, err := http.NewRequestWithContext(ctx, "POST", s.url, strings.NewReader(body))
	if err != nil {
		return
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if s.token != "" {
		req.Header.Set("X-Twilio-Signature", twilioSignature(s.token, s.url, form))
	}
	resp, err := s.client.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			s.st.errs.add(errKind("sms", 0, nil, err))
		}
		return
	}
	resp.Body.Close()
	switch {
	case resp.StatusCode == 200:
		s.st.sms.observe(time.Since(planned))
		s.st.smsOK.Add(1)
	case resp.StatusCode == 404 || resp.StatusCode == 405:
		if !s.off.Swap(true) {
			s.st.errs.add(fmt.Sprintf("sms: http %d: this server has no SMS channel; SMS load stopped", resp.StatusCode))
		}
	case resp.StatusCode == 403 && s.token == "":
		if !s.off.Swap(true) {
			s.st.errs.add("sms: http 403: the server checks Twilio signatures; pass --twilio-auth-token; SMS load stopped")
		}
	default:
		s.st.errs.add(fmt.Sprintf("sms: http %d", resp.StatusCode))
	}
}

// twilioSignature is X-Twilio-Signature: base64(HMAC-SHA1(token, URL +
// each POST parameter name and value, sorted by name)).
func twilioSignature(token, u string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(u)
	for _, k := range keys {
		for _, v := range form[k] {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(token))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// smtpSender delivers mail to the server's inbound SMTP, one connection per
// worker, several transactions per connection.
type smtpSender struct {
	addr   string
	domain string
	run    string
	st     *stats
	off    atomic.Bool
	n      atomic.Int64
	mu     sync.Mutex
	idle   []*smtp.Client
}

func (s *smtpSender) client() (*smtp.Client, error) {
	s.mu.Lock()
	if n := len(s.idle); n > 0 {
		c := s.idle[n-1]
		s.idle = s.idle[:n-1]
		s.mu.Unlock()
		return c, nil
	}
	s.mu.Unlock()
	conn, err := net.DialTimeout("tcp", s.addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	host, _, _ := net.SplitHostPort(s.addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return nil, err
	}
	if err := c.Hello("load.localhost"); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func (s *smtpSender) send(ctx context.Context, planned time.Time) {
	if s.off.Load() || ctx.Err() != nil {
		return
	}
	n := s.n.Add(1)
	c, err := s.client()
	if err != nil {
		if !s.off.Swap(true) {
			s.st.errs.add(errKind("smtp", 0, nil, err) + " (no SMTP server? mail load stopped)")
		}
		return
	}
	from := fmt.Sprintf("citizen%d@example.org", n%200)
	to := "help@" + s.domain
	msg := fmt.Sprintf("From: <%s>\r\nTo: <%s>\r\nSubject: Question %d\r\nMessage-ID: <%s-%d@load.localhost>\r\nDate: %s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello, I have a question (%d) about my property tax bill.\r\n",
		from, to, n, s.run, n, time.Now().Format(time.RFC1123Z), n)
	err = func() error {
		if err := c.Mail(from); err != nil {
			return err
		}
		if err := c.Rcpt(to); err != nil {
			return err
		}
		w, err := c.Data()
		if err != nil {
			return err
		}
		if _, err := w.Write([]byte(msg)); err != nil {
			return err
		}
		return w.Close() // waits for the 250
	}()
	if err != nil {
		_ = c.Close()
		kind := "smtp: " + trimErr(err.Error())
		if _, ok := err.(net.Error); ok {
			kind = errKind("smtp", 0, nil, err)
		}
		s.st.errs.add(kind)
		return
	}
	s.st.smtp.observe(time.Since(planned))
	s.st.smtpOK.Add(1)
	s.mu.Lock()
	s.idle = append(s.idle, c)
	s.mu.Unlock()
}

func (s *smtpSender) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.idle {
		_ = c.Quit()
	}
	s.idle = nil
}
