package api

import (
	"context"
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	"github.com/ohjaamo/ohjaamo/internal/eventstore"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	"github.com/ohjaamo/ohjaamo/projections"
)

// Personal data of members (name, e-mail) is stored sealed with a key per
// person, in the events, the read models and the hub alike; it is opened
// here, on the way out, and nowhere else. Once the person is forgotten
// their key is gone, and outputs show their role and organisation.

// shownPerson is a member's personal data as an output shows it.
type shownPerson struct {
	Name, Email string
	Forgotten   bool
}

// sealPersonal seals a member's name and e-mail with their key.
func (s *Server) sealPersonal(ctx context.Context, personID, name, email string) ([]byte, error) {
	plain, err := proto.Marshal(&v1.PersonalData{Name: name, Email: email})
	if err != nil {
		return nil, err
	}
	sealed, err := s.store.Keys().Seal(ctx, personID, plain)
	if errors.Is(err, eventstore.ErrForgotten) {
		return nil, &domain.Error{Code: domain.CodeFailedPrecondition, Field: "person_id", Message: "this person was forgotten; seat them as a new person",
			MessageFI: "tämä henkilö on unohdettu; lisää hänet uutena henkilönä"}
	}
	return sealed, err
}

// openPersonal opens sealed personal data; without it, name and email are
// the plaintext of an old event (blanked by the read models once the
// person is forgotten: a member always had a name).
func (s *Server) openPersonal(ctx context.Context, personID, name, email string, sealed []byte) (shownPerson, error) {
	if len(sealed) == 0 {
		return shownPerson{Name: name, Email: email, Forgotten: name == ""}, nil
	}
	plain, err := s.store.Keys().Open(ctx, personID, sealed)
	if errors.Is(err, eventstore.ErrForgotten) {
		return shownPerson{Forgotten: true}, nil
	}
	if err != nil {
		return shownPerson{}, fmt.Errorf("personal data of %s: %w", personID, err)
	}
	var pd v1.PersonalData
	if err := proto.Unmarshal(plain, &pd); err != nil {
		return shownPerson{}, fmt.Errorf("personal data of %s: %w", personID, err)
	}
	return shownPerson{Name: pd.GetName(), Email: pd.GetEmail()}, nil
}

// roleAndOrganisation is what shows in place of a forgotten person's name,
// e.g. "Sihteeri, Tampereen kaupunki".
func roleAndOrganisation(role v1.Role, organisation, lang string) string {
	label := upperFirst(minutesWords[lang].Roles[role])
	switch {
	case label == "":
		return organisation
	case organisation == "":
		return label
	}
	return label + ", " + organisation
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// Fields of output messages that name a member by membership id, found by
// name so that a new message of the same shape is covered too.
const (
	fieldMembershipID = "membership_id"
	fieldPersonName   = "person_name"
	fieldOrganisation = "organisation"
	fieldRecordedByID = "recorded_by_membership_id"
	fieldRecordedBy   = "recorded_by_name"
)

// showPeople fills in every member's name in msg from their sealed
// personal data: memberships (with e-mail, or forgotten), and messages that
// carry a membership_id with a person_name, or a recorded_by_membership_id
// with a recorded_by_name. A forgotten person's name is their role and
// organisation (the role only where the message has an organisation of its
// own beside the name). The read models never hold a name opened.
func (s *Server) showPeople(ctx context.Context, msg proto.Message) error {
	if msg == nil {
		return nil
	}
	var ids []string
	visit(msg.ProtoReflect(), func(m protoreflect.Message) {
		if mem, ok := m.Interface().(*v1.Membership); ok {
			ids = append(ids, mem.GetId())
			return
		}
		if id, _ := stringField(m, fieldMembershipID); id != "" {
			if _, ok := stringField(m, fieldPersonName); ok {
				ids = append(ids, id)
			}
		}
		if id, _ := stringField(m, fieldRecordedByID); id != "" {
			ids = append(ids, id)
		}
	})
	if len(ids) == 0 {
		return nil
	}
	seats, err := s.rt.Seats(ctx, ids)
	if err != nil {
		return err
	}
	shown := map[string]shownPerson{}
	show := func(id string) (shownPerson, projections.Seat, bool, error) {
		seat, ok := seats[id]
		if !ok {
			return shownPerson{}, seat, false, nil
		}
		if p, ok := shown[id]; ok {
			return p, seat, true, nil
		}
		p, err := s.openPersonal(ctx, seat.PersonID, seat.Name, seat.Email, seat.Sealed)
		shown[id] = p
		return p, seat, true, err
	}
	visit(msg.ProtoReflect(), func(m protoreflect.Message) {
		if err != nil {
			return
		}
		var p shownPerson
		var seat projections.Seat
		var ok bool
		if mem, isMem := m.Interface().(*v1.Membership); isMem {
			if p, seat, ok, err = show(mem.GetId()); ok && err == nil {
				mem.PersonName, mem.Forgotten = p.Name, p.Forgotten
				mem.Email = ""
				if seesEmails(callerOf(ctx), seat.GroupID) {
					mem.Email = p.Email
				}
			}
			return
		}
		name := func(ownOrganisation bool) string {
			if !p.Forgotten {
				return p.Name
			}
			if ownOrganisation {
				return roleAndOrganisation(seat.Role, "", "fi")
			}
			return roleAndOrganisation(seat.Role, seat.Organisation, "fi")
		}
		if id, _ := stringField(m, fieldMembershipID); id != "" {
			if _, has := stringField(m, fieldPersonName); has {
				if p, seat, ok, err = show(id); ok && err == nil {
					_, own := stringField(m, fieldOrganisation)
					setString(m, fieldPersonName, name(own))
				}
			}
		}
		if id, _ := stringField(m, fieldRecordedByID); id != "" && err == nil {
			if p, seat, ok, err = show(id); ok && err == nil {
				setString(m, fieldRecordedBy, name(false))
			}
		}
	})
	return err
}

// visit calls f on m and every message inside it.
func visit(m protoreflect.Message, f func(protoreflect.Message)) {
	f(m)
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList() && fd.Message() != nil:
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				visit(l.Get(i).Message(), f)
			}
		case fd.IsMap() && fd.MapValue().Message() != nil:
			v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
				visit(mv.Message(), f)
				return true
			})
		case !fd.IsList() && !fd.IsMap() && fd.Message() != nil:
			visit(v.Message(), f)
		}
		return true
	})
}

func stringField(m protoreflect.Message, name protoreflect.Name) (string, bool) {
	fd := m.Descriptor().Fields().ByName(name)
	if fd == nil || fd.Kind() != protoreflect.StringKind || fd.IsList() {
		return "", false
	}
	return m.Get(fd).String(), true
}

func setString(m protoreflect.Message, name protoreflect.Name, v string) {
	if fd := m.Descriptor().Fields().ByName(name); fd != nil {
		m.Set(fd, protoreflect.ValueOfString(v))
	}
}

// peopleInterceptor shows members' names in every unary answer, so no
// handler can forget to (or show a forgotten person's name).
func peopleInterceptor(s *Server) connect.UnaryInterceptorFunc {
	return func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			res, err := next(ctx, req)
			if err != nil || res == nil {
				return res, err
			}
			if msg, ok := res.Any().(proto.Message); ok {
				if err := s.showPeople(ctx, msg); err != nil {
					return nil, err
				}
			}
			return res, nil
		}
	}
}

// forgottenCheck refuses to seat a forgotten person again under their id.
func (s *Server) forgottenCheck(ctx context.Context, personID string) error {
	if !domain.ValidID(personID) {
		return nil // a new person, or a malformed id the domain names
	}
	p, _, err := s.people.Get(ctx, personID)
	if err != nil {
		return err
	}
	return p.CheckNotForgotten()
}

// Keys is the key store of personal data (tests read a key through it
// before forgetting, to look for its bytes on disk afterwards).
func (a *App) Keys() *eventstore.Keys { return a.store.Keys() }
