package webchat

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// A client that writes a frame the moment it has the handshake's answer
// may have its first bytes read by the HTTP server before the hijack:
// smallBuffers must hand them on, or the socket reads from the middle of
// the frame (it did, about one time in seventy: a 64 KiB frame over the
// read limit was answered with a protocol error instead of 1009).
func TestSmallBuffersKeepBytesSentRightAfterTheHandshake(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := websocket.Accept(&smallBuffers{ResponseWriter: w}, r, nil)
		if err != nil {
			return
		}
		conn.SetReadLimit(4 << 10)
		for {
			if _, _, err := conn.Read(context.Background()); err != nil {
				conn.CloseNow()
				return
			}
		}
	}))
	defer srv.Close()
	for i := range 500 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
		if err != nil {
			t.Fatal(err)
		}
		_ = conn.Write(ctx, websocket.MessageText, bytes.Repeat([]byte("x"), 64<<10))
		var readErr error
		for readErr == nil {
			_, _, readErr = conn.Read(ctx)
		}
		cancel()
		if websocket.CloseStatus(readErr) != websocket.StatusMessageTooBig {
			t.Fatalf("attempt %d: a 64 KiB frame ended with %v, want close 1009", i, readErr)
		}
	}
}
