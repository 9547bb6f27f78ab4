package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// The poster speaks HTTP/1.1 to a real net/http server over loopback: it
// sends what a client would (method, path, token, JSON body), reads
// Content-Length and chunked answers, reuses one connection for requests
// one after another, and dials again when the server closes.
func TestPosterTalksHTTP(t *testing.T) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch {
		case r.Method != http.MethodPost || r.Header.Get("Authorization") != "Bearer tok" || r.Header.Get("Content-Type") != "application/json":
			http.Error(w, "bad request line or headers", http.StatusBadRequest)
		case r.URL.Path == "/base/chunked":
			w.WriteHeader(http.StatusAccepted)
			_, _ = w.Write([]byte(`{"part":1,`))
			w.(http.Flusher).Flush() // forces a chunked answer
			_, _ = w.Write([]byte(`"echo":` + string(body) + `}`))
		case r.URL.Path == "/base/close":
			w.Header().Set("Connection", "close")
			w.WriteHeader(http.StatusTooManyRequests)
		default:
			w.WriteHeader(http.StatusAccepted)
			_, _ = w.Write(body)
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	p := newPoster(srv.URL+"/base", 4)
	defer p.close()
	ctx := context.Background()

	for i := range 20 {
		code, body, err := p.post(ctx, "/x", "tok", []byte(`{"n":1}`))
		if err != nil || code != http.StatusAccepted || string(body) != `{"n":1}` {
			t.Fatalf("post %d: %d %q %v", i, code, body, err)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("20 posts one after another used %d connections, want 1", n)
	}
	code, body, err := p.post(ctx, "/chunked", "tok", []byte(`"hi"`))
	if err != nil || code != http.StatusAccepted || string(body) != `{"part":1,"echo":"hi"}` {
		t.Fatalf("chunked: %d %q %v", code, body, err)
	}
	if code, _, err := p.post(ctx, "/close", "tok", []byte(`{}`)); err != nil || code != http.StatusTooManyRequests {
		t.Fatalf("close: %d %v", code, err)
	}
	if code, _, err := p.post(ctx, "/x", "tok", []byte(`{}`)); err != nil || code != http.StatusAccepted {
		t.Fatalf("after close: %d %v", code, err)
	}
	if n := conns.Load(); n != 2 {
		t.Fatalf("a closed connection was not replaced by exactly one new one: %d connections", n)
	}
	if code, _, err := p.post(ctx, "/x", "wrong", []byte(`{}`)); err != nil || code != http.StatusBadRequest {
		t.Fatalf("wrong token: %d %v", code, err)
	}
}

func TestReadResponseRefusesWhatIsNotHTTP(t *testing.T) {
	for _, raw := range []string{
		"",
		"SSH-2.0-OpenSSH\r\n",
		"HTTP/1.1 2x2 Accepted\r\n\r\n",
		"HTTP/1.1 202 Accepted\r\nno colon here\r\n\r\n",
		"HTTP/1.1 202 Accepted\r\nContent-Length: -1\r\n\r\n",
		"HTTP/1.1 202 Accepted\r\nContent-Length: 10\r\n\r\nshort",
		"HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
	} {
		if _, _, _, err := readResponse(bufio.NewReader(strings.NewReader(raw))); err == nil {
			t.Errorf("%q: no error", raw)
		}
	}
	code, body, keep, err := readResponse(bufio.NewReader(strings.NewReader("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")))
	if err != nil || code != 200 || string(body) != "ok" || keep {
		t.Fatalf("HTTP/1.0: %d %q keep=%v %v", code, body, keep, err)
	}
	if _, _, _, err := readResponse(bufio.NewReader(strings.NewReader("HTTP/1.1 202 A\r\n"))); !errors.Is(err, io.EOF) {
		t.Fatalf("cut-off headers: %v", err)
	}
}

func FuzzReadResponse(f *testing.F) {
	f.Add([]byte("HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}"))
	f.Add([]byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"))
	f.Add([]byte("HTTP/1.1 503 Unavailable\r\nConnection: close\r\n\r\nbusy"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		code, body, _, err := readResponse(bufio.NewReader(strings.NewReader(string(raw))))
		if err != nil {
			return
		}
		if code < 0 || code > 999 || len(body) > len(raw) {
			t.Fatalf("status %d, %d body bytes from %d bytes", code, len(body), len(raw))
		}
	})
}
