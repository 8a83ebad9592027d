package eventstore

import (
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// EmbeddedConfig configures the in-process NATS server.
type EmbeddedConfig struct {
	// DataDir holds JetStream's files (under DataDir/jetstream).
	DataDir string
	// Listen, when set (host:port), also accepts NATS clients on that
	// address, so tools like the nats CLI can look at the stream. It must be a
	// loopback address. Empty means in-process connections only.
	Listen string
	// SyncInterval is how often JetStream fsyncs; 0 means after every write
	// (sync_interval: always), the only setting under which an acknowledged
	// append survives power loss.
	SyncInterval time.Duration
}

// StartEmbedded starts a JetStream-enabled NATS server in this process and
// waits until it is ready.
func StartEmbedded(cfg EmbeddedConfig) (*server.Server, error) {
	opts := &server.Options{
		ServerName: "ohjaamo-embedded",
		JetStream:  true,
		StoreDir:   filepath.Join(cfg.DataDir, "jetstream"),
		DontListen: cfg.Listen == "",
		NoSigs:     true,
		NoLog:      true,
		// The default server limit is 1 MiB; keep it, our events are small.
	}
	if cfg.SyncInterval <= 0 {
		opts.SyncAlways = true
	} else {
		opts.SyncInterval = cfg.SyncInterval
	}
	if cfg.Listen != "" {
		host, port, err := net.SplitHostPort(cfg.Listen)
		if err != nil {
			return nil, fmt.Errorf("nats listen address %q: %w", cfg.Listen, err)
		}
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return nil, fmt.Errorf("nats listen address %q: only loopback addresses are allowed for the embedded server", cfg.Listen)
		}
		opts.Host = host
		if opts.Port, err = strconv.Atoi(port); err != nil {
			return nil, fmt.Errorf("nats listen port %q: %w", port, err)
		}
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("embedded nats: %w", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(30 * time.Second) {
		ns.Shutdown()
		return nil, fmt.Errorf("embedded nats: not ready within 30s (is another process using %s?)", cfg.DataDir)
	}
	return ns, nil
}
