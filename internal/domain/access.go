package domain

import (
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// AggregateUser is the aggregate type of one person's access: network-wide
// roles and API tokens; its events go to ohjaamo.user.<person id>.
const AggregateUser = "user"

// Token lifetimes and how many a person may hold at once.
const (
	DefaultTokenDays = 90
	MaxTokenDays     = 366
	MaxActiveTokens  = 50
)

// User is one person's access. It holds no name: names live in the
// memberships, where they can be forgotten.
type User struct {
	PersonID       string
	Admin, Auditor bool
	Organisation   string
	RolesSet       bool
	Tokens         map[string]*UserToken
}

// UserToken is an API token as the aggregate knows it.
type UserToken struct {
	Issued    *v1.ApiTokenIssued
	ExpiresAt time.Time
	Revoked   bool
}

// NewUser is the empty state of person id.
func NewUser(id string) *User { return &User{PersonID: id, Tokens: map[string]*UserToken{}} }

// Clone copies the state for the next snapshot.
func (u *User) Clone() *User {
	c := *u
	c.Tokens = make(map[string]*UserToken, len(u.Tokens))
	for id, t := range u.Tokens {
		tc := *t
		c.Tokens[id] = &tc
	}
	return &c
}

// Apply folds one event into the state.
func (u *User) Apply(ev proto.Message) error {
	switch e := ev.(type) {
	case *v1.UserRolesSet:
		u.Admin, u.Auditor, u.Organisation, u.RolesSet = e.GetAdmin(), e.GetAuditor(), e.GetOrganisation(), true
	case *v1.ApiTokenIssued:
		at, err := time.Parse(time.RFC3339, e.GetExpiresAt())
		if err != nil {
			return fmt.Errorf("user %s: token %s: expires_at: %w", u.PersonID, e.GetTokenId(), err)
		}
		u.Tokens[e.GetTokenId()] = &UserToken{Issued: e, ExpiresAt: at}
	case *v1.ApiTokenRevoked:
		if t, ok := u.Tokens[e.GetTokenId()]; ok {
			t.Revoked = true
		}
	default:
		return fmt.Errorf("user: unknown event %T", ev)
	}
	return nil
}

// SetRoles decides the network-wide roles. Setting the same roles again
// decides nothing.
func (u *User) SetRoles(admin, auditor bool, organisation string) ([]proto.Message, error) {
	if err := checkText("organisation", organisation, false, 200); err != nil {
		return nil, err
	}
	if u.RolesSet && u.Admin == admin && u.Auditor == auditor && u.Organisation == organisation {
		return nil, nil
	}
	return []proto.Message{&v1.UserRolesSet{Admin: admin, Auditor: auditor, Organisation: organisation}}, nil
}

// IssueToken decides a new token valid for days (0: the default) from now.
func (u *User) IssueToken(tokenID, label string, secretSHA256 []byte, days uint32, issuedBy string, now time.Time) ([]proto.Message, error) {
	if err := checkText("label", label, false, 100); err != nil {
		return nil, err
	}
	if days == 0 {
		days = DefaultTokenDays
	}
	if days > MaxTokenDays {
		return nil, invalid("valid_days", fmt.Sprintf("at most %d", MaxTokenDays), fmt.Sprintf("enintään %d", MaxTokenDays))
	}
	if len(secretSHA256) != 32 {
		return nil, invalid("secret_sha256", "must be a SHA-256", "pitää olla SHA-256")
	}
	if _, ok := u.Tokens[tokenID]; ok {
		return nil, &Error{Code: CodeAlreadyExists, Field: "token_id", Message: "the token exists", MessageFI: "tunniste on jo olemassa"}
	}
	active := 0
	for _, t := range u.Tokens {
		if !t.Revoked && t.ExpiresAt.After(now) {
			active++
		}
	}
	if active >= MaxActiveTokens {
		return nil, precondition("person_id", fmt.Sprintf("already %d valid tokens; revoke some first", active),
			fmt.Sprintf("jo %d voimassa olevaa tunnistetta; peru ensin joitakin", active))
	}
	return []proto.Message{&v1.ApiTokenIssued{TokenId: tokenID, Label: label, SecretSha256: secretSHA256,
		ExpiresAt: now.Add(time.Duration(days) * 24 * time.Hour).UTC().Truncate(time.Second).Format(time.RFC3339), IssuedBy: issuedBy}}, nil
}

// RevokeToken ends a token; revoking twice decides nothing.
func (u *User) RevokeToken(tokenID, by, reason string) ([]proto.Message, error) {
	if err := checkText("reason", reason, false, 500); err != nil {
		return nil, err
	}
	t, ok := u.Tokens[tokenID]
	if !ok {
		return nil, notFound("token_id", "no such token", "tunnistetta ei ole")
	}
	if t.Revoked {
		return nil, nil
	}
	return []proto.Message{&v1.ApiTokenRevoked{TokenId: tokenID, RevokedBy: by, Reason: reason}}, nil
}

// HasValidToken tells whether the user holds a token valid at now.
func (u *User) HasValidToken(now time.Time) bool {
	for _, t := range u.Tokens {
		if !t.Revoked && t.ExpiresAt.After(now) {
			return true
		}
	}
	return false
}
