package domain

import (
	"fmt"

	"google.golang.org/protobuf/proto"

	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// AggregatePerson is the aggregate type of people; its events (subject
// ohjaamo.person.<person id>) record only that a person was forgotten,
// never who they were: names and contact details live sealed in the
// membership events, and forgetting deletes the key that opens them.
const AggregatePerson = "person"

// Person is the state of one person aggregate.
type Person struct {
	ID                  string
	Forgotten           bool
	ForgottenOn, Reason string
}

// NewPerson is the empty state of person id.
func NewPerson(id string) *Person { return &Person{ID: id} }

// Clone returns a copy Apply can change.
func (p *Person) Clone() *Person { c := *p; return &c }

// Apply folds one event into the state.
func (p *Person) Apply(ev proto.Message) error {
	switch e := ev.(type) {
	case *v1.PersonForgotten:
		p.Forgotten, p.ForgottenOn, p.Reason = true, e.GetForgottenOn(), e.GetReason()
	default:
		return fmt.Errorf("person: unknown event %T", ev)
	}
	return nil
}

// Forget decides forgetting the person on day on (YYYY-MM-DD). Forgetting
// a forgotten person decides nothing: the caller answers the first result.
func (p *Person) Forget(reason, on string) ([]proto.Message, error) {
	if err := checkID("person_id", p.ID, true); err != nil {
		return nil, err
	}
	if err := checkText("reason", reason, true, 500); err != nil {
		return nil, err
	}
	if _, err := checkDate("forgotten_on", on, true); err != nil {
		return nil, err
	}
	if p.Forgotten {
		return nil, nil
	}
	return []proto.Message{&v1.PersonForgotten{PersonId: p.ID, Reason: reason, ForgottenOn: on}}, nil
}

// CheckNotForgotten refuses to seat a forgotten person again under the same
// id: their key is gone, and a new key would not open their old data.
func (p *Person) CheckNotForgotten() error {
	if p.Forgotten {
		return precondition("person_id", "this person was forgotten; add them again with a new person id",
			"henkilö on unohdettu; lisää hänet uudelleen uudella henkilötunnisteella")
	}
	return nil
}
