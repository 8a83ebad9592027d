// Package testenv starts the real parts tests run against: an embedded
// JetStream server on a temporary directory and SQLite read models in
// another, both stopped by t.Cleanup. It also has the poll-until-deadline
// helper tests use instead of sleeping.
package testenv

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	"github.com/ohjaamo/ohjaamo/internal/eventstore"
	"github.com/ohjaamo/ohjaamo/projections"
)

// Logger discards logs unless the test runs with -v. A fuzzer's server
// logs to stderr: f.Log panics when called from inside the fuzz target,
// which is where the server's requests come from.
func Logger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		var w io.Writer = testWriter{t}
		if _, fuzz := t.(*testing.F); fuzz {
			w = os.Stderr
		}
		return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

// Store starts an embedded JetStream server (fsync on every write, as in
// production) on dir, or on a new temporary directory when dir is empty.
func Store(t testing.TB, dir string) *eventstore.Store {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := eventstore.Open(ctx, eventstore.Config{DataDir: dir, Logger: Logger(t)})
	if err != nil {
		t.Fatalf("open event store: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Projections opens read models for store in dir (a new temporary
// directory when empty), closed by t.Cleanup.
func Projections(t testing.TB, store *eventstore.Store, dir string, opts projections.Options) *projections.Runtime {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	if opts.Logger == nil {
		opts.Logger = Logger(t)
	}
	rt, err := projections.Open(context.Background(), store, dir, opts)
	if err != nil {
		t.Fatalf("open projections: %v", err)
	}
	t.Cleanup(func() { _ = rt.Close() })
	return rt
}

// Groups is a repository of group aggregates on store.
func Groups(store *eventstore.Store) *eventstore.Repo[*domain.Group] {
	return eventstore.NewRepo(store, domain.AggregateGroup, domain.NewGroup, 1000)
}

// Eventually polls cond until it returns nil or timeout passes, then fails
// the test with cond's last error.
func Eventually(t testing.TB, timeout time.Duration, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	wait := time.Millisecond
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s: %v", timeout, err)
		}
		time.Sleep(wait) // polling interval, not a wait for a condition
		wait = min(2*wait, 50*time.Millisecond)
	}
}
