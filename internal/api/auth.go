package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	"github.com/ohjaamo/ohjaamo/projections"
)

// caller is who makes a request: anonymous, a person holding an API token,
// or the server itself (demo data, background work).
type caller struct {
	PersonID       string // "" when anonymous
	TokenID        string
	TokenExpires   time.Time
	Admin, Auditor bool
	Seats          []*v1.Seat
	// childrenOf holds, for each group where the caller is secretary or
	// chair, its direct child groups: what is escalated to a parent group
	// comes from them, and its secretary reads their internal items.
	childrenOf map[string][]string
	system     bool
}

var (
	anonymous    = &caller{}
	systemCaller = &caller{PersonID: "system", system: true, Admin: true, Auditor: true}
	demoCaller   = &caller{PersonID: "demo-loader", system: true, Admin: true, Auditor: true}
)

type callerKey struct{}

func withCaller(ctx context.Context, c *caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// callerOf answers who makes the request in ctx; anonymous when nobody
// said (only the interceptor and the server's own work set one).
func callerOf(ctx context.Context) *caller {
	if c, ok := ctx.Value(callerKey{}).(*caller); ok {
		return c
	}
	return anonymous
}

func (c *caller) signedIn() bool { return c.PersonID != "" }

// actor is what events record as their cause: person:<id>/token:<id>.
func (c *caller) actor() string {
	switch {
	case c.system:
		return c.PersonID
	case c.PersonID == "":
		return "anonymous"
	}
	// The token tells an auditor which credential acted (and ListTokens who
	// made it): an admin who minted a token for someone else shows.
	return "person:" + c.PersonID + "/token:" + c.TokenID
}

// seat answers the caller's seat in a group with one of roles (any role
// when none are given).
func (c *caller) seat(groupID string, roles ...v1.Role) *v1.Seat {
	for _, s := range c.Seats {
		if s.GetGroupId() == groupID && (len(roles) == 0 || slices.Contains(roles, s.GetRole())) {
			return s
		}
	}
	return nil
}

func (c *caller) holdsMembership(groupID, membershipID string) bool {
	for _, s := range c.Seats {
		if s.GetGroupId() == groupID && s.GetMembershipId() == membershipID {
			return true
		}
	}
	return false
}

// managerRoles run a group's meetings.
var managerRoles = []v1.Role{v1.Role_ROLE_SECRETARY, v1.Role_ROLE_CHAIR}

// readsInternal tells whether the caller may read what is internal to a
// group: its members, the secretary and chair of its parent group, auditors
// and admins.
func (c *caller) readsInternal(groupID string) bool {
	if c.system || c.Admin || c.Auditor || c.seat(groupID) != nil {
		return true
	}
	for _, kids := range c.childrenOf {
		if slices.Contains(kids, groupID) {
			return true
		}
	}
	return false
}

// readsSecret tells whether the caller may read a group's secret items:
// its members and auditors only.
func (c *caller) readsSecret(groupID string) bool {
	return c.system || c.Auditor || c.seat(groupID) != nil
}

// sees tells whether the caller may read an item of a group with openness o.
func (c *caller) sees(groupID string, o v1.Openness) bool {
	switch o {
	case v1.Openness_OPENNESS_SECRET:
		return c.readsSecret(groupID)
	case v1.Openness_OPENNESS_INTERNAL:
		return c.readsInternal(groupID)
	}
	return true
}

// viewer is the caller's sight as the read models take it: the groups
// whose internal and secret items they may see.
func (c *caller) viewer() projections.Viewer {
	v := projections.Viewer{AllInternal: c.system || c.Admin || c.Auditor, AllSecret: c.system || c.Auditor}
	for _, s := range c.Seats {
		v.Internal = append(v.Internal, s.GetGroupId())
		v.Secret = append(v.Secret, s.GetGroupId())
	}
	for _, kids := range c.childrenOf {
		v.Internal = append(v.Internal, kids...)
	}
	return v
}

// readsVoices tells whether the caller may read a family voice raised in
// or carried to groups: members of one of them, and auditors (the rule
// names no admins, so they do not).
func (c *caller) readsVoices(groups []string) bool {
	if c.system || c.Auditor {
		return true
	}
	for _, g := range groups {
		if c.seat(g) != nil {
			return true
		}
	}
	return false
}

// callerFor answers who personID is now, from the read models: their
// seats and network-wide roles, as if they called. Feeds, webhooks and
// digests show their owner what the owner may see when they are read or
// sent, not what they could when they were set up.
func (s *Server) callerFor(ctx context.Context, personID string) (*caller, error) {
	if personID == "" {
		return anonymous, nil
	}
	admin, auditor, err := s.rt.UserRoles(ctx, personID)
	if err != nil {
		return nil, err
	}
	c := &caller{PersonID: personID, Admin: admin, Auditor: auditor}
	if err := s.loadSeats(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// API tokens look like ohj_<32 hex: token id>_<43 base64url: secret>.
const tokenPrefix = "ohj_"

// newAPIToken makes a token id, the bearer token and the hash of its secret.
func newAPIToken() (id, token string, sum [32]byte, err error) {
	secret := make([]byte, 32)
	if _, err = rand.Read(secret); err != nil {
		return "", "", sum, err
	}
	u := uuid.New()
	id = hex.EncodeToString(u[:])
	s := base64.RawURLEncoding.EncodeToString(secret)
	return id, tokenPrefix + id + "_" + s, sha256.Sum256([]byte(s)), nil
}

// parseAPIToken splits a bearer token into its id and secret.
func parseAPIToken(token string) (id, secret string, ok bool) {
	rest, found := strings.CutPrefix(token, tokenPrefix)
	if !found || len(rest) != 32+1+43 || rest[32] != '_' {
		return "", "", false
	}
	id, secret = rest[:32], rest[33:]
	if !validTokenID(id) {
		return "", "", false
	}
	if _, err := base64.RawURLEncoding.DecodeString(secret); err != nil {
		return "", "", false
	}
	return id, secret, true
}

// validTokenID checks a token id: 32 lowercase hexadecimal digits.
func validTokenID(id string) bool {
	if len(id) != 32 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil && strings.ToLower(id) == id
}

func unauthenticated(en, fi string) error {
	return &domain.Error{Code: domain.CodeUnauthenticated, Message: en, MessageFI: fi}
}

var errBadToken = unauthenticated("the API token is not valid (unknown, revoked or malformed)",
	"API-tunniste ei kelpaa (tuntematon, peruttu tai väärän muotoinen)")

// authenticate answers who holds the credentials of an Authorization header.
// No header is the anonymous caller; a header that does not hold a valid
// token is refused rather than treated as anonymous.
func (s *Server) authenticate(ctx context.Context, header string) (*caller, error) {
	if header == "" {
		return anonymous, nil
	}
	scheme, token, _ := strings.Cut(header, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return nil, unauthenticated("use Authorization: Bearer <API token>", "käytä otsaketta Authorization: Bearer <API-tunniste>")
	}
	id, secret, ok := parseAPIToken(strings.TrimSpace(token))
	if !ok {
		return nil, errBadToken
	}
	rec, err := s.rt.Token(ctx, id)
	if errors.Is(err, projections.ErrNoToken) {
		// A token created a moment ago may not be in the read model yet.
		if _, cerr := s.readModelsAtHead(ctx); cerr != nil {
			return nil, cerr
		}
		rec, err = s.rt.Token(ctx, id)
	}
	if errors.Is(err, projections.ErrNoToken) {
		return nil, errBadToken
	}
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(secret))
	if subtle.ConstantTimeCompare(sum[:], rec.SecretSHA256) != 1 {
		return nil, errBadToken
	}
	now := time.Now()
	if err := s.checkToken(ctx, id, rec, now); err != nil {
		return nil, err
	}
	c := &caller{PersonID: rec.PersonID, TokenID: id, TokenExpires: rec.ExpiresAt, Admin: rec.Admin, Auditor: rec.Auditor}
	if err := s.loadSeats(ctx, c); err != nil {
		return nil, err
	}
	s.tokenUse.touch(ctx, id, now)
	return c, nil
}

// checkToken refuses a token that is revoked or expired at now.
func (s *Server) checkToken(ctx context.Context, id string, rec projections.TokenRecord, now time.Time) error {
	if rec.Revoked {
		return errBadToken
	}
	// A revocation made through this instance counts from the moment it is
	// acknowledged, before the read model has it (another instance's, once
	// its read model has applied it: milliseconds).
	if u, _, err := s.users.Get(ctx, rec.PersonID); err != nil {
		return err
	} else if t := u.Tokens[id]; t != nil && t.Revoked { // nil: made on another instance since this one cached the user
		return errBadToken
	}
	if !rec.ExpiresAt.After(now) {
		return unauthenticated("the API token expired at "+rec.ExpiresAt.Format(time.RFC3339)+"; create a new one",
			"API-tunniste vanheni "+rec.ExpiresAt.In(finland).Format("2.1.2006 15.04")+"; luo uusi")
	}
	return nil
}

// stillValid answers c's token as the read models have it now, or an
// error when it was revoked or has expired since c was authenticated.
func (s *Server) stillValid(ctx context.Context, c *caller) (projections.TokenRecord, error) {
	rec, err := s.rt.Token(ctx, c.TokenID)
	if errors.Is(err, projections.ErrNoToken) || err == nil && rec.PersonID != c.PersonID {
		return rec, errBadToken
	}
	if err != nil {
		return rec, err
	}
	return rec, s.checkToken(ctx, c.TokenID, rec, time.Now())
}

// recheck answers who c is now: their roles and seats as the read models
// have them, or an error when their token is no longer valid.
func (s *Server) recheck(ctx context.Context, c *caller) (*caller, error) {
	rec, err := s.stillValid(ctx, c)
	if err != nil {
		return nil, err
	}
	now := &caller{PersonID: rec.PersonID, TokenID: c.TokenID, TokenExpires: rec.ExpiresAt, Admin: rec.Admin, Auditor: rec.Auditor}
	return now, s.loadSeats(ctx, now)
}

// loadSeats fills in the caller's seats (and the child groups of the
// groups they run) from the read models.
func (s *Server) loadSeats(ctx context.Context, c *caller) error {
	seats, err := s.rt.PersonSeats(ctx, c.PersonID, today())
	if err != nil {
		return err
	}
	c.Seats, c.childrenOf = seats, nil
	for _, seat := range seats {
		if !slices.Contains(managerRoles, seat.GetRole()) {
			continue
		}
		kids, err := s.rt.ChildGroups(ctx, seat.GetGroupId())
		if err != nil {
			return err
		}
		if c.childrenOf == nil {
			c.childrenOf = map[string][]string{}
		}
		c.childrenOf[seat.GetGroupId()] = kids
	}
	return nil
}

// readModelsAtHead waits until the read models have applied every event
// written so far, and answers that position.
func (s *Server) readModelsAtHead(ctx context.Context) (uint64, error) {
	last, err := s.store.LastSequence(ctx)
	if err != nil {
		return 0, err
	}
	return last, s.waitRead(ctx, last)
}

// tokenUse keeps when each API token was last used (written at most once a
// minute per token and instance) in a key-value bucket beside the stream: a
// use is not an event worth keeping forever, and every instance sees the
// others' uses.
type tokenUse struct {
	kv   jetstream.KeyValue
	mu   sync.Mutex
	seen map[string]time.Time // last write per token from this instance
}

func (u *tokenUse) touch(ctx context.Context, id string, now time.Time) {
	now = now.UTC().Truncate(time.Second)
	u.mu.Lock()
	if last, ok := u.seen[id]; ok && now.Sub(last) < time.Minute {
		u.mu.Unlock()
		return
	}
	u.seen[id] = now
	u.mu.Unlock()
	// Best effort: a lost last-used time must not fail the request.
	_, _ = u.kv.Put(ctx, id, []byte(now.Format(time.RFC3339)))
}

func (u *tokenUse) lastUsed(ctx context.Context, id string) string {
	e, err := u.kv.Get(ctx, id)
	if err != nil {
		return ""
	}
	return string(e.Value())
}

func openTokenUse(ctx context.Context, s *Server, cfg Config) (*tokenUse, error) {
	kv, err := s.store.JetStream().CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: s.store.StreamName() + "_TOKEN_USE", Description: "Ohjaamo: when each API token was last used",
		History: 1, Storage: jetstream.FileStorage, Replicas: max(cfg.Replicas, 1)})
	if err != nil {
		return nil, err
	}
	return &tokenUse{kv: kv, seen: map[string]time.Time{}}, nil
}

// authInterceptor authenticates every call and applies the procedure's
// rule (rules.go) to the decoded request before the handler runs. A
// procedure without a rule is refused.
type authInterceptor struct{ s *Server }

func (a authInterceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		c, err := a.s.authorize(ctx, req.Spec().Procedure, req.Header().Get("Authorization"), req.Any())
		if err != nil {
			return nil, err
		}
		return next(withCaller(ctx, c), req)
	}
}

func (a authInterceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		procedure := conn.Spec().Procedure
		if _, ok := rules[procedure]; !ok {
			return noRule(procedure)
		}
		c, err := a.s.authenticate(ctx, conn.RequestHeader().Get("Authorization"))
		if err != nil {
			return err
		}
		return next(withCaller(ctx, c), &authorizedConn{StreamingHandlerConn: conn, s: a.s, ctx: ctx, c: c})
	}
}

func (authInterceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

// authorizedConn applies the rule to the request message of a
// server-streaming call as the handler receives it.
type authorizedConn struct {
	connect.StreamingHandlerConn
	s   *Server
	ctx context.Context
	c   *caller
}

func (a *authorizedConn) Receive(msg any) error {
	if err := a.StreamingHandlerConn.Receive(msg); err != nil {
		return err
	}
	return a.s.check(a.ctx, a.Spec().Procedure, a.c, msg)
}

// authorize authenticates a unary call and checks its rule.
func (s *Server) authorize(ctx context.Context, procedure, header string, msg any) (*caller, error) {
	if _, ok := rules[procedure]; !ok {
		return nil, noRule(procedure)
	}
	c, err := s.authenticate(ctx, header)
	if err != nil {
		return nil, err
	}
	return c, s.check(ctx, procedure, c, msg)
}

// check applies procedure's rule. A signed-in caller who is refused gets a
// second look once the read models have caught up: a membership added a
// moment ago may not have been in them yet.
func (s *Server) check(ctx context.Context, procedure string, c *caller, msg any) error {
	r, ok := rules[procedure]
	if !ok {
		return noRule(procedure)
	}
	err := r.check(ctx, s, c, msg)
	if err == nil || !c.signedIn() || c.system || domain.ErrorCode(err) != domain.CodePermissionDenied {
		return err
	}
	if _, cerr := s.readModelsAtHead(ctx); cerr != nil {
		return err
	}
	if lerr := s.loadSeats(ctx, c); lerr != nil {
		return lerr
	}
	return r.check(ctx, s, c, msg)
}

func noRule(procedure string) error {
	return &domain.Error{Code: domain.CodePermissionDenied, Message: procedure + " has no access rule: refused",
		MessageFI: procedure + ": ei käyttöoikeussääntöä, joten pyyntö torjutaan"}
}
