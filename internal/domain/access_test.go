package domain_test

import (
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

var sum = sha256.Sum256([]byte("secret"))

func TestIssueToken(t *testing.T) {
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	u := domain.NewUser("p1")
	evs, err := u.IssueToken("t1", "läppäri", sum[:], 0, "person:admin", now)
	if err != nil || len(evs) != 1 {
		t.Fatalf("issue: %v %v", evs, err)
	}
	e := evs[0].(*v1.ApiTokenIssued)
	if e.GetExpiresAt() != "2027-02-22T10:00:00Z" || e.GetIssuedBy() != "person:admin" || e.GetLabel() != "läppäri" {
		t.Fatalf("issued %v: 90 days by default", e)
	}
	if err := u.Apply(e); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		id, label string
		hash      []byte
		days      uint32
		code      domain.Code
		field     string
	}{
		"too long":      {"t2", "", sum[:], 367, domain.CodeInvalid, "valid_days"},
		"identity code": {"t2", "131052-308T", sum[:], 1, domain.CodeInvalid, "label"},
		"no hash":       {"t2", "", []byte("x"), 1, domain.CodeInvalid, "secret_sha256"},
		"same id":       {"t1", "", sum[:], 1, domain.CodeAlreadyExists, "token_id"},
	} {
		_, err := u.IssueToken(tc.id, tc.label, tc.hash, tc.days, "x", now)
		if domain.ErrorCode(err) != tc.code || !isField(err, tc.field) {
			t.Errorf("%s: %v, want %s on %s", name, err, tc.code, tc.field)
		}
	}
	// At most MaxActiveTokens valid at once; expired and revoked ones do not count.
	for i := 2; i <= domain.MaxActiveTokens; i++ {
		evs, err := u.IssueToken(fmt.Sprint("t", i), "", sum[:], 1, "x", now)
		if err != nil {
			t.Fatalf("token %d: %v", i, err)
		}
		_ = u.Apply(evs[0])
	}
	if _, err := u.IssueToken("one-more", "", sum[:], 1, "x", now); domain.ErrorCode(err) != domain.CodeFailedPrecondition {
		t.Fatalf("token %d: %v", domain.MaxActiveTokens+1, err)
	}
	evs, _ = u.RevokeToken("t2", "person:p1", "vaihtui")
	_ = u.Apply(evs[0])
	if _, err := u.IssueToken("one-more", "", sum[:], 1, "x", now); err != nil {
		t.Fatalf("after a revocation: %v", err)
	}
	evs, _ = u.IssueToken("one-more", "", sum[:], 1, "x", now)
	_ = u.Apply(evs[0])
	if _, err := u.IssueToken("two-more", "", sum[:], 1, "x", now.Add(48*time.Hour)); err != nil {
		t.Fatalf("after the one-day tokens expired: %v", err)
	}
}

func TestRevokeToken(t *testing.T) {
	u := domain.NewUser("p1")
	evs, _ := u.IssueToken("t1", "", sum[:], 1, "x", time.Now())
	_ = u.Apply(evs[0])
	if _, err := u.RevokeToken("t9", "x", ""); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("unknown token: %v", err)
	}
	evs, err := u.RevokeToken("t1", "person:p1", "kadonnut")
	if err != nil || len(evs) != 1 || evs[0].(*v1.ApiTokenRevoked).GetReason() != "kadonnut" {
		t.Fatalf("revoke: %v %v", evs, err)
	}
	_ = u.Apply(evs[0])
	if evs, err := u.RevokeToken("t1", "x", ""); err != nil || len(evs) != 0 {
		t.Fatalf("revoking twice decides nothing: %v %v", evs, err)
	}
}

func TestSetRoles(t *testing.T) {
	u := domain.NewUser("p1")
	evs, err := u.SetRoles(false, true, "THL")
	if err != nil || len(evs) != 1 {
		t.Fatalf("%v %v", evs, err)
	}
	_ = u.Apply(evs[0])
	if !u.Auditor || u.Admin || u.Organisation != "THL" {
		t.Fatalf("state %+v", u)
	}
	if evs, _ := u.SetRoles(false, true, "THL"); len(evs) != 0 {
		t.Fatalf("the same roles again decide %v", evs)
	}
	if _, err := u.SetRoles(true, false, "131052-308T"); !isField(err, "organisation") {
		t.Fatalf("identity code: %v", err)
	}
}

func isField(err error, field string) bool {
	e, ok := err.(*domain.Error)
	return ok && e.Field == field
}
