package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// checkLoopback refuses any target that is not this machine: the generator
// is for measuring one's own server, never someone else's.
func checkLoopback(hostport string) error {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%q is not a loopback address: civicdesk-load only targets 127.0.0.1", hostport)
	}
	return nil
}

func parseTarget(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil {
		return nil, fmt.Errorf("--url: %w", err)
	}
	if u.Scheme != "http" {
		return nil, fmt.Errorf("--url must be http://127.0.0.1:PORT, got %q", raw)
	}
	if err := checkLoopback(u.Host); err != nil {
		return nil, err
	}
	return u, nil
}

func portOf(u *url.URL) int {
	p, _ := strconv.Atoi(u.Port())
	if p == 0 {
		p = 80
	}
	return p
}

// raiseFileLimit lifts the soft limit on open files to the hard limit, so
// ten thousand sockets fit.
func raiseFileLimit(need uint64) (uint64, error) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0, err
	}
	if rl.Cur < rl.Max {
		rl.Cur = rl.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
			return 0, err
		}
	}
	if rl.Cur < need {
		return rl.Cur, fmt.Errorf("open-file limit %d is below the %d this run needs (raise the hard limit: ulimit -Hn)", rl.Cur, need)
	}
	return rl.Cur, nil
}

func newHTTPClient(conns int) *http.Client {
	tr := &http.Transport{
		Proxy:               nil, // never through a proxy: loopback only
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		IdleConnTimeout:     60 * time.Second,
		DisableCompression:  true,
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// errKind names a failure for the report: "http 503 unavailable",
// "timeout", "connection refused", ….
func errKind(prefix string, status int, body []byte, err error) string {
	if err != nil {
		var ne net.Error
		switch {
		case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
			return prefix + ": timeout"
		case errors.Is(err, syscall.ECONNREFUSED):
			return prefix + ": connection refused"
		case errors.Is(err, syscall.ECONNRESET):
			return prefix + ": connection reset"
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			return prefix + ": connection closed"
		case errors.Is(err, syscall.EMFILE):
			return prefix + ": too many open files"
		case errors.Is(err, syscall.EADDRNOTAVAIL):
			return prefix + ": out of local ports"
		}
		return prefix + ": " + trimErr(err.Error())
	}
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(body, &e)
	if e.Error.Code != "" {
		return fmt.Sprintf("%s: http %d %s", prefix, status, e.Error.Code)
	}
	return fmt.Sprintf("%s: http %d", prefix, status)
}

func trimErr(s string) string {
	if i := strings.LastIndex(s, ": "); i >= 0 && len(s) > 60 {
		s = s[i+2:]
	}
	if len(s) > 60 {
		s = s[:60]
	}
	return s
}

// do sends a request with an optional JSON body and bearer token and reads
// the answer; out, when not nil, receives the decoded JSON body.
func do(ctx context.Context, c *http.Client, method, url, token string, body []byte, contentType string, out any) (int, []byte, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		if contentType == "" {
			contentType = "application/json"
		}
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	resp.Body.Close()
	if err != nil {
		return resp.StatusCode, nil, err
	}
	if out != nil && resp.StatusCode < 300 && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, data, fmt.Errorf("decode %s %s: %w", method, url, err)
		}
	}
	return resp.StatusCode, data, nil
}

// messageBody is the JSON of a widget message or a desk reply. socketID,
// when not "", names the sender's widget socket, which then gets no echo of
// it (as the widget does).
func messageBody(cmid, text, socketID string) []byte {
	b, _ := json.Marshal(struct {
		ClientMessageID string `json:"clientMessageId"`
		Text            string `json:"text"`
		SocketID        string `json:"socketId,omitempty"`
	}{cmid, text, socketID})
	return b
}

// runID makes ids unique across runs against the same server.
func runID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "civicdesk-load: "+format+"\n", args...)
}
