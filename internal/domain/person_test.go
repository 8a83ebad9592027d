package domain_test

import (
	"testing"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

const personID = "3b241101-e2bb-4255-8caf-4136c566a962"

func TestForgetPerson(t *testing.T) {
	p := domain.NewPerson(personID)
	if err := p.CheckNotForgotten(); err != nil {
		t.Fatalf("a new person is not forgotten: %v", err)
	}
	for _, tc := range []struct{ reason, on, field string }{
		{"", "2026-11-24", "reason"},
		{"hetu 131052-308T", "2026-11-24", "reason"},
		{"pyyntö", "24.11.2026", "forgotten_on"},
	} {
		if _, err := p.Forget(tc.reason, tc.on); domain.ErrorCode(err) != domain.CodeInvalid {
			t.Errorf("Forget(%q, %q) = %v, want invalid %s", tc.reason, tc.on, err, tc.field)
		}
	}
	if _, err := domain.NewPerson("not-an-id").Forget("pyyntö", "2026-11-24"); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Errorf("forgetting a malformed id: %v", err)
	}
	events, err := p.Forget("Valitusaika päättynyt", "2026-11-24")
	if err != nil || len(events) != 1 {
		t.Fatalf("forget: %v %v", events, err)
	}
	e := events[0].(*v1.PersonForgotten)
	if e.GetPersonId() != personID || e.GetForgottenOn() != "2026-11-24" {
		t.Fatalf("event %v", e)
	}
	if err := p.Apply(e); err != nil {
		t.Fatal(err)
	}
	// Given forgotten: forgetting again decides nothing; seating again is refused.
	if again, err := p.Forget("uudelleen", "2026-11-25"); err != nil || len(again) != 0 {
		t.Fatalf("forgetting twice: %v %v", again, err)
	}
	if err := p.CheckNotForgotten(); domain.ErrorCode(err) != domain.CodeFailedPrecondition {
		t.Fatalf("a forgotten person seated again: %v", err)
	}
}
