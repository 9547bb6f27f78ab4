package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// poster sends the hot path's POSTs (widget messages) over plain HTTP/1.1
// keep-alive connections, writing each request and reading its answer in
// the calling goroutine. net/http's client hands every request to two more
// goroutines (a writer and a reader per connection); on two shared CPUs
// those hand-offs were a fifth of the generator's CPU, time taken from the
// server being measured. A connection is used by one request at a time and
// dropped on any error; the server sees ordinary requests.
type poster struct {
	addr   string // host:port, also the Host header
	prefix string // the base URL's path, if any
	idle   chan *posterConn
}

type posterConn struct {
	c   net.Conn
	r   *bufio.Reader
	buf []byte
}

// newPoster posts to base (http://host:port[/prefix]), keeping up to conns
// idle connections.
func newPoster(base string, conns int) *poster {
	u, err := url.Parse(base)
	if err != nil { // parseTarget has checked it
		u = &url.URL{Host: strings.TrimPrefix(base, "http://")}
	}
	return &poster{addr: u.Host, prefix: strings.TrimRight(u.Path, "/"), idle: make(chan *posterConn, conns)}
}

// errBadResponse is an answer the poster cannot read as HTTP/1.1.
var errBadResponse = errors.New("malformed HTTP response")

// post sends body as JSON to path with the bearer token and returns the
// status and the answer's body.
func (p *poster) post(ctx context.Context, path, token string, body []byte) (int, []byte, error) {
	pc, err := p.get(ctx)
	if err != nil {
		return 0, nil, err
	}
	deadline := time.Now().Add(30 * time.Second)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = pc.c.SetDeadline(deadline)
	b := pc.buf[:0]
	b = append(b, "POST "...)
	b = append(b, p.prefix...)
	b = append(b, path...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, p.addr...)
	b = append(b, "\r\nUser-Agent: civicdesk-load\r\nContent-Type: application/json\r\nAuthorization: Bearer "...)
	b = append(b, token...)
	b = append(b, "\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	b = append(b, "\r\n\r\n"...)
	b = append(b, body...)
	pc.buf = b
	if _, err := pc.c.Write(b); err != nil {
		pc.c.Close()
		return 0, nil, err
	}
	status, data, keep, err := readResponse(pc.r)
	if err != nil {
		pc.c.Close()
		return status, nil, err
	}
	if keep {
		p.put(pc)
	} else {
		pc.c.Close()
	}
	return status, data, nil
}

func (p *poster) get(ctx context.Context) (*posterConn, error) {
	select {
	case pc := <-p.idle:
		return pc, nil
	default:
	}
	d := net.Dialer{Timeout: 5 * time.Second}
	c, err := d.DialContext(ctx, "tcp", p.addr)
	if err != nil {
		return nil, err
	}
	return &posterConn{c: c, r: bufio.NewReaderSize(c, 4096), buf: make([]byte, 0, 1024)}, nil
}

func (p *poster) put(pc *posterConn) {
	select {
	case p.idle <- pc:
	default:
		pc.c.Close()
	}
}

// close drops the idle connections.
func (p *poster) close() {
	for {
		select {
		case pc := <-p.idle:
			pc.c.Close()
		default:
			return
		}
	}
}

// readResponse reads one HTTP/1.1 response with a Content-Length or chunked
// body. keep says whether the connection can carry another request.
func readResponse(r *bufio.Reader) (status int, body []byte, keep bool, err error) {
	line, err := r.ReadSlice('\n')
	if err != nil {
		return 0, nil, false, err
	}
	// "HTTP/1.1 202 Accepted\r\n"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return 0, nil, false, errBadResponse
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, nil, false, errBadResponse
	}
	keep = line[7] == '1'
	length, chunked := -1, false
	for {
		h, err := r.ReadSlice('\n')
		if err != nil {
			return status, nil, false, err
		}
		h = bytes.TrimRight(h, "\r\n")
		if len(h) == 0 {
			break
		}
		name, value, ok := bytes.Cut(h, []byte(":"))
		if !ok {
			return status, nil, false, errBadResponse
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil || length < 0 {
				return status, nil, false, errBadResponse
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			if bytes.EqualFold(value, []byte("close")) {
				keep = false
			}
		}
	}
	switch {
	case chunked:
		body, err = readChunked(r)
	case length >= 0:
		if length > 4<<20 {
			return status, nil, false, errBadResponse
		}
		body = make([]byte, length)
		_, err = io.ReadFull(r, body)
	case status == 204 || status == 304:
	default: // body until close
		body, err = io.ReadAll(io.LimitReader(r, 4<<20))
		keep = false
	}
	if err != nil {
		return status, nil, false, err
	}
	return status, body, keep, nil
}

func readChunked(r *bufio.Reader) ([]byte, error) {
	var body []byte
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return nil, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if i := bytes.IndexByte(line, ';'); i >= 0 {
			line = line[:i]
		}
		n, err := strconv.ParseInt(string(bytes.TrimSpace(line)), 16, 32)
		if err != nil || n < 0 || len(body)+int(n) > 4<<20 {
			return nil, fmt.Errorf("%w: chunk size", errBadResponse)
		}
		if n == 0 {
			for { // trailers, up to the blank line
				t, err := r.ReadSlice('\n')
				if err != nil {
					return nil, err
				}
				if len(bytes.TrimRight(t, "\r\n")) == 0 {
					return body, nil
				}
			}
		}
		start := len(body)
		body = append(body, make([]byte, n)...)
		if _, err := io.ReadFull(r, body[start:]); err != nil {
			return nil, err
		}
		if _, err := r.Discard(2); err != nil {
			return nil, err
		}
	}
}
