package eventstore

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ohjaamo/ohjaamo/internal/domain"
)

// Aggregate is the state a Repo keeps: it folds events and can copy itself.
type Aggregate[S any] interface {
	Apply(proto.Message) error
	Clone() S
}

// Repo runs commands against one aggregate type: load (from its cache or the
// stream), decide, append with optimistic concurrency, retry on conflict by
// re-deciding on the fresh state, and answer retried requests from their
// first result.
type Repo[S Aggregate[S]] struct {
	store    *Store
	typ      string
	newState func(id string) S

	mu      sync.Mutex
	entries map[string]*list.Element // of *entry[S]
	lru     *list.List
	max     int
}

type entry[S any] struct {
	id string
	// cmd serialises this process's commands on the aggregate; it also
	// guards requests and loading.
	cmd      sync.Mutex
	snap     atomic.Pointer[snapshot[S]]
	requests map[string]AppendResult
}

type snapshot[S any] struct {
	state S
	head  Head
}

// NewRepo makes a repository for aggregate type typ keeping at most
// cacheSize aggregates in memory.
func NewRepo[S Aggregate[S]](store *Store, typ string, newState func(id string) S, cacheSize int) *Repo[S] {
	return &Repo[S]{store: store, typ: typ, newState: newState, entries: map[string]*list.Element{}, lru: list.New(), max: max(cacheSize, 16)}
}

// maxAttempts bounds re-deciding after conflicts with other writers.
const maxAttempts = 12

// pause waits a random time before attempt+1: up to 1 ms, doubling with
// each attempt, at most 64 ms.
func pause(ctx context.Context, attempt int) error {
	d := time.Duration(rand.Int64N(int64(time.Millisecond) << min(attempt, 6)))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Execute decides a command on the current state of aggregate id and appends
// its events. decide must not modify the state it is given: it is the
// shared snapshot readers see. With expectedVersion
// set, the command fails with a conflict unless the aggregate is at exactly
// that version. A command that decides no events writes nothing and answers
// the current head.
func (r *Repo[S]) Execute(ctx context.Context, id string, meta Meta, expectedVersion *uint64, decide func(S) ([]proto.Message, error)) (AppendResult, error) {
	e := r.entry(id)
	e.cmd.Lock()
	defer e.cmd.Unlock()
	// A cached snapshot is not re-read from the stream: if another
	// instance moved the aggregate on, the append's expected sequence
	// fails, and then we catch up and decide again.
	if e.snap.Load() == nil {
		if err := r.catchUp(ctx, e); err != nil {
			return AppendResult{}, err
		}
	}
	for attempt := 0; attempt < maxAttempts; attempt++ {
		snap := e.snap.Load()
		if res, ok := e.requests[meta.RequestID]; ok && meta.RequestID != "" {
			res.Replayed = true
			res.Head = snap.head
			return res, nil
		}
		if expectedVersion != nil && *expectedVersion != snap.head.Version {
			return AppendResult{}, &domain.Error{Code: domain.CodeConflict, Field: "expected_version",
				Message:   fmt.Sprintf("the %s is at version %d, not %d; reload and retry", r.typ, snap.head.Version, *expectedVersion),
				MessageFI: fmt.Sprintf("tieto on versiossa %d, ei %d; lataa uudelleen ja yritä uudestaan", snap.head.Version, *expectedVersion)}
		}
		events, err := decide(snap.state)
		if err != nil {
			return AppendResult{}, err
		}
		if len(events) == 0 {
			return AppendResult{FirstSeq: snap.head.Seq, LastSeq: snap.head.Seq, Head: snap.head}, nil
		}
		res, err := r.store.Append(ctx, r.typ, id, snap.head, events, meta)
		if errors.Is(err, domain.ErrConflict) {
			// Another writer (another instance, or a client of the raw
			// store) got there first: catch up and decide again.
			if err := r.catchUp(ctx, e); err != nil {
				return AppendResult{}, err
			}
			// Two instances writing one aggregate in lockstep could keep
			// beating each other; a short random pause breaks the step.
			if err := pause(ctx, attempt); err != nil {
				return AppendResult{}, err
			}
			continue
		}
		if err != nil {
			return AppendResult{}, err
		}
		if res.Replayed {
			if err := r.catchUp(ctx, e); err != nil {
				return AppendResult{}, err
			}
			return res, nil
		}
		if err := r.advance(e, snap, res.Events); err != nil {
			return AppendResult{}, err
		}
		return res, nil
	}
	return AppendResult{}, fmt.Errorf("%s %s: still conflicting after %d attempts: %w", r.typ, id, maxAttempts, domain.ErrConflict)
}

// Get returns the current state of aggregate id for reading; callers must
// not modify it. An aggregate with no events is checked against the stream
// each time, so one created by another instance is seen at once.
func (r *Repo[S]) Get(ctx context.Context, id string) (S, Head, error) {
	e := r.entry(id)
	if s := e.snap.Load(); s != nil && s.head.Seq != 0 {
		return s.state, s.head, nil
	}
	e.cmd.Lock()
	defer e.cmd.Unlock()
	if err := r.catchUp(ctx, e); err != nil {
		var zero S
		return zero, Head{}, err
	}
	s := e.snap.Load()
	return s.state, s.head, nil
}

// catchUp applies the aggregate's events that are newer than its snapshot.
// The caller holds e.cmd.
func (r *Repo[S]) catchUp(ctx context.Context, e *entry[S]) error {
	snap := e.snap.Load()
	if snap == nil {
		snap = &snapshot[S]{state: r.newState(e.id)}
		e.requests = map[string]AppendResult{}
	}
	events, err := r.store.Load(ctx, r.typ, e.id, snap.head.Seq)
	if err != nil {
		return err
	}
	if len(events) == 0 && e.snap.Load() != nil {
		return nil
	}
	return r.advance(e, snap, events)
}

// advance stores a new snapshot with events applied, and remembers their request ids.
func (r *Repo[S]) advance(e *entry[S], snap *snapshot[S], events []*Event) error {
	state := snap.state.Clone()
	head := snap.head
	for _, ev := range events {
		if err := state.Apply(ev.Payload); err != nil {
			return fmt.Errorf("%s %s: apply event %d: %w", r.typ, e.id, ev.Seq, err)
		}
		head = Head{Seq: ev.Seq, Version: ev.Envelope.GetAggregateVersion(), Hash: ev.Hash}
		if rid := ev.Envelope.GetRequestId(); rid != "" {
			res, ok := e.requests[rid]
			if !ok {
				res.FirstSeq = ev.Seq
			}
			res.LastSeq, res.Head = ev.Seq, head
			e.requests[rid] = res
		}
	}
	e.snap.Store(&snapshot[S]{state: state, head: head})
	return nil
}

// entry finds or makes the cache entry of id, evicting the least recently
// used idle entry past the cache size.
func (r *Repo[S]) entry(id string) *entry[S] {
	r.mu.Lock()
	defer r.mu.Unlock()
	if el, ok := r.entries[id]; ok {
		r.lru.MoveToFront(el)
		return el.Value.(*entry[S])
	}
	e := &entry[S]{id: id}
	r.entries[id] = r.lru.PushFront(e)
	for el := r.lru.Back(); r.lru.Len() > r.max && el != nil; {
		prev := el.Prev()
		old := el.Value.(*entry[S])
		if old != e && old.cmd.TryLock() {
			r.lru.Remove(el)
			delete(r.entries, old.id)
			old.cmd.Unlock()
		}
		el = prev
	}
	return e
}
