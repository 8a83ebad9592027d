package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"
	"connectrpc.com/grpcreflect"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	"github.com/ohjaamo/ohjaamo/internal/eventstore"
	"github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1/ohjaamov1connect"
	"github.com/ohjaamo/ohjaamo/projections"
)

// Config is everything `ohjaamo serve` can be told.
type Config struct {
	Listen       string        // host:port of the API; port 0 picks a free one
	DataDir      string        // embedded NATS files and the read models
	NATSURL      string        // empty: embedded NATS server
	NATSListen   string        // expose the embedded NATS on this loopback address
	SyncInterval time.Duration // 0: fsync every write
	Replicas     int           // stream replicas (3 on a cluster)
	Stream       string        // stream name
	Demo         bool          // load the demo network into an empty stream
	ReadWait     time.Duration // how long a read waits for min_position
	// WebhooksAllowPrivate lets webhooks reach loopback and private
	// addresses and plain http (tests, a trusted internal network).
	WebhooksAllowPrivate bool
	// WebhookRetryBase is the first retry delay of a failed webhook; default 5s.
	WebhookRetryBase time.Duration
	// SMTPAddr (host:port) and SMTPFrom send the weekly digests; empty: not sent.
	SMTPAddr, SMTPFrom string
	Logger             *slog.Logger
}

// Server holds the parts the handlers use.
type Server struct {
	store                *eventstore.Store
	rt                   *projections.Runtime
	groups               *eventstore.Repo[*domain.Group]
	meetings             *eventstore.Repo[*domain.Meetings]
	voices               *eventstore.Repo[*domain.Voice]
	subs                 *eventstore.Repo[*domain.Subscription]
	feeds                *eventstore.Repo[*domain.FeedToken]
	webhookLog           *eventstore.Repo[*domain.WebhookLog]
	webhooks             *webhooks
	digests              *eventstore.Repo[*domain.Digests]
	users                *eventstore.Repo[*domain.User]
	tokenUse             *tokenUse
	people               *eventstore.Repo[*domain.Person]
	smtpAddr, smtpFrom   string
	allowPrivateWebhooks bool
	hub                  *projections.DecisionHub
	log                  *slog.Logger
	readWait             time.Duration
}

// App is a running Ohjaamo: event store, read models and the HTTP server.
type App struct {
	*Server
	// adminToken is the first admin's token when this start made it.
	adminToken string
	dataDir    string
	http       *http.Server
	ln         net.Listener
	done       chan error
}

// maxRequestBytes bounds every request message.
const maxRequestBytes = 1 << 20

// Start opens the event store and read models, loads the demo network into
// an empty stream if asked, and starts serving. Stop it with Shutdown.
func Start(ctx context.Context, cfg Config) (*App, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.ReadWait <= 0 {
		cfg.ReadWait = 5 * time.Second
	}
	log := cfg.Logger
	store, err := eventstore.Open(ctx, eventstore.Config{
		URL: cfg.NATSURL, DataDir: cfg.DataDir, NATSListen: cfg.NATSListen, SyncInterval: cfg.SyncInterval,
		Stream: cfg.Stream, Replicas: cfg.Replicas, Logger: log,
	})
	if err != nil {
		return nil, err
	}
	rt, err := projections.Open(ctx, store, filepath.Join(cfg.DataDir, "projections"), projections.Options{Logger: log})
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("read models: %w", err)
	}
	s := &Server{store: store, rt: rt, log: log, readWait: cfg.ReadWait,
		groups:               eventstore.NewRepo(store, domain.AggregateGroup, domain.NewGroup, 10_000),
		meetings:             eventstore.NewRepo(store, domain.AggregateMeetings, domain.NewMeetings, 1_000),
		voices:               eventstore.NewRepo(store, domain.AggregateVoice, domain.NewVoice, 1_000),
		subs:                 eventstore.NewRepo(store, domain.AggregateSubscription, domain.NewSubscription, 10_000),
		feeds:                eventstore.NewRepo(store, domain.AggregateFeed, domain.NewFeedToken, 1_000),
		webhookLog:           eventstore.NewRepo(store, domain.AggregateWebhook, domain.NewWebhookLog, 1_000),
		allowPrivateWebhooks: cfg.WebhooksAllowPrivate,
		digests:              eventstore.NewRepo(store, domain.AggregateDigest, domain.NewDigests, 10_000),
		users:                eventstore.NewRepo(store, domain.AggregateUser, domain.NewUser, 10_000),
		people:               eventstore.NewRepo(store, domain.AggregatePerson, domain.NewPerson, 1_000),
		smtpAddr:             cfg.SMTPAddr, smtpFrom: cfg.SMTPFrom}
	if s.smtpFrom == "" {
		s.smtpFrom = "ohjaamo@localhost"
	}
	if s.tokenUse, err = openTokenUse(ctx, s, cfg); err != nil {
		rt.Close()
		store.Close()
		return nil, fmt.Errorf("token use bucket: %w", err)
	}
	if s.hub, err = projections.StartDecisionHub(context.WithoutCancel(ctx), store, log); err != nil {
		rt.Close()
		store.Close()
		return nil, fmt.Errorf("decision hub: %w", err)
	}
	if s.webhooks, err = startWebhooks(ctx, s, cfg); err != nil {
		s.hub.Close()
		rt.Close()
		store.Close()
		return nil, err
	}
	a := &App{Server: s, dataDir: cfg.DataDir, done: make(chan error, 1)}
	if cfg.Demo {
		if err := s.loadDemoIfEmpty(ctx); err != nil {
			a.closeParts()
			return nil, fmt.Errorf("demo data: %w", err)
		}
	}
	if a.adminToken, err = s.bootstrapAdmin(ctx, cfg.DataDir); err != nil {
		a.closeParts()
		return nil, err
	}
	a.ln, err = net.Listen("tcp", cfg.Listen)
	if err != nil {
		a.closeParts()
		return nil, fmt.Errorf("listen %s: %w", cfg.Listen, err)
	}
	protocols := new(http.Protocols)
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true) // h2c: gRPC without TLS
	a.http = &http.Server{
		Handler:           s.Handler(),
		Protocols:         protocols,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	go func() { a.done <- a.http.Serve(a.ln) }()
	return a, nil
}

// Handler serves every service, gRPC health and server reflection on one mux.
func (s *Server) Handler() http.Handler {
	opts := []connect.HandlerOption{
		// The error mapper is outermost, so refusals read like every other
		// domain error; who calls is settled before what they sent is judged;
		// names are opened for the answer last.
		connect.WithInterceptors(errorInterceptor(s.log), authInterceptor{s}, inputGuard{}, peopleInterceptor(s)),
		connect.WithReadMaxBytes(maxRequestBytes),
		// Most answers are small: gzip only what is worth it.
		connect.WithCompressMinBytes(4096),
	}
	mux := http.NewServeMux()
	mux.Handle(ohjaamov1connect.NewGroupServiceHandler(groupService{s}, opts...))
	mux.Handle(ohjaamov1connect.NewMeetingServiceHandler(meetingService{s}, opts...))
	mux.Handle(ohjaamov1connect.NewAdminServiceHandler(adminService{s}, opts...))
	mux.Handle(ohjaamov1connect.NewCommunicationServiceHandler(communicationService{meetingService{s}}, opts...))
	mux.Handle(ohjaamov1connect.NewVoiceServiceHandler(voiceService{s}, opts...))
	mux.Handle(ohjaamov1connect.NewAuditServiceHandler(auditService{Server: s}, opts...))
	mux.Handle(ohjaamov1connect.NewSubscriptionServiceHandler(subscriptionService{s}, opts...))
	mux.Handle(ohjaamov1connect.NewAccessServiceHandler(accessService{s}, opts...))
	mux.Handle("GET /feeds/{file}", http.HandlerFunc(s.serveFeed))
	mux.Handle("GET /feeds/public/{file}", http.HandlerFunc(s.servePublicFeed))
	services := []string{ohjaamov1connect.SubscriptionServiceName, ohjaamov1connect.GroupServiceName, ohjaamov1connect.MeetingServiceName, ohjaamov1connect.AdminServiceName,
		ohjaamov1connect.CommunicationServiceName, ohjaamov1connect.VoiceServiceName, ohjaamov1connect.AuditServiceName,
		ohjaamov1connect.AccessServiceName}
	mux.Handle(grpchealth.NewHandler(grpchealth.NewStaticChecker(services...)))
	reflector := grpcreflect.NewStaticReflector(services...)
	mux.Handle(grpcreflect.NewHandlerV1(reflector))
	mux.Handle(grpcreflect.NewHandlerV1Alpha(reflector))
	return mux
}

// FirstAdminToken is the first admin's API token if this start created it
// (the first start on an empty stream), else "".
func (a *App) FirstAdminToken() string { return a.adminToken }

// AdminToken is the first admin's API token: the one this start created
// (the first start on an empty stream), else what the data directory's
// admin-token file holds ("" when neither).
func (a *App) AdminToken() string {
	if a.adminToken != "" || a.dataDir == "" {
		return a.adminToken
	}
	b, err := os.ReadFile(filepath.Join(a.dataDir, AdminTokenFile))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// Addr is the address the API listens on.
func (a *App) Addr() string { return a.ln.Addr().String() }

// URL is the base URL of the API.
func (a *App) URL() string { return "http://" + a.Addr() }

// Done reports when the HTTP server stopped on its own.
func (a *App) Done() <-chan error { return a.done }

// Shutdown stops accepting, drains in-flight requests (until ctx ends),
// stops the projector after its current batch and stops NATS.
func (a *App) Shutdown(ctx context.Context) error {
	a.hub.Close() // ends the watches, which would otherwise hold the shutdown open
	err := a.http.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		a.log.Warn("requests still running at the shutdown deadline; closing them")
		err = a.http.Close()
	}
	return errors.Join(err, a.closeParts())
}

func (a *App) closeParts() error {
	a.webhooks.stop()
	a.hub.Close()
	err := a.rt.Close()
	a.store.Close()
	return err
}
