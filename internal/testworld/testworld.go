package testworld

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/civicdesk/civicdesk/internal/natsbus"
	"github.com/civicdesk/civicdesk/internal/sqlitestore"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Quiet is a logger that writes nowhere.
func Quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// Bus starts an embedded NATS server and connects the bus to it.
func Bus(t testing.TB) (*server.Server, *natsbus.Bus) {
	t.Helper()
	ns, err := natsbus.StartServer(natsbus.ServerConfig{StoreDir: filepath.Join(t.TempDir(), "nats")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	bus, err := natsbus.Connect(context.Background(), natsbus.Config{Embedded: ns}, Quiet())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(bus.Close)
	return ns, bus
}

// Store opens an SQLite store.
func Store(t testing.TB) *sqlitestore.Store {
	t.Helper()
	store, err := sqlitestore.New(context.Background(), sqlitestore.Config{Path: filepath.Join(t.TempDir(), "cd.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

// JetStream connects a client of its own to ns, for a test to look at
// streams and consumers as they are.
func JetStream(t testing.TB, ns *server.Server) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect("", nats.InProcessServer(ns))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}
