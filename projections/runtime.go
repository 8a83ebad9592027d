package projections

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	"github.com/ohjaamo/ohjaamo/internal/eventstore"
)

// Projection is one read model: it applies events to its tables inside the
// projector's transaction.
type Projection interface {
	Name() string
	// Version is bumped when Apply changes meaning; with the schema files it
	// makes the fingerprint whose change triggers a rebuild.
	Version() int
	Apply(tx *Tx, ev *eventstore.Event) error
}

// Tx is the projector's transaction. Named queries are prepared once per
// file and reused, and statements run without a cancellable context, which
// would make the SQLite driver start a goroutine per statement; the
// projector stops between batches, not inside one.
type Tx struct {
	ctx context.Context
	tx  *sql.Tx
	db  *DB
}

// queryString runs a named query that answers one string.
func (t *Tx) queryString(name string, args ...any) (string, error) {
	stmt, err := t.db.stmt(name)
	if err != nil {
		return "", err
	}
	var out string
	err = t.tx.StmtContext(t.ctx, stmt).QueryRowContext(t.ctx, args...).Scan(&out)
	return out, err
}

// Exec runs the named query from sql/queries.
func (t *Tx) Exec(name string, args ...any) error {
	stmt, err := t.db.stmt(name)
	if err != nil {
		return err
	}
	_, err = t.tx.StmtContext(t.ctx, stmt).ExecContext(t.ctx, args...)
	return err
}

// All is every read model Ohjaamo keeps.
func All() []Projection {
	return []Projection{groupsProjection{}, meetingsProjection{}, communicationProjection{}, voicesProjection{}, subscriptionsProjection{}, accessProjection{}}
}

// batchSize bounds how many events one transaction applies.
const batchSize = 1000

// Runtime owns the read-model file and the projector that feeds it.
type Runtime struct {
	store *eventstore.Store
	dir   string
	projs []Projection
	log   *slog.Logger

	swap       sync.RWMutex // readers hold it shared; Rebuild's swap holds it exclusively
	active     atomic.Pointer[projector]
	rebuilding sync.Mutex

	fault func(seq uint64) error
}

// Options configure a Runtime.
type Options struct {
	Logger *slog.Logger
	// Projections to keep; default All().
	Projections []Projection
	// Fault, for tests, is called before each event is applied; an error
	// aborts the batch as a crash would.
	Fault func(seq uint64) error
}

// Open opens the read models in dir (creating or rebuilding them when new or
// when their fingerprint changed) and starts the projector.
func Open(ctx context.Context, store *eventstore.Store, dir string, opts Options) (*Runtime, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Projections == nil {
		opts.Projections = All()
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	rt := &Runtime{store: store, dir: dir, projs: opts.Projections, log: opts.Logger, fault: opts.Fault}
	name, err := rt.currentName()
	if err != nil {
		return nil, err
	}
	if name != "" {
		db, err := openDB(ctx, filepath.Join(dir, name), rt.projs)
		if err != nil {
			return nil, err
		}
		fp, err := db.meta(ctx, "fingerprint")
		if err != nil {
			db.Close()
			return nil, err
		}
		if fp == fingerprint(rt.projs) {
			if err := rt.start(ctx, db); err != nil {
				db.Close()
				return nil, err
			}
			return rt, nil
		}
		rt.log.Info("read-model schema changed: rebuilding from the stream", "file", name, "had", fp, "want", fingerprint(rt.projs))
		db.Close()
	}
	if name != "" {
		// The schema changed: build the new file up to the head of the
		// stream before anything reads from it.
		if _, err := rt.Rebuild(ctx); err != nil {
			return nil, err
		}
		return rt, nil
	}
	// A first start: project in the background; reads wait for their
	// min_position as always.
	name = fmt.Sprintf("read-%d.db", time.Now().UnixNano())
	db, err := openDB(ctx, filepath.Join(dir, name), rt.projs)
	if err != nil {
		return nil, err
	}
	if err := rt.setCurrentName(name); err != nil {
		db.Close()
		return nil, err
	}
	if err := rt.start(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return rt, nil
}

func (rt *Runtime) start(ctx context.Context, db *DB) error {
	p, err := rt.newProjector(ctx, db)
	if err != nil {
		return err
	}
	rt.active.Store(p)
	return nil
}

// Position is the stream sequence the read models have applied.
func (rt *Runtime) Position() uint64 {
	if p := rt.active.Load(); p != nil {
		return p.pos.Load()
	}
	return 0
}

// WaitFor waits until the read models have applied stream position pos, at
// most timeout; then it answers Unavailable.
func (rt *Runtime) WaitFor(ctx context.Context, pos uint64, timeout time.Duration) error {
	if pos == 0 {
		return nil
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		p := rt.active.Load()
		ch := p.changed()
		if p.pos.Load() >= pos {
			return nil
		}
		select {
		case <-ch:
		case <-deadline.C:
			return &domain.Error{Code: domain.CodeUnavailable, Field: "min_position",
				Message:   fmt.Sprintf("read models have reached position %d, not %d, within %s; retry", p.pos.Load(), pos, timeout),
				MessageFI: fmt.Sprintf("lukumallit ovat kohdassa %d, eivät vielä %d; yritä uudelleen", p.pos.Load(), pos)}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// View runs fn with the read-only pool of the current file; a swap waits for it.
func (rt *Runtime) View(ctx context.Context, fn func(*sql.DB) error) error {
	rt.swap.RLock()
	defer rt.swap.RUnlock()
	return fn(rt.active.Load().db.r)
}

// RebuildStats describes a rebuild.
type RebuildStats struct {
	Position uint64
	Events   uint64
	Took     time.Duration
	File     string
}

// Rebuild builds the read models from the first event into a fresh file
// while the current one keeps serving, then swaps the fresh one in.
func (rt *Runtime) Rebuild(ctx context.Context) (RebuildStats, error) {
	rt.rebuilding.Lock()
	defer rt.rebuilding.Unlock()
	start := time.Now()
	name := fmt.Sprintf("read-%d.db", time.Now().UnixNano())
	path := filepath.Join(rt.dir, name)
	db, err := openDB(ctx, path, rt.projs)
	if err != nil {
		return RebuildStats{}, err
	}
	p, err := rt.newProjector(ctx, db)
	if err != nil {
		db.Close()
		os.Remove(path)
		return RebuildStats{}, err
	}
	target, err := rt.store.LastSequence(ctx)
	if err == nil {
		err = p.waitFor(ctx, target)
	}
	if err != nil {
		p.stop()
		db.Close()
		removeDB(path)
		return RebuildStats{}, fmt.Errorf("rebuild: %w", err)
	}
	rt.swap.Lock()
	old := rt.active.Swap(p)
	err = rt.setCurrentName(name)
	rt.swap.Unlock()
	if err != nil {
		return RebuildStats{}, err
	}
	if old != nil {
		old.stop()
		old.wake() // waiters re-check the new projector
		old.db.Close()
		removeDB(old.db.Path)
	}
	stats := RebuildStats{Position: p.pos.Load(), Events: p.applied.Load(), Took: time.Since(start), File: name}
	rt.log.Info("read models rebuilt", "file", name, "position", stats.Position, "events", stats.Events, "took", stats.Took.Round(time.Millisecond))
	return stats, nil
}

func removeDB(path string) {
	for _, suffix := range []string{"", "-wal", "-shm"} {
		_ = os.Remove(path + suffix)
	}
}

// Close stops the projector after its current batch and closes the file.
func (rt *Runtime) Close() error {
	p := rt.active.Load()
	if p == nil {
		return nil
	}
	p.stop()
	return p.db.Close()
}

// currentName reads the CURRENT file naming the read-model file in use.
func (rt *Runtime) currentName() (string, error) {
	b, err := os.ReadFile(filepath.Join(rt.dir, "CURRENT"))
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	name := strings.TrimSpace(string(b))
	if _, err := os.Stat(filepath.Join(rt.dir, name)); err != nil {
		return "", nil // a missing file is rebuilt
	}
	return name, nil
}

func (rt *Runtime) setCurrentName(name string) error {
	tmp := filepath.Join(rt.dir, "CURRENT.tmp")
	if err := os.WriteFile(tmp, []byte(name+"\n"), 0o640); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(rt.dir, "CURRENT"))
}

// projector feeds one DB from the stream, from its checkpoint on.
type projector struct {
	rt      *Runtime
	db      *DB
	pos     atomic.Uint64
	applied atomic.Uint64

	mu     sync.Mutex
	notify chan struct{}

	cancel context.CancelFunc
	done   chan struct{}
}

func (rt *Runtime) newProjector(ctx context.Context, db *DB) (*projector, error) {
	pos, err := db.checkpoint(ctx)
	if err != nil {
		return nil, fmt.Errorf("checkpoint of %s: %w", db.Path, err)
	}
	if err := db.prepare(ctx); err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	p := &projector{rt: rt, db: db, notify: make(chan struct{}), cancel: cancel, done: make(chan struct{})}
	p.pos.Store(pos)
	go p.loop(runCtx)
	return p, nil
}

func (p *projector) changed() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.notify
}

func (p *projector) wake() {
	p.mu.Lock()
	close(p.notify)
	p.notify = make(chan struct{})
	p.mu.Unlock()
}

func (p *projector) waitFor(ctx context.Context, pos uint64) error {
	for {
		ch := p.changed()
		if p.pos.Load() >= pos {
			return nil
		}
		select {
		case <-ch:
		case <-p.done:
			return errors.New("projector stopped")
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (p *projector) stop() {
	p.cancel()
	<-p.done
}

// loop consumes until stopped, restarting from the checkpoint after an error.
func (p *projector) loop(ctx context.Context) {
	defer close(p.done)
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := p.consume(ctx)
		if ctx.Err() != nil {
			return
		}
		p.rt.log.Error("projector stopped; restarting from its checkpoint", "file", p.db.Path, "position", p.pos.Load(), "err", err, "in", backoff)
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

func (p *projector) consume(ctx context.Context) error {
	from, err := p.db.checkpoint(ctx)
	if err != nil {
		return err
	}
	p.pos.Store(from)
	cons, err := p.rt.store.OrderedConsumer(ctx, from+1)
	if err != nil {
		return err
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(batchSize))
	if err != nil {
		return fmt.Errorf("consume: %w", err)
	}
	ch := make(chan jetstream.Msg, batchSize)
	go func() {
		defer close(ch)
		for {
			m, err := it.Next()
			if err != nil {
				return
			}
			select {
			case ch <- m:
			case <-ctx.Done():
				return
			}
		}
	}()
	defer it.Stop()
	batch := make([]jetstream.Msg, 0, batchSize)
	for {
		select {
		case <-ctx.Done():
			return nil
		case m, ok := <-ch:
			if !ok {
				return errors.New("consumer closed")
			}
			batch = append(batch[:0], m)
		}
	drain:
		for len(batch) < batchSize {
			select {
			case m, ok := <-ch:
				if !ok {
					break drain
				}
				batch = append(batch, m)
			default:
				break drain
			}
		}
		if err := p.apply(ctx, batch); err != nil {
			return err
		}
	}
}

// apply commits one batch: every projection's rows and the checkpoint in one transaction.
func (p *projector) apply(ctx context.Context, batch []jetstream.Msg) error {
	ctx = context.WithoutCancel(ctx)
	tx, err := p.db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	ptx := &Tx{ctx: ctx, tx: tx, db: p.db}
	var last, applied uint64
	for _, m := range batch {
		md, err := m.Metadata()
		if err != nil {
			return err
		}
		seq := md.Sequence.Stream
		if seq <= p.pos.Load() {
			continue
		}
		if p.rt.fault != nil {
			if err := p.rt.fault(seq); err != nil {
				return err
			}
		}
		ev, err := eventstore.Decode(seq, m.Subject(), m.Data())
		if err != nil {
			return err
		}
		for _, proj := range p.rt.projs {
			if err := proj.Apply(ptx, ev); err != nil {
				return fmt.Errorf("%s: event %d (%s): %w", proj.Name(), seq, ev.Envelope.GetType(), err)
			}
		}
		last = seq
		applied++
	}
	if last == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE ohjaamo_meta SET value = ? WHERE key = 'position'`, strconv.FormatUint(last, 10)); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	p.applied.Add(applied)
	p.pos.Store(last)
	p.wake()
	return nil
}

// Fingerprint identifies the read-model schema in use.
func (rt *Runtime) Fingerprint() string { return fingerprint(rt.projs) }
