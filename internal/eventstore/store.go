// Package eventstore appends events to and reads them from NATS JetStream:
// the stream, the envelope with its hash chain, optimistic concurrency,
// idempotent retries, atomic batches, the embedded server, and a cache of
// recent aggregate state.
package eventstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// SubjectPrefix is the first token of every event subject: ohjaamo.<aggregate type>.<id>.
const SubjectPrefix = "ohjaamo"

// Config says where the stream lives and how it is kept.
type Config struct {
	// URL of an existing NATS server or cluster; empty starts an embedded server.
	URL string
	// DataDir of the embedded server.
	DataDir string
	// NATSListen optionally exposes the embedded server on a loopback address.
	NATSListen string
	// SyncInterval of the embedded server; 0 = fsync every write.
	SyncInterval time.Duration
	// Stream name; default OHJAAMO.
	Stream string
	// Replicas of the stream; 1 for the embedded server, 3 on a cluster.
	Replicas int
	// DuplicateWindow within which JetStream itself drops a retried message; default 24h.
	DuplicateWindow time.Duration
	Logger          *slog.Logger
}

// Store is an open event store.
type Store struct {
	cfg    Config
	ns     *server.Server // nil with an external NATS
	nc     *nats.Conn
	js     jetstream.JetStream
	stream jetstream.Stream
	keys   *Keys
	log    *slog.Logger
}

// Open connects to (or starts) NATS and creates or updates the stream.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Stream == "" {
		cfg.Stream = "OHJAAMO"
	}
	if cfg.Replicas <= 0 {
		cfg.Replicas = 1
	}
	if cfg.DuplicateWindow <= 0 {
		cfg.DuplicateWindow = 24 * time.Hour
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Store{cfg: cfg, log: cfg.Logger}
	var err error
	if cfg.URL == "" {
		if cfg.DataDir == "" {
			return nil, errors.New("eventstore: a data directory is needed for the embedded NATS server")
		}
		if s.ns, err = StartEmbedded(EmbeddedConfig{DataDir: cfg.DataDir, Listen: cfg.NATSListen, SyncInterval: cfg.SyncInterval}); err != nil {
			return nil, err
		}
		s.nc, err = nats.Connect("", nats.InProcessServer(s.ns), nats.Name("ohjaamo"))
	} else {
		s.nc, err = nats.Connect(cfg.URL, nats.Name("ohjaamo"), nats.MaxReconnects(-1))
	}
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("connect nats: %w", err)
	}
	if s.js, err = jetstream.New(s.nc); err != nil {
		s.Close()
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	cfgStream := s.streamConfig()
	if existing, err := s.js.Stream(ctx, cfg.Stream); err == nil {
		// Never scale an existing stream down by accident: an instance
		// started without --replicas must not take the stream from R3 to R1.
		if have := existing.CachedInfo().Config.Replicas; have > cfgStream.Replicas {
			s.log.Warn("stream has more replicas than configured; keeping them", "stream", cfg.Stream, "replicas", have, "configured", cfgStream.Replicas)
			cfgStream.Replicas = have
		}
	}
	if s.stream, err = s.js.CreateOrUpdateStream(ctx, cfgStream); err != nil {
		s.Close()
		return nil, fmt.Errorf("create or update stream %s: %w", cfg.Stream, err)
	}
	if s.keys, err = s.openKeys(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) streamConfig() jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        s.cfg.Stream,
		Description: "Ohjaamo events: the source of truth",
		Subjects:    []string{SubjectPrefix + ".>"},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Replicas:    s.cfg.Replicas,
		Duplicates:  s.cfg.DuplicateWindow,
		DenyDelete:  true,
		DenyPurge:   true,
		// Reads go through the stream leader so a read after a conflict sees
		// the write that caused it.
		AllowDirect:        false,
		AllowAtomicPublish: true,
		MaxMsgSize:         1 << 20,
		Discard:            jetstream.DiscardOld,
	}
}

// Close drains the connection and stops the embedded server, if any.
func (s *Store) Close() {
	s.keys.close()
	if s.nc != nil {
		_ = s.nc.Drain()
		for i := 0; i < 100 && !s.nc.IsClosed(); i++ {
			time.Sleep(10 * time.Millisecond)
		}
		s.nc.Close()
	}
	if s.ns != nil {
		s.ns.Shutdown()
		s.ns.WaitForShutdown()
	}
}

// Embedded reports whether the store runs its own NATS server.
func (s *Store) Embedded() bool { return s.ns != nil }

// Conn is the NATS connection (tests use it to forge messages).
func (s *Store) Conn() *nats.Conn { return s.nc }

// JetStream is the JetStream context.
func (s *Store) JetStream() jetstream.JetStream { return s.js }

// StreamName is the name of the event stream.
func (s *Store) StreamName() string { return s.cfg.Stream }

// Subject is the subject of one aggregate's events.
func Subject(aggregateType, id string) string {
	return SubjectPrefix + "." + aggregateType + "." + id
}

// LastSequence is the sequence of the newest event in the stream (0 when empty).
func (s *Store) LastSequence(ctx context.Context) (uint64, error) {
	info, err := s.stream.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("stream info: %w", err)
	}
	return info.State.LastSeq, nil
}

// OrderedConsumer reads every event from sequence from (1 = the beginning)
// in order; the caller stops it by cancelling the consume context.
func (s *Store) OrderedConsumer(ctx context.Context, from uint64) (jetstream.Consumer, error) {
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{SubjectPrefix + ".>"}, DeliverPolicy: jetstream.DeliverAllPolicy}
	if from > 1 {
		cfg.DeliverPolicy = jetstream.DeliverByStartSequencePolicy
		cfg.OptStartSeq = from
	}
	c, err := s.js.OrderedConsumer(ctx, s.cfg.Stream, cfg)
	if err != nil {
		return nil, fmt.Errorf("ordered consumer from %d: %w", from, err)
	}
	return c, nil
}
