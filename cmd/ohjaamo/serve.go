package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/ohjaamo/ohjaamo/internal/api"
)

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	cfg := api.Config{}
	fs.StringVar(&cfg.Listen, "listen", "127.0.0.1:8080", "address of the API (Connect, gRPC and gRPC-Web on one port)")
	fs.StringVar(&cfg.DataDir, "data", "./data", "data directory: embedded NATS files and SQLite read models")
	fs.StringVar(&cfg.NATSURL, "nats-url", "", "URL of an existing NATS server or cluster; empty starts an embedded server")
	fs.StringVar(&cfg.NATSListen, "nats-listen", "", "also expose the embedded NATS server on this loopback address (e.g. 127.0.0.1:4222)")
	fs.DurationVar(&cfg.SyncInterval, "sync-interval", 0, "embedded JetStream fsync interval; 0 = fsync every write (no acknowledged write lost on power loss)")
	fs.IntVar(&cfg.Replicas, "replicas", 1, "stream replicas (3 on a NATS cluster)")
	fs.StringVar(&cfg.Stream, "stream", "OHJAAMO", "JetStream stream name")
	fs.BoolVar(&cfg.Demo, "demo", true, "load the demo network (Pirkanmaa) when the stream is empty")
	fs.DurationVar(&cfg.ReadWait, "read-wait", 5*time.Second, "how long a read waits for its min_position before answering Unavailable")
	fs.BoolVar(&cfg.WebhooksAllowPrivate, "webhooks-allow-private", false, "let webhooks use plain http and reach loopback and private addresses (a trusted internal network only)")
	fs.DurationVar(&cfg.WebhookRetryBase, "webhook-retry-base", 5*time.Second, "first retry delay of a failed webhook delivery; doubles each time, retried for 24 h")
	fs.StringVar(&cfg.SMTPAddr, "smtp-addr", "", "SMTP server (host:port) for the weekly digests; empty: digests are not mailed")
	fs.StringVar(&cfg.SMTPFrom, "smtp-from", "ohjaamo@localhost", "sender address of the digests")
	shutdownTimeout := fs.Duration("shutdown-timeout", 15*time.Second, "how long shutdown waits for in-flight requests")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	if err := parse(fs, args); err != nil {
		return err
	}
	var h slog.Handler = slog.NewTextHandler(stderr, nil)
	if *logFormat == "json" {
		h = slog.NewJSONHandler(stderr, nil)
	}
	log := slog.New(h)
	cfg.Logger = log
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return err
	}
	app, err := api.Start(ctx, cfg)
	if err != nil {
		return err
	}
	nats := "embedded, data in " + cfg.DataDir
	if cfg.NATSURL != "" {
		nats = cfg.NATSURL
	}
	log.Info("ohjaamo serving", "url", app.URL(), "nats", nats)
	server := ""
	if app.URL() != defaultServer {
		server = " --server " + app.URL()
	}
	if tok := app.FirstAdminToken(); tok != "" {
		fmt.Fprintf(stdout, `First start: an admin user and their API token were made. The token is shown
only now and is in %[1]s (readable by you only); the CLI uses that file:
  %[2]s
`, filepath.Join(cfg.DataDir, api.AdminTokenFile), tok)
	}
	fmt.Fprintf(stdout, `Ohjaamo is running.
  API (Connect, gRPC, gRPC-Web): %[1]s
  Network:  %[3]s group list%[4]s
  Health:   curl -s -H 'Content-Type: application/json' -d '{}' %[1]s/grpc.health.v1.Health/Check
  Methods:  go tool buf curl --protocol grpc --http2-prior-knowledge --list-methods %[1]s
  NATS:     %[2]s
Stop with Ctrl-C.
`, app.URL(), nats, os.Args[0], server)
	select {
	case <-ctx.Done():
	case err := <-app.Done():
		return fmt.Errorf("http server stopped: %w", err)
	}
	log.Info("shutting down", "timeout", *shutdownTimeout)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), *shutdownTimeout)
	defer cancel()
	if err := app.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}
