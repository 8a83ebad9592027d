package api

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	"github.com/ohjaamo/ohjaamo/internal/eventstore"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

type accessService struct{ *Server }

func (s accessService) WhoAmI(ctx context.Context, _ *connect.Request[v1.WhoAmIRequest]) (*connect.Response[v1.WhoAmIResponse], error) {
	c := callerOf(ctx)
	if !c.signedIn() {
		return connect.NewResponse(&v1.WhoAmIResponse{Anonymous: true}), nil
	}
	return connect.NewResponse(&v1.WhoAmIResponse{PersonId: c.PersonID, Admin: c.Admin, Auditor: c.Auditor, Seats: c.Seats,
		TokenId: c.TokenID, TokenExpiresAt: c.TokenExpires.UTC().Format(time.RFC3339)}), nil
}

// forCaller fills an empty person id of a request with the caller's: "my"
// subscriptions, feeds and digest need no person id.
func forCaller(ctx context.Context, person *string) {
	if *person == "" {
		*person = callerOf(ctx).PersonID
	}
}

// personOrCaller is the person a request names, or the caller.
func personOrCaller(ctx context.Context, personID string) (string, error) {
	if personID == "" {
		return callerOf(ctx).PersonID, nil
	}
	return personID, domain.RequireID("person_id", personID)
}

func (s accessService) CreateToken(ctx context.Context, req *connect.Request[v1.CreateTokenRequest]) (*connect.Response[v1.CreateTokenResponse], error) {
	m := req.Msg
	person, err := personOrCaller(ctx, m.GetPersonId())
	if err != nil {
		return nil, err
	}
	if ms := m.GetMembershipId(); ms != "" {
		if person, err = s.membershipPerson(ctx, m.GetPersonId(), ms); err != nil {
			return nil, err
		}
	}
	meta, err := commandMeta(ctx, m.GetRequestId(), req.Header())
	if err != nil {
		return nil, err
	}
	if err := s.requireKnownPerson(ctx, person); err != nil {
		return nil, err
	}
	out, err := s.issueToken(ctx, person, m.GetLabel(), m.GetValidDays(), meta)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(out), nil
}

// membershipPerson answers who holds a membership.
func (s *Server) membershipPerson(ctx context.Context, personID, membershipID string) (string, error) {
	if personID != "" {
		return "", domain.Invalid("membership_id", "give a person or a membership, not both", "anna henkilö tai jäsenyys, ei molempia")
	}
	if err := domain.RequireID("membership_id", membershipID); err != nil {
		return "", err
	}
	person, err := s.rt.MembershipPerson(ctx, membershipID)
	if err == nil && person == "" {
		if _, err = s.readModelsAtHead(ctx); err == nil {
			person, err = s.rt.MembershipPerson(ctx, membershipID)
		}
	}
	if err == nil && person == "" {
		err = &domain.Error{Code: domain.CodeNotFound, Field: "membership_id", Message: "no such membership", MessageFI: "jäsenyyttä ei ole"}
	}
	return person, err
}

// requireKnownPerson refuses a token for a person id no membership or user has.
func (s *Server) requireKnownPerson(ctx context.Context, person string) error {
	known, err := s.rt.PersonKnown(ctx, person)
	if err == nil && !known {
		if _, err = s.readModelsAtHead(ctx); err == nil {
			known, err = s.rt.PersonKnown(ctx, person)
		}
	}
	if err != nil {
		return err
	}
	if !known {
		return &domain.Error{Code: domain.CodeNotFound, Field: "person_id", Message: "no member or user has this person id",
			MessageFI: "millään jäsenellä tai käyttäjällä ei ole tätä henkilötunnistetta"}
	}
	return nil
}

// issueToken appends a new token for person; the token itself is answered
// only by the append that made it.
func (s *Server) issueToken(ctx context.Context, person, label string, days uint32, meta eventstore.Meta) (*v1.CreateTokenResponse, error) {
	id, token, sum, err := newAPIToken()
	if err != nil {
		return nil, err
	}
	var issued *v1.ApiTokenIssued
	res, err := s.users.Execute(ctx, person, meta, nil, func(u *domain.User) ([]proto.Message, error) {
		evs, err := u.IssueToken(id, label, sum[:], days, meta.Actor, time.Now())
		if err == nil {
			issued = evs[0].(*v1.ApiTokenIssued)
		}
		return evs, err
	})
	if err != nil {
		return nil, err
	}
	out := &v1.CreateTokenResponse{Result: writeResult(res)}
	if res.Replayed || issued == nil {
		// A retry of a create that landed: the secret was answered then and
		// only its hash is kept.
		return out, nil
	}
	out.TokenId, out.Token, out.ExpiresAt = id, token, issued.GetExpiresAt()
	return out, nil
}

func (s accessService) ListTokens(ctx context.Context, req *connect.Request[v1.ListTokensRequest]) (*connect.Response[v1.ListTokensResponse], error) {
	person, err := personOrCaller(ctx, req.Msg.GetPersonId())
	if err != nil {
		return nil, err
	}
	if err := s.waitRead(ctx, req.Msg.GetMinPosition()); err != nil {
		return nil, err
	}
	tokens, err := s.rt.Tokens(ctx, person, time.Now())
	if err != nil {
		return nil, err
	}
	for _, t := range tokens {
		t.LastUsedAt = s.tokenUse.lastUsed(ctx, t.GetTokenId())
	}
	return connect.NewResponse(&v1.ListTokensResponse{Tokens: tokens}), nil
}

// tokenOwner answers whose token id is ("" when nobody's).
func (s *Server) tokenOwner(ctx context.Context, id string) (string, error) {
	if !validTokenID(id) {
		return "", domain.Invalid("token_id", "is not a token id (32 hexadecimal digits)", "ei ole tunnisteen id (32 heksadesimaalinumeroa)")
	}
	owner, err := s.rt.TokenOwner(ctx, id)
	if err == nil && owner == "" {
		if _, err = s.readModelsAtHead(ctx); err == nil {
			owner, err = s.rt.TokenOwner(ctx, id)
		}
	}
	return owner, err
}

func (s accessService) RevokeToken(ctx context.Context, req *connect.Request[v1.RevokeTokenRequest]) (*connect.Response[v1.RevokeTokenResponse], error) {
	m := req.Msg
	owner, err := s.tokenOwner(ctx, m.GetTokenId())
	if err != nil {
		return nil, err
	}
	if owner == "" {
		return nil, &domain.Error{Code: domain.CodeNotFound, Field: "token_id", Message: "no such token", MessageFI: "tunnistetta ei ole"}
	}
	meta, err := commandMeta(ctx, m.GetRequestId(), req.Header())
	if err != nil {
		return nil, err
	}
	res, err := s.users.Execute(ctx, owner, meta, nil, func(u *domain.User) ([]proto.Message, error) {
		return u.RevokeToken(m.GetTokenId(), meta.Actor, m.GetReason())
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.RevokeTokenResponse{Result: writeResult(res)}), nil
}

func (s accessService) SetUserRoles(ctx context.Context, req *connect.Request[v1.SetUserRolesRequest]) (*connect.Response[v1.SetUserRolesResponse], error) {
	m := req.Msg
	meta, err := commandMeta(ctx, m.GetRequestId(), req.Header())
	if err != nil {
		return nil, err
	}
	person := m.GetPersonId()
	if person == "" {
		person = derivedID("person", "", meta.RequestID)
	} else {
		if err := domain.RequireID("person_id", person); err != nil {
			return nil, err
		}
		if err := s.requireKnownPerson(ctx, person); err != nil {
			return nil, err
		}
	}
	if c := callerOf(ctx); person == c.PersonID && !c.system {
		switch {
		case !m.GetAdmin():
			return nil, &domain.Error{Code: domain.CodeFailedPrecondition, Field: "admin", Message: "an admin cannot take away their own admin role",
				MessageFI: "ylläpitäjä ei voi poistaa omaa ylläpitäjän rooliaan"}
		case m.GetAuditor() && !c.Auditor:
			// Admins do not read secret items; making oneself an auditor
			// would undo that. Another admin may.
			return nil, &domain.Error{Code: domain.CodePermissionDenied, Field: "auditor", Message: "an admin cannot make themselves an auditor",
				MessageFI: "ylläpitäjä ei voi tehdä itsestään arvioijaa"}
		}
	}
	res, err := s.users.Execute(ctx, person, meta, nil, func(u *domain.User) ([]proto.Message, error) {
		return u.SetRoles(m.GetAdmin(), m.GetAuditor(), m.GetOrganisation())
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.SetUserRolesResponse{PersonId: person, Result: writeResult(res)}), nil
}

func (s accessService) ListUsers(ctx context.Context, req *connect.Request[v1.ListUsersRequest]) (*connect.Response[v1.ListUsersResponse], error) {
	if err := s.waitRead(ctx, req.Msg.GetMinPosition()); err != nil {
		return nil, err
	}
	users, err := s.rt.Users(ctx, time.Now())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.ListUsersResponse{Users: users}), nil
}

// AdminTokenFile is where the first admin token is written, under the data
// directory, readable by the owner only.
const AdminTokenFile = "admin-token"

// bootstrapAdmin makes the first admin and their token on the first start
// of an empty network, in one atomic append. Instances starting together on
// one stream agree on one admin: the user's id is fixed, and whoever finds
// the admin made decides nothing. If the admin exists but has no valid
// token and this data directory has no token file (a crash between the
// append and the file, or an operator who removed the file on purpose), a
// new token is made. It answers the new token, or "".
func (s *Server) bootstrapAdmin(ctx context.Context, dataDir string) (string, error) {
	person := derivedID("person", "", "first-admin/"+s.store.StreamName())
	path := ""
	if dataDir != "" {
		path = filepath.Join(dataDir, AdminTokenFile)
	}
	_, statErr := os.Stat(path)
	fileMissing := path != "" && errors.Is(statErr, os.ErrNotExist)
	id, token, sum, err := newAPIToken()
	if err != nil {
		return "", err
	}
	now := time.Now()
	meta := eventstore.Meta{RequestID: uuid.Must(uuid.NewV7()).String(), Actor: "system", CorrelationID: "first-admin"}
	var issued bool
	_, err = s.users.Execute(ctx, person, meta, nil, func(u *domain.User) ([]proto.Message, error) {
		issued = false
		var evs []proto.Message
		if !u.RolesSet {
			roles, err := u.SetRoles(true, false, "Ohjaamo")
			if err != nil {
				return nil, err
			}
			evs = append(evs, roles...)
		} else if !fileMissing || u.HasValidToken(now) {
			return nil, nil
		}
		tok, err := u.IssueToken(id, "first admin token", sum[:], domain.MaxTokenDays, "system", now)
		if err != nil {
			return nil, err
		}
		issued = true
		return append(evs, tok...), nil
	})
	if err != nil {
		return "", fmt.Errorf("first admin: %w", err)
	}
	if !issued {
		return "", nil
	}
	if path != "" {
		if err := writeSecretFile(path, token+"\n"); err != nil {
			return "", err
		}
	}
	return token, nil
}

// writeSecretFile writes a file only its owner may read, whole or not at all.
func writeSecretFile(path, content string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".admin-token-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after the rename, nothing to remove
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.WriteString(content); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
