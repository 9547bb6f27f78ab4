package natsbus

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// ServerConfig configures the embedded NATS server.
type ServerConfig struct {
	// StoreDir holds JetStream's file store.
	StoreDir string
	// Listen is "host:port" to accept TCP clients on; empty accepts only
	// in-process connections.
	Listen string
}

// StartServer starts an embedded NATS server with JetStream and waits until
// it is ready.
func StartServer(cfg ServerConfig) (*server.Server, error) {
	opts := &server.Options{
		ServerName: "civicdesk",
		JetStream:  true,
		StoreDir:   cfg.StoreDir,
		NoSigs:     true,
		NoLog:      true,
		MaxPayload: 8 << 20,
	}
	if cfg.Listen == "" {
		opts.DontListen = true
	} else {
		host, port, err := net.SplitHostPort(cfg.Listen)
		if err != nil {
			return nil, fmt.Errorf("natsbus: listen address %q: %w", cfg.Listen, err)
		}
		p, err := strconv.Atoi(port)
		if err != nil {
			return nil, fmt.Errorf("natsbus: listen port %q: %w", port, err)
		}
		opts.Host, opts.Port = host, p
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("natsbus: new server: %w", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(30 * time.Second) {
		ns.Shutdown()
		return nil, errors.New("natsbus: embedded server not ready after 30s")
	}
	return ns, nil
}
