package projections

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	"github.com/ohjaamo/ohjaamo/internal/eventstore"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// accessProjection keeps users' network-wide roles and their API tokens
// (hashes only), for authenticating calls and for listing.
type accessProjection struct{}

func (accessProjection) Name() string { return "access" }
func (accessProjection) Version() int { return 1 }

func (accessProjection) Apply(tx *Tx, ev *eventstore.Event) error {
	if ev.Envelope.GetAggregateType() != domain.AggregateUser {
		return nil
	}
	person := ev.Envelope.GetAggregateId()
	at := ev.Envelope.GetTime().AsTime().UTC().Format(time.RFC3339)
	switch e := ev.Payload.(type) {
	case *v1.UserRolesSet:
		return tx.Exec("user_roles", person, e.GetAdmin(), e.GetAuditor(), e.GetOrganisation())
	case *v1.ApiTokenIssued:
		return tx.Exec("token_insert", e.GetTokenId(), person, e.GetLabel(), e.GetSecretSha256(), at, e.GetExpiresAt(), e.GetIssuedBy(), ev.Seq)
	case *v1.ApiTokenRevoked:
		return tx.Exec("token_revoke", at, e.GetTokenId())
	}
	return nil
}

// TokenRecord is what authenticating a token needs.
type TokenRecord struct {
	PersonID       string
	SecretSHA256   []byte
	ExpiresAt      time.Time
	Revoked        bool
	Admin, Auditor bool
}

// ErrNoToken: no token has that id (yet: the read model may lag a write).
var ErrNoToken = errors.New("projections: no such token")

// Token finds an API token by id.
func (rt *Runtime) Token(ctx context.Context, id string) (TokenRecord, error) {
	var r TokenRecord
	err := rt.View(ctx, func(db *sql.DB) error {
		var expires, revoked string
		err := db.QueryRowContext(ctx, q("token_select"), id).Scan(&r.PersonID, &r.SecretSHA256, &expires, &revoked, &r.Admin, &r.Auditor)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNoToken
		}
		if err != nil {
			return err
		}
		r.Revoked = revoked != ""
		r.ExpiresAt, err = time.Parse(time.RFC3339, expires)
		return err
	})
	return r, err
}

// UserRoles answers a person's network-wide roles.
func (rt *Runtime) UserRoles(ctx context.Context, personID string) (admin, auditor bool, err error) {
	err = rt.View(ctx, func(db *sql.DB) error {
		err := db.QueryRowContext(ctx, q("user_select"), personID).Scan(&admin, &auditor)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	return admin, auditor, err
}

// PersonSeats lists a person's active memberships on day (YYYY-MM-DD).
func (rt *Runtime) PersonSeats(ctx context.Context, personID, day string) ([]*v1.Seat, error) {
	var out []*v1.Seat
	err := rt.View(ctx, func(db *sql.DB) error {
		return scanRows(ctx, db, q("seats_of"), []any{personID, day}, func(rows *sql.Rows) error {
			s := &v1.Seat{}
			if err := rows.Scan(&s.GroupId, &s.GroupName, &s.MembershipId, &s.Role); err != nil {
				return err
			}
			out = append(out, s)
			return nil
		})
	})
	return out, err
}

// PersonKnown tells whether a person has a membership (ever) or a user record.
func (rt *Runtime) PersonKnown(ctx context.Context, personID string) (bool, error) {
	var known bool
	err := rt.View(ctx, func(db *sql.DB) error {
		return db.QueryRowContext(ctx, q("person_known"), personID).Scan(&known)
	})
	return known, err
}

// Tokens lists a person's API tokens, oldest first; lastUsed fills in when
// each was last used (it is kept outside the stream).
func (rt *Runtime) Tokens(ctx context.Context, personID string, now time.Time) ([]*v1.ApiToken, error) {
	var out []*v1.ApiToken
	err := rt.View(ctx, func(db *sql.DB) error {
		return scanRows(ctx, db, q("tokens_of"), []any{personID}, func(rows *sql.Rows) error {
			t := &v1.ApiToken{}
			if err := rows.Scan(&t.TokenId, &t.PersonId, &t.Label, &t.CreatedAt, &t.ExpiresAt, &t.CreatedBy, &t.RevokedAt); err != nil {
				return err
			}
			if exp, err := time.Parse(time.RFC3339, t.ExpiresAt); err == nil && !exp.After(now) {
				t.Expired = true
			}
			out = append(out, t)
			return nil
		})
	})
	return out, err
}

// TokenOwner answers whose token id is ("" when there is none).
func (rt *Runtime) TokenOwner(ctx context.Context, id string) (string, error) {
	var person string
	err := rt.View(ctx, func(db *sql.DB) error {
		err := db.QueryRowContext(ctx, q("token_owner"), id).Scan(&person)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	return person, err
}

// Users lists the people with network-wide roles.
func (rt *Runtime) Users(ctx context.Context, now time.Time) ([]*v1.User, error) {
	var out []*v1.User
	err := rt.View(ctx, func(db *sql.DB) error {
		return scanRows(ctx, db, q("users_select"), []any{now.UTC().Format(time.RFC3339)}, func(rows *sql.Rows) error {
			u := &v1.User{}
			if err := rows.Scan(&u.PersonId, &u.Admin, &u.Auditor, &u.Organisation, &u.ActiveTokens); err != nil {
				return err
			}
			out = append(out, u)
			return nil
		})
	})
	return out, err
}

// MembershipPerson answers who holds a membership ("" when none does).
func (rt *Runtime) MembershipPerson(ctx context.Context, membershipID string) (string, error) {
	var person string
	err := rt.View(ctx, func(db *sql.DB) error {
		err := db.QueryRowContext(ctx, q("membership_person"), membershipID).Scan(&person)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	return person, err
}
