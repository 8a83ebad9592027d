// Command ohjaamo-bench measures, in one run and on a temporary directory
// it removes afterwards, how much the service costs on top of the parts it
// is built from:
//
//  1. appends through the Connect API (AddMember over HTTP, through the
//     Repo, the domain and eventstore.Store.Append) against raw synchronous
//     JetStream publishes with the same storage and fsync settings, the
//     same stream configuration and the same per-message headers, one
//     client and 16 concurrent clients;
//  2. rebuilding the read models (projections.Open on a fresh directory,
//     which replays the whole stream) against a raw loop that reads the same
//     stream with an ordered consumer, decodes each envelope and writes the
//     same rows into SQLite with the same pragmas, 1000 events a transaction;
//  3. meetings (issue 4, see meetings.go): on a fresh server, 500 meetings
//     with 20 agenda items each are scheduled, held and closed through the
//     Connect API by 8 concurrent clients (10 000 decisions), and then
//     GetMeeting and SearchItems are timed with that data loaded. These
//     figures have no raw baseline: the latency aim is absolute, p99 under
//     10 ms. -meetings 0 skips the phase, a smaller number scales it down;
//  4. watching (issue 6, see watch.go): on a fresh server, 1000 concurrent
//     WatchDecisions streams with mixed filters over HTTP/2, a few hundred
//     decisions recorded through the API, and the time from each
//     RecordDecision returning to the decision arriving at each watcher it
//     matches, p50 and p99 (aim: p99 under 250 ms); every watcher must get
//     exactly the decisions its filter matches. -watchers 0 skips it.
//
// It prints what it does as it goes and ends with one "name value unit"
// line per figure. Run it with `make bench`, or
//
//	go run -tags sqlite_fts5 ./cmd/ohjaamo-bench
package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ohjaamo/ohjaamo/internal/api"
	"github.com/ohjaamo/ohjaamo/internal/domain"
	"github.com/ohjaamo/ohjaamo/internal/eventstore"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	"github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1/ohjaamov1connect"
	"github.com/ohjaamo/ohjaamo/projections"
)

// options of one run; the defaults keep a full run under about three
// minutes on a two-core machine.
type options struct {
	parent       string
	window       time.Duration
	warmup       time.Duration
	rounds       int
	concurrency  int
	replayEvents uint64
	keep         bool
	cpuProfile   string
	// meetings phase
	meetings        int
	meetingItems    int
	meetingClients  int
	latencyRequests int
	// watch phase
	watchers       int
	watchDecisions int
	watchConns     int
	watchRecorders int
}

func main() {
	var o options
	flag.StringVar(&o.parent, "dir", "", "directory to make the temporary data directory in (default: the system's temp dir)")
	flag.DurationVar(&o.window, "window", 2*time.Second, "measured time of each append round")
	flag.DurationVar(&o.warmup, "warmup", 300*time.Millisecond, "unmeasured warm-up before each append measurement")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds per figure; the best round counts")
	flag.IntVar(&o.concurrency, "clients", 16, "concurrent clients of the concurrent append measurement")
	flag.Uint64Var(&o.replayEvents, "replay-events", 20_000, "events the stream holds, at least, before the replay measurement")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary data directory")
	flag.IntVar(&o.meetings, "meetings", 500, "meetings of the meetings phase (0 skips it)")
	flag.IntVar(&o.meetingItems, "meeting-items", 20, "agenda items, each decided, per meeting")
	flag.IntVar(&o.meetingClients, "meeting-clients", 8, "concurrent clients loading the meetings, each on its own groups (at most 25)")
	flag.IntVar(&o.latencyRequests, "latency-requests", 2000, "timed sequential GetMeeting and SearchItems requests, each")
	flag.IntVar(&o.watchers, "watchers", 1000, "concurrent WatchDecisions streams of the watch phase (0 skips it)")
	flag.IntVar(&o.watchDecisions, "watch-decisions", 300, "decisions recorded while the streams watch")
	flag.IntVar(&o.watchConns, "watch-conns", 8, "HTTP/2 connections the streams share (the server allows 250 streams a connection)")
	flag.IntVar(&o.watchRecorders, "watch-recorders", 4, "concurrent clients recording the decisions, each on its own groups")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write CPU profiles of the phases to PREFIX-append.pprof, PREFIX-replay.pprof, PREFIX-meetings-load.pprof, PREFIX-meetings-catchup.pprof, PREFIX-meetings-read.pprof and PREFIX-watch.pprof")
	flag.Parse()
	if o.rounds < 1 || o.concurrency < 1 || o.window <= 0 {
		fmt.Fprintln(os.Stderr, "ohjaamo-bench: -rounds, -clients and -window must be positive")
		os.Exit(2)
	}
	if o.meetings < 0 || o.meetingItems < 1 || o.meetingClients < 1 || o.meetingClients > 25 || o.latencyRequests < 1 {
		fmt.Fprintln(os.Stderr, "ohjaamo-bench: -meetings must not be negative; -meeting-items, -latency-requests and -meeting-clients (at most 25) must be positive")
		os.Exit(2)
	}
	if o.watchers < 0 || o.watchDecisions < 1 || o.watchConns < 1 || o.watchRecorders < 1 {
		fmt.Fprintln(os.Stderr, "ohjaamo-bench: -watchers must not be negative; -watch-decisions, -watch-conns and -watch-recorders must be positive")
		os.Exit(2)
	}
	// The server, the stores and the projector log at warn level so the
	// output is only the benchmark's.
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	slog.SetDefault(log)
	if err := run(context.Background(), o, log); err != nil {
		fmt.Fprintln(os.Stderr, "ohjaamo-bench:", err)
		os.Exit(1)
	}
}

// figure is one line of the final summary.
type figure struct {
	name  string
	value float64
	unit  string
}

func run(ctx context.Context, o options, log *slog.Logger) error {
	tmp, err := os.MkdirTemp(o.parent, "ohjaamo-bench-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Println("data directory (kept):", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	fmt.Printf("ohjaamo-bench: data in %s; %d rounds, best counts; append window %s after %s warm-up\n",
		tmp, o.rounds, o.window, o.warmup)

	rpcDir := filepath.Join(tmp, "rpc")
	app, err := api.Start(ctx, api.Config{Listen: "127.0.0.1:0", DataDir: rpcDir, Demo: false, Logger: log})
	if err != nil {
		return fmt.Errorf("start server: %w", err)
	}
	appStopped := false
	stopApp := func() error {
		if appStopped {
			return nil
		}
		appStopped = true
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		return app.Shutdown(sctx)
	}
	defer stopApp() //nolint:errcheck // on the error path only

	// The raw baseline gets its own embedded server through eventstore.Open,
	// so it has exactly the stream configuration the service uses
	// (file storage, AllowAtomicPublish, 24h duplicate window,
	// DenyDelete/DenyPurge) and the same sync_interval: always.
	raw, err := eventstore.Open(ctx, eventstore.Config{DataDir: filepath.Join(tmp, "raw"), Logger: log})
	if err != nil {
		return fmt.Errorf("open raw store: %w", err)
	}
	rawClosed := false
	defer func() {
		if !rawClosed {
			raw.Close()
		}
	}()

	// HTTP/1.1 with a kept-alive connection per client, as separate callers
	// would have; the default transport keeps only two idle connections per
	// host, which would make the concurrent clients reconnect all the time.
	transport := &http.Transport{MaxIdleConns: 4 * o.concurrency, MaxIdleConnsPerHost: 4 * o.concurrency, IdleConnTimeout: time.Minute}
	defer transport.CloseIdleConnections()
	client := ohjaamov1connect.NewGroupServiceClient(&http.Client{Transport: transport}, app.URL(), asAdmin(app))

	payload, err := representativeEnvelope()
	if err != nil {
		return err
	}
	fmt.Printf("server at %s; raw baseline publishes %d-byte envelopes with the four headers of a real append\n", app.URL(), len(payload))

	b := &appendBench{o: o, client: client, js: raw.JetStream(), payload: payload}
	var figs []figure
	stopProfile, err := profile(o.cpuProfile, "append")
	if err != nil {
		return err
	}
	for _, mode := range []struct {
		name    string
		clients int
	}{{"sequential", 1}, {fmt.Sprintf("concurrent%d", o.concurrency), o.concurrency}} {
		rpcRate, rawRate, err := b.measure(ctx, mode.name, mode.clients)
		if err != nil {
			return err
		}
		figs = append(figs,
			figure{"append_rpc_" + mode.name, rpcRate, "ops/s"},
			figure{"append_raw_" + mode.name, rawRate, "ops/s"},
			figure{"append_vs_raw_" + mode.name, rpcRate / rawRate, "ratio"})
	}
	stopProfile()
	if info, err := raw.JetStream().Stream(ctx, raw.StreamName()); err == nil {
		if st, err := info.Info(ctx); err == nil && st.State.Msgs > 0 {
			fmt.Printf("raw stream: %d messages, %.0f bytes each on disk on average\n", st.State.Msgs, float64(st.State.Bytes)/float64(st.State.Msgs))
		}
	}
	raw.Close()
	rawClosed = true

	// Replay: the API's stream, with the server stopped so nothing else runs.
	if err := stopApp(); err != nil {
		return fmt.Errorf("stop server: %w", err)
	}
	store, err := eventstore.Open(ctx, eventstore.Config{DataDir: rpcDir, Logger: log})
	if err != nil {
		return fmt.Errorf("reopen the server's store: %w", err)
	}
	storeClosed := false
	defer func() {
		if !storeClosed {
			store.Close()
		}
	}()
	if st, err := store.JetStream().Stream(ctx, store.StreamName()); err == nil {
		if info, err := st.Info(ctx); err == nil && info.State.Msgs > 0 {
			fmt.Printf("server stream after the appends: %d events, %.0f bytes each on disk on average\n",
				info.State.Msgs, float64(info.State.Bytes)/float64(info.State.Msgs))
		}
	}
	if err := topUp(ctx, store, o.replayEvents); err != nil {
		return err
	}
	if stopProfile, err = profile(o.cpuProfile, "replay"); err != nil {
		return err
	}
	projRate, rawReplayRate, err := measureReplay(ctx, store, filepath.Join(tmp, "replay"), o, log)
	stopProfile()
	if err != nil {
		return err
	}
	figs = append(figs,
		figure{"replay_projection", projRate, "events/s"},
		figure{"replay_raw", rawReplayRate, "events/s"},
		figure{"replay_vs_raw", projRate / rawReplayRate, "ratio"})
	store.Close()
	storeClosed = true

	if o.meetings > 0 {
		mfigs, err := measureMeetings(ctx, filepath.Join(tmp, "meetings"), o, log)
		if err != nil {
			return fmt.Errorf("meetings: %w", err)
		}
		figs = append(figs, mfigs...)
	}

	if o.watchers > 0 {
		wfigs, err := measureWatch(ctx, filepath.Join(tmp, "watch"), o, log)
		if err != nil {
			return fmt.Errorf("watch: %w", err)
		}
		figs = append(figs, wfigs...)
	}

	fmt.Println()
	for _, f := range figs {
		switch f.unit {
		case "ratio":
			fmt.Printf("%s %.3f %s\n", f.name, f.value, f.unit)
		case "ms":
			fmt.Printf("%s %.2f %s\n", f.name, f.value, f.unit)
		default:
			fmt.Printf("%s %.1f %s\n", f.name, f.value, f.unit)
		}
	}
	return nil
}

// profile starts a CPU profile into prefix-phase.pprof when prefix is set;
// the answer stops it.
func profile(prefix, phase string) (func(), error) {
	if prefix == "" {
		return func() {}, nil
	}
	f, err := os.Create(prefix + "-" + phase + ".pprof")
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// ---------------------------------------------------------------- appends

// Values of every benchmark member, the same on both sides.
const (
	benchOrg    = "Bench ry"
	benchCounty = "Pirkanmaa"
)

// representativeEnvelope is a stored MemberAdded event built the way
// eventstore.Store.Append builds one for an AddMember of this benchmark, so
// the raw baseline publishes as many bytes as the service does.
func representativeEnvelope() ([]byte, error) {
	rid := "bench-concurrent16-r0-c15-12345"
	// The name and e-mail travel sealed (version byte, 12-byte nonce, the
	// PersonalData message, 16-byte tag); the bytes' values do not matter.
	personal, err := proto.Marshal(&v1.PersonalData{Name: "Bench Person 15-12345", Email: "p15.12345@example.fi"})
	if err != nil {
		return nil, err
	}
	sealed := make([]byte, 1+12+len(personal)+16)
	ev := &v1.MemberAdded{
		MembershipId: uuid.NewString(), PersonId: uuid.NewString(), SealedPersonal: sealed,
		Organisation: benchOrg, ActorType: v1.ActorType_ACTOR_TYPE_NGO,
		Role: v1.Role_ROLE_MEMBER, TermStart: time.Now().Format(domain.DateLayout),
	}
	pl, err := proto.Marshal(ev)
	if err != nil {
		return nil, err
	}
	typ := string(proto.MessageName(ev))
	env := &v1.Envelope{
		EventId: uuid.Must(uuid.NewV7()).String(), Type: typ, SchemaVersion: 1,
		AggregateType: domain.AggregateGroup, AggregateId: uuid.NewString(), AggregateVersion: 12345,
		Time: timestamppb.Now(), Actor: "person:" + uuid.NewString() + "/token:" + strings.Repeat("0", 32), CorrelationId: rid, RequestId: rid,
		PrevHash: eventstore.Hash([]byte("previous")), Payload: pl,
	}
	return proto.Marshal(env)
}

type appendBench struct {
	o       options
	client  ohjaamov1connect.GroupServiceClient
	js      jetstream.JetStream
	payload []byte
	rawSubj []*rawSubject // per client, kept across rounds and modes
}

// rawSubject is one raw client's subject and the sequence its next publish
// expects, taken from the previous ack, as the Repo keeps its head.
type rawSubject struct {
	subject string
	last    uint64
}

// measure runs o.rounds rounds of raw and RPC appends with the given
// number of clients and answers the best ops/s of each.
//
// Why best of several alternating rounds: both sides are bound by fsync
// latency, which on shared or virtual disks wanders by tens of percent from
// second to second, and by whatever else the machine does. Alternating
// which side goes first spreads slow drifts (growing files, a neighbour's
// I/O, the page cache filling) evenly over both sides, and the best round
// is the least disturbed estimate of what each path can do, so the ratio
// compares like with like.
func (b *appendBench) measure(ctx context.Context, mode string, clients int) (rpcBest, rawBest float64, err error) {
	for len(b.rawSubj) < clients {
		b.rawSubj = append(b.rawSubj, &rawSubject{subject: fmt.Sprintf("%s.bench.%d", eventstore.SubjectPrefix, len(b.rawSubj))})
	}
	fmt.Printf("\nappend, %s (%d client(s)):\n", mode, clients)
	for r := 0; r < b.o.rounds; r++ {
		sides := []string{"raw", "rpc"}
		if r%2 == 1 {
			sides[0], sides[1] = sides[1], sides[0]
		}
		for _, side := range sides {
			var ops int
			var took time.Duration
			if side == "raw" {
				ops, took, err = b.rawRound(ctx, mode, r, clients)
			} else {
				ops, took, err = b.rpcRound(ctx, mode, r, clients)
			}
			if err != nil {
				return 0, 0, fmt.Errorf("append %s %s round %d: %w", side, mode, r+1, err)
			}
			rate := float64(ops) / took.Seconds()
			fmt.Printf("  round %d %s: %6d appends in %s = %8.1f ops/s\n", r+1, side, ops, took.Round(time.Millisecond), rate)
			if side == "raw" {
				rawBest = max(rawBest, rate)
			} else {
				rpcBest = max(rpcBest, rate)
			}
		}
	}
	fmt.Printf("  best: rpc %.1f ops/s, raw %.1f ops/s, rpc/raw %.3f\n", rpcBest, rawBest, rpcBest/rawBest)
	return rpcBest, rawBest, nil
}

// rpcRound creates one group per client (not timed), then times AddMember
// calls, each client on its own group. A fresh group each round keeps the
// rounds alike: a group's state grows with its members.
func (b *appendBench) rpcRound(ctx context.Context, mode string, round, clients int) (int, time.Duration, error) {
	groups := make([]string, clients)
	for c := range groups {
		res, err := b.client.CreateGroup(ctx, connect.NewRequest(&v1.CreateGroupRequest{
			RequestId: fmt.Sprintf("bench-%s-r%d-c%d-group", mode, round, c),
			Name:      &v1.LocalizedName{Fi: fmt.Sprintf("Penkkiryhmä %s %d/%d", mode, round, c)},
			Level:     v1.Level_LEVEL_PROVINCIAL, WellbeingCounty: benchCounty,
		}))
		if err != nil {
			return 0, 0, fmt.Errorf("create group: %w", err)
		}
		groups[c] = res.Msg.GetGroupId()
	}
	return timed(b.o.warmup, b.o.window, clients, func(c, i int) error {
		_, err := b.client.AddMember(ctx, connect.NewRequest(&v1.AddMemberRequest{
			RequestId:    fmt.Sprintf("bench-%s-r%d-c%d-%d", mode, round, c, i),
			GroupId:      groups[c],
			PersonName:   fmt.Sprintf("Bench Person %d-%d", c, i),
			Email:        fmt.Sprintf("p%d.%d@example.fi", c, i),
			Organisation: benchOrg,
			ActorType:    v1.ActorType_ACTOR_TYPE_NGO,
			Role:         v1.Role_ROLE_MEMBER,
		}))
		return err
	})
}

// rawRound times synchronous JetStream publishes, each client on its own
// subject, over the same kind of in-process connection the store uses. Each
// message carries what a real single-event append carries: the event type
// and request id headers, Nats-Msg-Id (deduplicated by the stream) and
// Nats-Expected-Last-Subject-Sequence (checked by the stream). The payload
// is made once: the baseline is the stream at its best, not our encoding.
func (b *appendBench) rawRound(ctx context.Context, mode string, round, clients int) (int, time.Duration, error) {
	typ := string(proto.MessageName(&v1.MemberAdded{}))
	return timed(b.o.warmup, b.o.window, clients, func(c, i int) error {
		s := b.rawSubj[c]
		rid := fmt.Sprintf("bench-%s-r%d-c%d-%d", mode, round, c, i)
		m := nats.NewMsg(s.subject)
		m.Data = b.payload
		m.Header.Set(eventstore.HeaderEventType, typ)
		m.Header.Set(eventstore.HeaderRequestID, rid)
		m.Header.Set(jetstream.ExpectedLastSubjSeqHeader, strconv.FormatUint(s.last, 10))
		m.Header.Set(jetstream.MsgIDHeader, s.subject+"/"+rid)
		ack, err := b.js.PublishMsg(ctx, m)
		if err != nil {
			return err
		}
		if ack.Duplicate {
			return fmt.Errorf("%s: unexpected duplicate %s", s.subject, rid)
		}
		s.last = ack.Sequence
		return nil
	})
}

// timed runs op from each of clients goroutines, first for warm (not
// counted), then, all starting together, for window. It answers the calls
// made in the window and the time from the start until the last of them
// returned. i counts each client's calls across both phases.
func timed(warm, window time.Duration, clients int, op func(client, i int) error) (int, time.Duration, error) {
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	var deadline time.Time
	counts := make([]int, clients)
	ends := make([]time.Time, clients)
	errs := make([]error, clients)
	warmEnd := time.Now().Add(warm)
	for c := 0; c < clients; c++ {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			i := 0
			for ; time.Now().Before(warmEnd) || i == 0; i++ {
				if err := op(c, i); err != nil {
					errs[c] = fmt.Errorf("warm-up: %w", err)
					ready.Done()
					return
				}
			}
			ready.Done()
			<-start
			for time.Now().Before(deadline) {
				if err := op(c, i); err != nil {
					errs[c] = err
					return
				}
				i++
				counts[c]++
			}
			ends[c] = time.Now()
		}()
	}
	ready.Wait()
	t0 := time.Now()
	deadline = t0.Add(window)
	close(start)
	done.Wait()
	if err := errors.Join(errs...); err != nil {
		return 0, 0, err
	}
	total, last := 0, t0
	for c := range counts {
		total += counts[c]
		if ends[c].After(last) {
			last = ends[c]
		}
	}
	return total, last.Sub(t0), nil
}

// ---------------------------------------------------------------- top-up

// topUp adds real group events through eventstore.Repo and the domain until
// the stream holds at least target events: per wellbeing county a
// provincial group, regional groups under it and local groups (with
// municipalities) under those, each with members, some changed, some ended,
// some groups renamed, and members representing child groups. Each group's
// founding and first members are one atomic append, as an import would be.
func topUp(ctx context.Context, store *eventstore.Store, target uint64) error {
	have, err := store.LastSequence(ctx)
	if err != nil {
		return err
	}
	if have >= target {
		fmt.Printf("\nstream holds %d events (>= %d): no top-up\n", have, target)
		return nil
	}
	fmt.Printf("\ntopping the stream up from %d to at least %d events with group events through eventstore.Repo...\n", have, target)
	t0 := time.Now()
	repo := eventstore.NewRepo(store, domain.AggregateGroup, domain.NewGroup, 10_000)
	const workers = 4
	var mu sync.Mutex
	var firstErr error
	county := 0
	next := func() (int, bool) {
		mu.Lock()
		defer mu.Unlock()
		if firstErr != nil {
			return 0, false
		}
		last, err := store.LastSequence(ctx)
		if err != nil {
			firstErr = err
			return 0, false
		}
		if last >= target {
			return 0, false
		}
		county++
		return county, true
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k, ok := next()
				if !ok {
					return
				}
				if err := seedCounty(ctx, repo, k); err != nil {
					mu.Lock()
					firstErr = errors.Join(firstErr, fmt.Errorf("county %d: %w", k, err))
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return fmt.Errorf("top-up: %w", firstErr)
	}
	now, err := store.LastSequence(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("  added %d events in %s\n", now-have, time.Since(t0).Round(time.Millisecond))
	return nil
}

func seedCounty(ctx context.Context, repo *eventstore.Repo[*domain.Group], k int) error {
	countyName := fmt.Sprintf("Penkkialue %d", k)
	meta := func(what string) eventstore.Meta {
		rid := fmt.Sprintf("seed-%d-%s", k, what)
		return eventstore.Meta{RequestID: rid, Actor: "bench-seed", CorrelationID: rid}
	}
	id := func(what string) string {
		return uuid.NewSHA1(uuid.NameSpaceOID, []byte(fmt.Sprintf("bench/%d/%s", k, what))).String()
	}
	found := func(gid, what string, cmd domain.CreateGroup, parent *domain.Group, members int) error {
		_, err := repo.Execute(ctx, gid, meta(what), nil, func(g *domain.Group) ([]proto.Message, error) {
			var out []proto.Message
			step := func(evs []proto.Message, err error) error {
				if err != nil {
					return err
				}
				for _, ev := range evs {
					if err := g.Apply(ev); err != nil {
						return err
					}
				}
				out = append(out, evs...)
				return nil
			}
			if err := step(g.Create(cmd, parent)); err != nil {
				return nil, err
			}
			var ids []string
			for i := 0; i < members; i++ {
				role := v1.Role_ROLE_MEMBER
				switch i {
				case 0:
					role = v1.Role_ROLE_CHAIR
				case 1:
					role = v1.Role_ROLE_SECRETARY
				case 2:
					role = v1.Role_ROLE_VICE_CHAIR
				}
				mid := id(fmt.Sprintf("%s/m%d", what, i))
				ids = append(ids, mid)
				if err := step(g.AddMember(domain.AddMember{
					MembershipID: mid, PersonID: id(fmt.Sprintf("%s/p%d", what, i)),
					PersonName: fmt.Sprintf("Henkilö %d %s %d", k, what, i), Email: fmt.Sprintf("h%d@%s.example.fi", i, strings.ReplaceAll(what, "/", "-")),
					Organisation: fmt.Sprintf("Organisaatio %d", i%7), ActorType: v1.ActorType(1 + i%8), Role: role,
					TermStart: "2025-01-01", TermEnd: "2026-12-31",
				}, nil)); err != nil {
					return nil, err
				}
			}
			// A few changes and ends, and a rename, as a group's life has.
			for i := 3; i < len(ids) && i < 6; i++ {
				org, role := "Uusi organisaatio", v1.Role_ROLE_DEPUTY
				if err := step(g.ChangeMember(domain.ChangeMember{MembershipID: ids[i], Organisation: &org, Role: &role}, nil)); err != nil {
					return nil, err
				}
			}
			for i := 6; i < len(ids) && i < 8; i++ {
				if err := step(g.EndMember(ids[i], "2025-06-30", "muutti pois")); err != nil {
					return nil, err
				}
			}
			name := proto.CloneOf(cmd.Name)
			name.Sv = name.Fi + " (sv)"
			if err := step(g.Rename(name)); err != nil {
				return nil, err
			}
			return out, nil
		})
		return err
	}
	represent := func(gid, what string, children []string) error {
		for i, child := range children {
			cs, _, err := repo.Get(ctx, child)
			if err != nil {
				return err
			}
			w := fmt.Sprintf("%s/rep%d", what, i)
			_, err = repo.Execute(ctx, gid, meta(w), nil, func(g *domain.Group) ([]proto.Message, error) {
				return g.AddMember(domain.AddMember{
					MembershipID: id(w), PersonID: id(w + "/p"), PersonName: "Edustaja " + w, Email: "edustaja@example.fi",
					Organisation: "Edustettu", ActorType: v1.ActorType_ACTOR_TYPE_MUNICIPALITY, Role: v1.Role_ROLE_MEMBER,
					TermStart: "2025-01-01", Represents: child,
				}, cs)
			})
			if err != nil {
				return err
			}
		}
		return nil
	}
	const regionals, locals, members = 3, 4, 30
	prov := id("prov")
	if err := found(prov, "prov", domain.CreateGroup{Name: &v1.LocalizedName{Fi: countyName + " maakunnallinen"},
		Level: v1.Level_LEVEL_PROVINCIAL, County: countyName}, nil, members); err != nil {
		return err
	}
	var regIDs []string
	for r := 0; r < regionals; r++ {
		parent, _, err := repo.Get(ctx, prov)
		if err != nil {
			return err
		}
		rid, what := id(fmt.Sprintf("reg%d", r)), fmt.Sprintf("reg%d", r)
		if err := found(rid, what, domain.CreateGroup{Name: &v1.LocalizedName{Fi: fmt.Sprintf("%s alue %d", countyName, r)},
			Level: v1.Level_LEVEL_REGIONAL, ParentID: prov}, parent, members); err != nil {
			return err
		}
		regIDs = append(regIDs, rid)
		reg, _, err := repo.Get(ctx, rid)
		if err != nil {
			return err
		}
		var locIDs []string
		for l := 0; l < locals; l++ {
			lid, what := id(fmt.Sprintf("reg%d/loc%d", r, l)), fmt.Sprintf("reg%d/loc%d", r, l)
			muni := []string{fmt.Sprintf("%03d", (k*31+r*7+l)%1000), fmt.Sprintf("%03d", (k*31+r*7+l+500)%1000)}
			if err := found(lid, what, domain.CreateGroup{Name: &v1.LocalizedName{Fi: fmt.Sprintf("%s perhekeskus %d-%d", countyName, r, l)},
				Level: v1.Level_LEVEL_LOCAL, ParentID: rid, Municipalities: muni}, reg, members); err != nil {
				return err
			}
			locIDs = append(locIDs, lid)
		}
		if err := represent(rid, what, locIDs); err != nil {
			return err
		}
	}
	return represent(prov, "prov", regIDs)
}

// ---------------------------------------------------------------- replay

// measureReplay times rebuilding the read models from the whole stream and
// the raw loop doing the same work, a warm-up of each first (whose results
// are also compared row for row), then o.rounds alternating rounds; it
// answers the best events/s of each, for the reasons given at measure.
func measureReplay(ctx context.Context, store *eventstore.Store, dir string, o options, log *slog.Logger) (projBest, rawBest float64, err error) {
	n, err := store.LastSequence(ctx)
	if err != nil {
		return 0, 0, err
	}
	fmt.Printf("\nreplay of %d events (read models from scratch vs raw ordered consumer + SQLite, 1000 events a transaction):\n", n)
	run := 0
	once := func(side string) (float64, string, error) {
		run++
		d := filepath.Join(dir, fmt.Sprintf("%s-%d", side, run))
		var took time.Duration
		var file string
		var err error
		if side == "raw" {
			took, file, err = rawReplay(ctx, store, d, n)
		} else {
			took, file, err = projectionReplay(ctx, store, d, log)
		}
		if err != nil {
			return 0, "", fmt.Errorf("replay %s: %w", side, err)
		}
		return float64(n) / took.Seconds(), file, nil
	}
	projRate, projFile, err := once("projection")
	if err != nil {
		return 0, 0, err
	}
	rawRate, rawFile, err := once("raw")
	if err != nil {
		return 0, 0, err
	}
	fmt.Printf("  warm-up: projection %.0f events/s, raw %.0f events/s\n", projRate, rawRate)
	same, err := sameRows(ctx, projFile, rawFile)
	if err != nil {
		return 0, 0, err
	}
	if !same {
		return 0, 0, errors.New("the raw loop's tables differ from the read models': the comparison would be unfair")
	}
	fmt.Println("  checked: the raw loop wrote the same schema and the same rows as the read models")
	os.RemoveAll(dir)
	for r := 0; r < o.rounds; r++ {
		sides := []string{"raw", "projection"}
		if r%2 == 1 {
			sides[0], sides[1] = sides[1], sides[0]
		}
		for _, side := range sides {
			rate, _, err := once(side)
			if err != nil {
				return 0, 0, err
			}
			fmt.Printf("  round %d %-10s: %8.0f events/s\n", r+1, side, rate)
			if side == "raw" {
				rawBest = max(rawBest, rate)
			} else {
				projBest = max(projBest, rate)
			}
			os.RemoveAll(dir)
		}
	}
	fmt.Printf("  best: projection %.0f events/s, raw %.0f events/s, projection/raw %.3f\n", projBest, rawBest, projBest/rawBest)
	return projBest, rawBest, nil
}

// projectionReplay opens the read models on an empty directory, which
// rebuilds them from the first event up to the stream's last, and answers
// how long that took and the file it wrote (closed, so it can be read).
func projectionReplay(ctx context.Context, store *eventstore.Store, dir string, log *slog.Logger) (time.Duration, string, error) {
	t0 := time.Now()
	last, err := store.LastSequence(ctx)
	if err != nil {
		return 0, "", err
	}
	rt, err := projections.Open(ctx, store, dir, projections.Options{Logger: log})
	if err != nil {
		return 0, "", err
	}
	// A first start projects in the background: wait until it has caught up.
	if err := rt.WaitFor(ctx, last, 10*time.Minute); err != nil {
		rt.Close()
		return 0, "", err
	}
	took := time.Since(t0)
	if err := rt.Close(); err != nil {
		return 0, "", err
	}
	name, err := os.ReadFile(filepath.Join(dir, "CURRENT"))
	if err != nil {
		return 0, "", err
	}
	return took, filepath.Join(dir, strings.TrimSpace(string(name))), nil
}

// The raw loop's statements: prepared once, the membership order kept in
// memory instead of counted per insert.
var rawStatements = map[string]string{
	"group":      `INSERT INTO groups (id, level, parent_id, name_fi, name_sv, name_en, wellbeing_county, mode, version, position, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	"touch":      `UPDATE groups SET version = ?, position = ?, updated_at = ? WHERE id = ?`,
	"rename":     `UPDATE groups SET name_fi = ?, name_sv = ?, name_en = ? WHERE id = ?`,
	"muni":       `INSERT INTO group_municipalities (group_id, code, ord) VALUES (?, ?, ?)`,
	"member":     `INSERT INTO memberships (id, group_id, ord, person_id, person_name, email, organisation, actor_type, role, term_start, term_end, represents_group_id, sealed_personal) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	"change":     `UPDATE memberships SET organisation = ?, actor_type = ?, role = ?, term_end = ?, represents_group_id = ? WHERE id = ? AND group_id = ?`,
	"end":        `UPDATE memberships SET active = 0, ended_on = ?, end_reason = ? WHERE id = ? AND group_id = ?`,
	"checkpoint": `UPDATE ohjaamo_meta SET value = ? WHERE key = 'position'`,
}

// rawReplay is the baseline: open a new SQLite file with the projections'
// connection settings (WAL, synchronous=NORMAL, foreign keys, one writer),
// read the stream from the first event with an ordered consumer, decode
// each message with eventstore.Decode, and write the same rows, 1000 events
// (and a checkpoint) per transaction, until the last sequence.
func rawReplay(ctx context.Context, store *eventstore.Store, dir string, last uint64) (time.Duration, string, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return 0, "", err
	}
	path := filepath.Join(dir, "raw.db")
	t0 := time.Now()
	db, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL&_synchronous=NORMAL&_busy_timeout=5000&_foreign_keys=on&_txlock=immediate")
	if err != nil {
		return 0, "", err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	defer db.Close()
	schema, err := projections.Schema()
	if err != nil {
		return 0, "", err
	}
	if _, err := db.ExecContext(ctx, schema+"\nINSERT INTO ohjaamo_meta (key, value) VALUES ('position', '0');"); err != nil {
		return 0, "", fmt.Errorf("schema: %w", err)
	}
	prepared := map[string]*sql.Stmt{}
	for k, q := range rawStatements {
		if prepared[k], err = db.PrepareContext(ctx, q); err != nil {
			return 0, "", fmt.Errorf("prepare %s: %w", k, err)
		}
		defer prepared[k].Close()
	}
	cons, err := store.JetStream().OrderedConsumer(ctx, store.StreamName(), jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{eventstore.SubjectPrefix + ".>"}, DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return 0, "", err
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(1000))
	if err != nil {
		return 0, "", err
	}
	defer it.Stop()

	var tx *sql.Tx
	var st map[string]*sql.Stmt
	exec := func(k string, args ...any) error {
		_, err := st[k].ExecContext(ctx, args...)
		return err
	}
	inTx := 0
	for seq := uint64(0); seq < last; {
		if tx == nil {
			if tx, err = db.BeginTx(ctx, nil); err != nil {
				return 0, "", err
			}
			st = make(map[string]*sql.Stmt, len(prepared))
			for k, s := range prepared {
				st[k] = tx.StmtContext(ctx, s)
			}
		}
		m, err := it.Next()
		if err != nil {
			return 0, "", err
		}
		md, err := m.Metadata()
		if err != nil {
			return 0, "", err
		}
		seq = md.Sequence.Stream
		ev, err := eventstore.Decode(seq, m.Subject(), m.Data())
		if err != nil {
			return 0, "", err
		}
		if err := rawApply(ev, exec); err != nil {
			return 0, "", fmt.Errorf("event %d: %w", seq, err)
		}
		inTx++
		if inTx == 1000 || seq >= last {
			if err := exec("checkpoint", strconv.FormatUint(seq, 10)); err != nil {
				return 0, "", err
			}
			if err := tx.Commit(); err != nil {
				return 0, "", err
			}
			tx, inTx = nil, 0
		}
	}
	return time.Since(t0), path, nil
}

// rawApply writes one event's rows, as the groups projection does.
func rawApply(ev *eventstore.Event, exec func(string, ...any) error) error {
	env := ev.Envelope
	if env.GetAggregateType() != domain.AggregateGroup {
		return nil
	}
	id := env.GetAggregateId()
	at := env.GetTime().AsTime().UTC().Format(time.RFC3339Nano)
	var err error
	switch e := ev.Payload.(type) {
	case *v1.GroupCreated:
		n := e.GetName()
		err = exec("group", id, int32(e.GetLevel()), e.GetParentId(), n.GetFi(), n.GetSv(), n.GetEn(),
			e.GetWellbeingCounty(), int32(e.GetMode()), env.GetAggregateVersion(), ev.Seq, at, at)
		for i, code := range e.GetMunicipalities() {
			if err == nil {
				err = exec("muni", id, code, i)
			}
		}
	case *v1.GroupRenamed:
		n := e.GetName()
		err = exec("rename", n.GetFi(), n.GetSv(), n.GetEn(), id)
	case *v1.MemberAdded:
		err = exec("member", e.GetMembershipId(), id, env.GetAggregateVersion(), e.GetPersonId(), e.GetPersonName(), e.GetEmail(),
			e.GetOrganisation(), int32(e.GetActorType()), int32(e.GetRole()), e.GetTermStart(), e.GetTermEnd(), e.GetRepresentsGroupId(),
			append([]byte{}, e.GetSealedPersonal()...))
	case *v1.MemberChanged:
		err = exec("change", e.GetOrganisation(), int32(e.GetActorType()), int32(e.GetRole()), e.GetTermEnd(),
			e.GetRepresentsGroupId(), e.GetMembershipId(), id)
	case *v1.MemberEnded:
		err = exec("end", e.GetEndedOn(), e.GetReason(), e.GetMembershipId(), id)
	default:
		return fmt.Errorf("unhandled event %s", env.GetType())
	}
	if err != nil {
		return err
	}
	return exec("touch", env.GetAggregateVersion(), ev.Seq, at, id)
}

// sameRows compares the schema and every row of the three read-model tables
// (and the checkpoint) of two files.
func sameRows(ctx context.Context, a, b string) (bool, error) {
	ha, err := digest(ctx, a)
	if err != nil {
		return false, err
	}
	hb, err := digest(ctx, b)
	if err != nil {
		return false, err
	}
	for k := range ha {
		if ha[k] != hb[k] {
			fmt.Printf("  MISMATCH in %s: projection %s, raw %s\n", k, ha[k], hb[k])
		}
	}
	return fmt.Sprint(ha) == fmt.Sprint(hb), nil
}

func digest(ctx context.Context, path string) (map[string]string, error) {
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	out := map[string]string{}
	for name, query := range map[string]string{
		"schema":               `SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name`,
		"groups":               `SELECT * FROM groups ORDER BY id`,
		"group_municipalities": `SELECT * FROM group_municipalities ORDER BY group_id, code`,
		"memberships":          `SELECT * FROM memberships ORDER BY id`,
		"position":             `SELECT value FROM ohjaamo_meta WHERE key = 'position'`,
	} {
		rows, err := db.QueryContext(ctx, query)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", path, name, err)
		}
		cols, _ := rows.Columns()
		h := sha256.New()
		n := 0
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return nil, err
			}
			if name == "schema" {
				// Whitespace and IF NOT EXISTS aside, the DDL must match.
				vals[2] = strings.Join(strings.Fields(strings.ReplaceAll(fmt.Sprint(vals[2]), "IF NOT EXISTS ", "")), " ")
			}
			for _, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprintf(h, "%T:%v\x1f", v, v)
			}
			h.Write([]byte{'\n'})
			n++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		out[name] = fmt.Sprintf("%d rows %s", n, hex.EncodeToString(h.Sum(nil))[:12])
	}
	return out, nil
}

// asAdmin makes a client call as the server's first admin, who may act for
// any group's secretary: the figures include authenticating every call.
func asAdmin(app *api.App) connect.ClientOption {
	return connect.WithInterceptors(bearerAuth("Bearer " + app.AdminToken()))
}

type bearerAuth string

func (b bearerAuth) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		req.Header().Set("Authorization", string(b))
		return next(ctx, req)
	}
}

func (b bearerAuth) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return func(ctx context.Context, spec connect.Spec) connect.StreamingClientConn {
		conn := next(ctx, spec)
		conn.RequestHeader().Set("Authorization", string(b))
		return conn
	}
}

func (bearerAuth) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return next
}
