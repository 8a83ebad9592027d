package domain_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// Ids of a small network: one provincial group, two regional groups under it
// and a local group under each regional group.
const (
	provID       = "00000000-0000-4000-8000-000000000001"
	regID        = "00000000-0000-4000-8000-000000000002"
	localID      = "00000000-0000-4000-8000-000000000003"
	otherRegID   = "00000000-0000-4000-8000-000000000004"
	otherLocalID = "00000000-0000-4000-8000-000000000005"
	newID        = "00000000-0000-4000-8000-0000000000ff" // the group a test creates

	person1 = "00000000-0000-4000-8000-0000000000a1"
	person2 = "00000000-0000-4000-8000-0000000000a2"
	person3 = "00000000-0000-4000-8000-0000000000a3"

	// validHetu is a valid henkilötunnus (131052308 mod 31 = 25 → "T"),
	// the example the Digital and Population Data Services Agency uses.
	validHetu = "131052-308T"
)

// given builds the state of a group from its past events, as the event store
// would. The group's id is taken from a leading GroupCreated.
func given(t *testing.T, events ...proto.Message) *domain.Group {
	t.Helper()
	id := newID
	if len(events) > 0 {
		if c, ok := events[0].(*v1.GroupCreated); ok {
			id = c.GetGroupId()
		}
	}
	g := domain.NewGroup(id)
	for i, ev := range events {
		if err := g.Apply(ev); err != nil {
			t.Fatalf("given event %d (%T): %v", i, ev, err)
		}
	}
	return g
}

// thenEvents fails unless the command decided exactly want.
func thenEvents(t *testing.T, got []proto.Message, err error, want ...proto.Message) {
	t.Helper()
	if err != nil {
		t.Fatalf("want %d event(s), got error %v", len(want), err)
	}
	if len(got) != len(want) {
		t.Fatalf("want %d event(s) %v, got %d: %v", len(want), want, len(got), got)
	}
	for i := range want {
		if !proto.Equal(got[i], want[i]) {
			t.Errorf("event %d:\n got %T %v\nwant %T %v", i, got[i], got[i], want[i], want[i])
		}
	}
}

// thenError fails unless the command was refused with an *Error of code on field.
func thenError(t *testing.T, got []proto.Message, err error, code domain.Code, field string) {
	t.Helper()
	var e *domain.Error
	if !errors.As(err, &e) {
		t.Fatalf("want *domain.Error %s on %q, got error %v and events %v", code, field, err, got)
	}
	if e.Code != code || e.Field != field {
		t.Fatalf("want %s on %q, got %s on %q (%v)", code, field, e.Code, e.Field, e)
	}
	if e.Message == "" || e.MessageFI == "" {
		t.Errorf("error %v lacks its English or Finnish message: %+v", e, e)
	}
	if len(got) != 0 {
		t.Errorf("events decided alongside an error: %v", got)
	}
}

func name(fi string) *v1.LocalizedName { return &v1.LocalizedName{Fi: fi} }

func provincialCreated() *v1.GroupCreated {
	return &v1.GroupCreated{GroupId: provID, Name: name("Pirkanmaan maakunnallinen ohjausryhmä"),
		Level: v1.Level_LEVEL_PROVINCIAL, WellbeingCounty: "Pirkanmaa", Mode: v1.GroupMode_GROUP_MODE_MINUTES}
}

func regionalCreated(id string) *v1.GroupCreated {
	return &v1.GroupCreated{GroupId: id, Name: name("Eteläisen alueen koordinaatioryhmä"),
		Level: v1.Level_LEVEL_REGIONAL, ParentId: provID, WellbeingCounty: "Pirkanmaa", Mode: v1.GroupMode_GROUP_MODE_MINUTES}
}

func localCreated(id, parent string) *v1.GroupCreated {
	return &v1.GroupCreated{GroupId: id, Name: name("Perhekeskuksen ohjausryhmä"),
		Level: v1.Level_LEVEL_LOCAL, ParentId: parent, WellbeingCounty: "Pirkanmaa",
		Municipalities: []string{"837"}, Mode: v1.GroupMode_GROUP_MODE_MEMO}
}

func ptr[T any](v T) *T { return &v }

// ---- Create ----

func TestCreateProvincialGroup(t *testing.T) {
	g := given(t)
	got, err := g.Create(domain.CreateGroup{
		Name:  &v1.LocalizedName{Fi: "Pirkanmaan maakunnallinen ohjausryhmä", Sv: "Birkalands styrgrupp", En: "Pirkanmaa steering group"},
		Level: v1.Level_LEVEL_PROVINCIAL, County: "Pirkanmaa",
	}, nil)
	thenEvents(t, got, err, &v1.GroupCreated{
		GroupId: newID,
		Name:    &v1.LocalizedName{Fi: "Pirkanmaan maakunnallinen ohjausryhmä", Sv: "Birkalands styrgrupp", En: "Pirkanmaa steering group"},
		Level:   v1.Level_LEVEL_PROVINCIAL, WellbeingCounty: "Pirkanmaa",
		Mode: v1.GroupMode_GROUP_MODE_MINUTES, // defaulted
	})

	// And the decided event folds into the state.
	if err := g.Apply(got[0]); err != nil {
		t.Fatal(err)
	}
	if !g.Created || g.Level != v1.Level_LEVEL_PROVINCIAL || g.County != "Pirkanmaa" || g.ParentID != "" || g.Mode != v1.GroupMode_GROUP_MODE_MINUTES {
		t.Errorf("state after GroupCreated: %+v", g)
	}
}

func TestCreateChildGroups(t *testing.T) {
	tests := []struct {
		name   string
		cmd    domain.CreateGroup
		parent *domain.Group
		want   *v1.GroupCreated
	}{{
		name:   "regional under provincial",
		cmd:    domain.CreateGroup{Name: name("Alue"), Level: v1.Level_LEVEL_REGIONAL, ParentID: provID, County: "Pirkanmaa"},
		parent: given(t, provincialCreated()),
		want: &v1.GroupCreated{GroupId: newID, Name: name("Alue"), Level: v1.Level_LEVEL_REGIONAL, ParentId: provID,
			WellbeingCounty: "Pirkanmaa", Mode: v1.GroupMode_GROUP_MODE_MINUTES},
	}, {
		name:   "regional inherits the county when empty",
		cmd:    domain.CreateGroup{Name: name("Alue"), Level: v1.Level_LEVEL_REGIONAL, ParentID: provID},
		parent: given(t, provincialCreated()),
		want: &v1.GroupCreated{GroupId: newID, Name: name("Alue"), Level: v1.Level_LEVEL_REGIONAL, ParentId: provID,
			WellbeingCounty: "Pirkanmaa", Mode: v1.GroupMode_GROUP_MODE_MINUTES},
	}, {
		name:   "local under regional, county inherited, memo mode kept",
		cmd:    domain.CreateGroup{Name: name("Perhekeskus"), Level: v1.Level_LEVEL_LOCAL, ParentID: regID, Municipalities: []string{"837", "536"}, Mode: v1.GroupMode_GROUP_MODE_MEMO},
		parent: given(t, regionalCreated(regID)),
		want: &v1.GroupCreated{GroupId: newID, Name: name("Perhekeskus"), Level: v1.Level_LEVEL_LOCAL, ParentId: regID,
			WellbeingCounty: "Pirkanmaa", Municipalities: []string{"837", "536"}, Mode: v1.GroupMode_GROUP_MODE_MEMO},
	}, {
		name:   "regional may list municipalities but need not",
		cmd:    domain.CreateGroup{Name: name("Alue"), Level: v1.Level_LEVEL_REGIONAL, ParentID: provID, Municipalities: []string{"020"}},
		parent: given(t, provincialCreated()),
		want: &v1.GroupCreated{GroupId: newID, Name: name("Alue"), Level: v1.Level_LEVEL_REGIONAL, ParentId: provID,
			WellbeingCounty: "Pirkanmaa", Municipalities: []string{"020"}, Mode: v1.GroupMode_GROUP_MODE_MINUTES},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := given(t).Create(tt.cmd, tt.parent)
			thenEvents(t, got, err, tt.want)
		})
	}
}

func TestCreateRefused(t *testing.T) {
	prov := func(t *testing.T) *domain.Group { return given(t, provincialCreated()) }
	reg := func(t *testing.T) *domain.Group { return given(t, regionalCreated(regID)) }
	loc := func(t *testing.T) *domain.Group { return given(t, localCreated(localID, regID)) }
	none := func(*testing.T) *domain.Group { return nil }
	long := strings.Repeat("ä", 201)

	tests := []struct {
		name   string
		cmd    domain.CreateGroup
		parent func(*testing.T) *domain.Group
		code   domain.Code
		field  string
	}{
		// Levels and parents.
		{"provincial refuses a parent", domain.CreateGroup{Name: name("M"), Level: v1.Level_LEVEL_PROVINCIAL, ParentID: provID, County: "Pirkanmaa"}, prov, domain.CodeInvalid, "parent_id"},
		{"regional without parent_id", domain.CreateGroup{Name: name("A"), Level: v1.Level_LEVEL_REGIONAL, County: "Pirkanmaa"}, none, domain.CodeInvalid, "parent_id"},
		{"local without parent_id", domain.CreateGroup{Name: name("P"), Level: v1.Level_LEVEL_LOCAL, County: "Pirkanmaa", Municipalities: []string{"837"}}, none, domain.CodeInvalid, "parent_id"},
		{"parent_id not an id", domain.CreateGroup{Name: name("A"), Level: v1.Level_LEVEL_REGIONAL, ParentID: "pirkanmaa"}, prov, domain.CodeInvalid, "parent_id"},
		{"parent_id in upper case", domain.CreateGroup{Name: name("A"), Level: v1.Level_LEVEL_REGIONAL, ParentID: strings.ToUpper("0000000a-0000-4000-8000-000000000001")}, prov, domain.CodeInvalid, "parent_id"},
		{"regional, parent missing", domain.CreateGroup{Name: name("A"), Level: v1.Level_LEVEL_REGIONAL, ParentID: provID}, none, domain.CodeNotFound, "parent_id"},
		{"regional, parent never created", domain.CreateGroup{Name: name("A"), Level: v1.Level_LEVEL_REGIONAL, ParentID: provID}, func(*testing.T) *domain.Group { return domain.NewGroup(provID) }, domain.CodeNotFound, "parent_id"},
		{"local, parent missing", domain.CreateGroup{Name: name("P"), Level: v1.Level_LEVEL_LOCAL, ParentID: regID, Municipalities: []string{"837"}}, none, domain.CodeNotFound, "parent_id"},
		{"local under provincial", domain.CreateGroup{Name: name("P"), Level: v1.Level_LEVEL_LOCAL, ParentID: provID, Municipalities: []string{"837"}}, prov, domain.CodeFailedPrecondition, "parent_id"},
		{"local under local", domain.CreateGroup{Name: name("P"), Level: v1.Level_LEVEL_LOCAL, ParentID: localID, Municipalities: []string{"837"}}, loc, domain.CodeFailedPrecondition, "parent_id"},
		{"regional under regional", domain.CreateGroup{Name: name("A"), Level: v1.Level_LEVEL_REGIONAL, ParentID: regID}, reg, domain.CodeFailedPrecondition, "parent_id"},
		{"regional under local", domain.CreateGroup{Name: name("A"), Level: v1.Level_LEVEL_REGIONAL, ParentID: localID}, loc, domain.CodeFailedPrecondition, "parent_id"},
		{"level unspecified", domain.CreateGroup{Name: name("A"), County: "Pirkanmaa"}, none, domain.CodeInvalid, "level"},
		{"level unknown", domain.CreateGroup{Name: name("A"), Level: v1.Level(9), County: "Pirkanmaa"}, none, domain.CodeInvalid, "level"},

		// Wellbeing county.
		{"provincial without county", domain.CreateGroup{Name: name("M"), Level: v1.Level_LEVEL_PROVINCIAL}, none, domain.CodeInvalid, "wellbeing_county"},
		{"provincial with blank county", domain.CreateGroup{Name: name("M"), Level: v1.Level_LEVEL_PROVINCIAL, County: "  "}, none, domain.CodeInvalid, "wellbeing_county"},
		{"provincial with too long county", domain.CreateGroup{Name: name("M"), Level: v1.Level_LEVEL_PROVINCIAL, County: strings.Repeat("x", 121)}, none, domain.CodeInvalid, "wellbeing_county"},
		{"regional with another county", domain.CreateGroup{Name: name("A"), Level: v1.Level_LEVEL_REGIONAL, ParentID: provID, County: "Satakunta"}, prov, domain.CodeFailedPrecondition, "wellbeing_county"},
		{"local with another county", domain.CreateGroup{Name: name("P"), Level: v1.Level_LEVEL_LOCAL, ParentID: regID, County: "Satakunta", Municipalities: []string{"837"}}, reg, domain.CodeFailedPrecondition, "wellbeing_county"},

		// Municipalities.
		{"local without municipalities", domain.CreateGroup{Name: name("P"), Level: v1.Level_LEVEL_LOCAL, ParentID: regID}, reg, domain.CodeInvalid, "municipalities"},
		{"local with empty municipality list", domain.CreateGroup{Name: name("P"), Level: v1.Level_LEVEL_LOCAL, ParentID: regID, Municipalities: []string{}}, reg, domain.CodeInvalid, "municipalities"},
		{"two-digit code", domain.CreateGroup{Name: name("P"), Level: v1.Level_LEVEL_LOCAL, ParentID: regID, Municipalities: []string{"837", "20"}}, reg, domain.CodeInvalid, "municipalities[1]"},
		{"four-digit code", domain.CreateGroup{Name: name("P"), Level: v1.Level_LEVEL_LOCAL, ParentID: regID, Municipalities: []string{"0837"}}, reg, domain.CodeInvalid, "municipalities[0]"},
		{"letters in code", domain.CreateGroup{Name: name("P"), Level: v1.Level_LEVEL_LOCAL, ParentID: regID, Municipalities: []string{"837", "536", "83a"}}, reg, domain.CodeInvalid, "municipalities[2]"},
		{"non-ASCII digits", domain.CreateGroup{Name: name("P"), Level: v1.Level_LEVEL_LOCAL, ParentID: regID, Municipalities: []string{"٨٣٧"}}, reg, domain.CodeInvalid, "municipalities[0]"},
		{"trailing newline", domain.CreateGroup{Name: name("P"), Level: v1.Level_LEVEL_LOCAL, ParentID: regID, Municipalities: []string{"837\n"}}, reg, domain.CodeInvalid, "municipalities[0]"},
		{"empty code", domain.CreateGroup{Name: name("P"), Level: v1.Level_LEVEL_LOCAL, ParentID: regID, Municipalities: []string{""}}, reg, domain.CodeInvalid, "municipalities[0]"},
		{"code listed twice", domain.CreateGroup{Name: name("P"), Level: v1.Level_LEVEL_LOCAL, ParentID: regID, Municipalities: []string{"837", "536", "837"}}, reg, domain.CodeInvalid, "municipalities[2]"},
		{"bad code in a provincial group", domain.CreateGroup{Name: name("M"), Level: v1.Level_LEVEL_PROVINCIAL, County: "Pirkanmaa", Municipalities: []string{"Tampere"}}, none, domain.CodeInvalid, "municipalities[0]"},

		// Name.
		{"no name", domain.CreateGroup{Level: v1.Level_LEVEL_PROVINCIAL, County: "Pirkanmaa"}, none, domain.CodeInvalid, "name.fi"},
		{"name without Finnish", domain.CreateGroup{Name: &v1.LocalizedName{Sv: "Styrgrupp", En: "Steering group"}, Level: v1.Level_LEVEL_PROVINCIAL, County: "Pirkanmaa"}, none, domain.CodeInvalid, "name.fi"},
		{"blank Finnish name", domain.CreateGroup{Name: name(" \t "), Level: v1.Level_LEVEL_PROVINCIAL, County: "Pirkanmaa"}, none, domain.CodeInvalid, "name.fi"},
		{"Finnish name of 201 characters", domain.CreateGroup{Name: name(long), Level: v1.Level_LEVEL_PROVINCIAL, County: "Pirkanmaa"}, none, domain.CodeInvalid, "name.fi"},
		{"Swedish name of 201 characters", domain.CreateGroup{Name: &v1.LocalizedName{Fi: "Ryhmä", Sv: long}, Level: v1.Level_LEVEL_PROVINCIAL, County: "Pirkanmaa"}, none, domain.CodeInvalid, "name.sv"},
		{"English name of 201 characters", domain.CreateGroup{Name: &v1.LocalizedName{Fi: "Ryhmä", En: long}, Level: v1.Level_LEVEL_PROVINCIAL, County: "Pirkanmaa"}, none, domain.CodeInvalid, "name.en"},
		{"name not UTF-8", domain.CreateGroup{Name: name("Ryhm\xe4"), Level: v1.Level_LEVEL_PROVINCIAL, County: "Pirkanmaa"}, none, domain.CodeInvalid, "name.fi"},
		{"identity code in the name", domain.CreateGroup{Name: name("Ryhmä " + validHetu), Level: v1.Level_LEVEL_PROVINCIAL, County: "Pirkanmaa"}, none, domain.CodeInvalid, "name.fi"},

		// Mode.
		{"unknown mode", domain.CreateGroup{Name: name("M"), Level: v1.Level_LEVEL_PROVINCIAL, County: "Pirkanmaa", Mode: v1.GroupMode(3)}, none, domain.CodeInvalid, "mode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := given(t).Create(tt.cmd, tt.parent(t))
			thenError(t, got, err, tt.code, tt.field)
		})
	}
}

func TestCreateNameLengthCountsCharacters(t *testing.T) {
	// 200 characters is the limit, counted in characters (runes), not bytes:
	// 200 × "ä" is 400 bytes and still fits.
	fi := strings.Repeat("ä", 200)
	got, err := given(t).Create(domain.CreateGroup{Name: name(fi), Level: v1.Level_LEVEL_PROVINCIAL, County: "Pirkanmaa"}, nil)
	thenEvents(t, got, err, &v1.GroupCreated{GroupId: newID, Name: name(fi), Level: v1.Level_LEVEL_PROVINCIAL,
		WellbeingCounty: "Pirkanmaa", Mode: v1.GroupMode_GROUP_MODE_MINUTES})
}

func TestCreateTwice(t *testing.T) {
	g := given(t, provincialCreated())
	got, err := g.Create(domain.CreateGroup{Name: name("Uudestaan"), Level: v1.Level_LEVEL_PROVINCIAL, County: "Pirkanmaa"}, nil)
	thenError(t, got, err, domain.CodeAlreadyExists, "group_id")
}

// The network has no cycles because a parent is always exactly one level up
// and a provincial group has none: walking up, the level strictly rises, so
// no group can be its own ancestor. This checks every pairing of levels.
func TestCreateLevelsRuleOutCycles(t *testing.T) {
	levels := []v1.Level{v1.Level_LEVEL_LOCAL, v1.Level_LEVEL_REGIONAL, v1.Level_LEVEL_PROVINCIAL}
	accepted := 0
	for _, child := range levels {
		for _, parentLevel := range levels {
			t.Run(fmt.Sprintf("%s under %s", child, parentLevel), func(t *testing.T) {
				parent := given(t, &v1.GroupCreated{GroupId: provID, Name: name("Yläryhmä"), Level: parentLevel,
					WellbeingCounty: "Pirkanmaa", Municipalities: []string{"837"}})
				got, err := given(t).Create(domain.CreateGroup{Name: name("Ryhmä"), Level: child, ParentID: provID,
					Municipalities: []string{"837"}}, parent)
				if parentLevel == child+1 {
					accepted++
					if err != nil {
						t.Fatalf("a %s group under a %s group was refused: %v", child, parentLevel, err)
					}
					if ev := got[0].(*v1.GroupCreated); ev.GetLevel() >= parentLevel {
						t.Errorf("parent level %s does not rise above child level %s", parentLevel, ev.GetLevel())
					}
					return
				}
				want := domain.CodeFailedPrecondition
				if child == v1.Level_LEVEL_PROVINCIAL {
					want = domain.CodeInvalid // a provincial group has no parent at all
				}
				thenError(t, got, err, want, "parent_id")
			})
		}
	}
	if accepted != 2 {
		t.Errorf("%d level pairings accepted, want exactly 2 (local→regional, regional→provincial)", accepted)
	}
}

func TestCreateCannotNameItselfOrItsDescendantAsParent(t *testing.T) {
	// A group naming itself as parent: it does not exist yet.
	self := given(t)
	got, err := self.Create(domain.CreateGroup{Name: name("Itse"), Level: v1.Level_LEVEL_REGIONAL, ParentID: newID}, self)
	thenError(t, got, err, domain.CodeNotFound, "parent_id")

	// A regional group under the local group of another regional group
	// (which would close a loop regional → local → regional) is refused.
	got, err = given(t).Create(domain.CreateGroup{Name: name("Silmukka"), Level: v1.Level_LEVEL_REGIONAL, ParentID: localID},
		given(t, localCreated(localID, regID)))
	thenError(t, got, err, domain.CodeFailedPrecondition, "parent_id")
}

// ---- Rename ----

func TestRename(t *testing.T) {
	g := given(t, provincialCreated())
	newName := &v1.LocalizedName{Fi: "Pirkanmaan perhekeskusten ohjausryhmä", Sv: "Birkaland"}
	got, err := g.Rename(newName)
	thenEvents(t, got, err, &v1.GroupRenamed{Name: &v1.LocalizedName{Fi: "Pirkanmaan perhekeskusten ohjausryhmä", Sv: "Birkaland"}})
	if err := g.Apply(got[0]); err != nil {
		t.Fatal(err)
	}
	if g.Name.GetFi() != "Pirkanmaan perhekeskusten ohjausryhmä" {
		t.Errorf("name after GroupRenamed = %v", g.Name)
	}
}

func TestRenameToSameNameDecidesNothing(t *testing.T) {
	g := given(t, provincialCreated())
	got, err := g.Rename(name("Pirkanmaan maakunnallinen ohjausryhmä"))
	thenEvents(t, got, err)
}

func TestRenameRefused(t *testing.T) {
	got, err := given(t).Rename(name("Ei ole"))
	thenError(t, got, err, domain.CodeNotFound, "group_id")

	got, err = given(t, provincialCreated()).Rename(&v1.LocalizedName{En: "English only"})
	thenError(t, got, err, domain.CodeInvalid, "name.fi")

	got, err = given(t, provincialCreated()).Rename(name(strings.Repeat("x", 201)))
	thenError(t, got, err, domain.CodeInvalid, "name.fi")
}

// ---- AddMember ----

// baseMember is a valid command to seat a member in the regional group.
func baseMember() domain.AddMember {
	return domain.AddMember{
		MembershipID: "m1", PersonID: person1, PersonName: "Maija Meikäläinen", Email: "maija.meikalainen@example.fi",
		Organisation: "Tampereen kaupunki", ActorType: v1.ActorType_ACTOR_TYPE_MUNICIPALITY, Role: v1.Role_ROLE_MEMBER,
		TermStart: "2025-01-01", TermEnd: "2026-12-31",
	}
}

func memberAdded(id, person string, role v1.Role, start, end string) *v1.MemberAdded {
	return &v1.MemberAdded{MembershipId: id, PersonId: person, PersonName: "Henkilö " + id, Organisation: "Järjestö ry",
		ActorType: v1.ActorType_ACTOR_TYPE_NGO, Role: role, TermStart: start, TermEnd: end}
}

func TestAddMember(t *testing.T) {
	g := given(t, regionalCreated(regID))
	got, err := g.AddMember(baseMember(), nil)
	thenEvents(t, got, err, &v1.MemberAdded{
		MembershipId: "m1", PersonId: person1, PersonName: "Maija Meikäläinen", Email: "maija.meikalainen@example.fi",
		Organisation: "Tampereen kaupunki", ActorType: v1.ActorType_ACTOR_TYPE_MUNICIPALITY, Role: v1.Role_ROLE_MEMBER,
		TermStart: "2025-01-01", TermEnd: "2026-12-31",
	})
	if len(g.Memberships()) != 0 {
		t.Fatalf("deciding changed the state: %v", g.Memberships())
	}
	if err := g.Apply(got[0]); err != nil {
		t.Fatal(err)
	}
	if a := g.ActiveMembers(); len(a) != 1 || a[0].PersonName != "Maija Meikäläinen" || a[0].Role != v1.Role_ROLE_MEMBER {
		t.Errorf("active members after MemberAdded: %+v", a)
	}
}

func TestAddMemberAccepts(t *testing.T) {
	tests := []struct {
		name string
		edit func(*domain.AddMember)
	}{
		{"no e-mail", func(c *domain.AddMember) { c.Email = "" }},
		{"open-ended term", func(c *domain.AddMember) { c.TermEnd = "" }},
		{"one-day term", func(c *domain.AddMember) { c.TermEnd = c.TermStart }},
		{"long name of 200 characters", func(c *domain.AddMember) { c.PersonName = strings.Repeat("Ö", 200) }},
		{"expert by experience", func(c *domain.AddMember) {
			c.ActorType, c.Role = v1.ActorType_ACTOR_TYPE_EXPERT_BY_EXPERIENCE, v1.Role_ROLE_FAMILY_REPRESENTATIVE
		}},
		{"organisation with digits that are no identity code", func(c *domain.AddMember) { c.Organisation = "As Oy 131052-3081" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := baseMember()
			tt.edit(&cmd)
			got, err := given(t, regionalCreated(regID)).AddMember(cmd, nil)
			if err != nil || len(got) != 1 {
				t.Fatalf("refused: %v (events %v)", err, got)
			}
			if ev := got[0].(*v1.MemberAdded); ev.GetPersonName() != cmd.PersonName || ev.GetTermEnd() != cmd.TermEnd || ev.GetEmail() != cmd.Email {
				t.Errorf("event %v does not carry the command %+v", ev, cmd)
			}
		})
	}
}

func TestAddMemberRefused(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*domain.AddMember)
		code  domain.Code
		field string
	}{
		{"no person id", func(c *domain.AddMember) { c.PersonID = "" }, domain.CodeInvalid, "person_id"},
		{"person id not an id", func(c *domain.AddMember) { c.PersonID = "maija" }, domain.CodeInvalid, "person_id"},
		{"no name", func(c *domain.AddMember) { c.PersonName = "" }, domain.CodeInvalid, "person_name"},
		{"blank name", func(c *domain.AddMember) { c.PersonName = "   " }, domain.CodeInvalid, "person_name"},
		{"name too long", func(c *domain.AddMember) { c.PersonName = strings.Repeat("Ö", 201) }, domain.CodeInvalid, "person_name"},
		{"identity code in the name", func(c *domain.AddMember) { c.PersonName = "Maija Meikäläinen " + validHetu }, domain.CodeInvalid, "person_name"},
		{"identity code in lower case in the name", func(c *domain.AddMember) { c.PersonName = "Maija (" + strings.ToLower(validHetu) + ")" }, domain.CodeInvalid, "person_name"},
		{"no organisation", func(c *domain.AddMember) { c.Organisation = "" }, domain.CodeInvalid, "organisation"},
		{"organisation too long", func(c *domain.AddMember) { c.Organisation = strings.Repeat("o", 201) }, domain.CodeInvalid, "organisation"},
		{"identity code in the organisation", func(c *domain.AddMember) { c.Organisation = "Perheyhdistys, yhteyshlö " + validHetu }, domain.CodeInvalid, "organisation"},
		{"not an e-mail", func(c *domain.AddMember) { c.Email = "maija at example.fi" }, domain.CodeInvalid, "email"},
		{"e-mail with a display name", func(c *domain.AddMember) { c.Email = "Maija <maija@example.fi>" }, domain.CodeInvalid, "email"},
		{"e-mail with spaces around", func(c *domain.AddMember) { c.Email = " maija@example.fi " }, domain.CodeInvalid, "email"},
		{"e-mail without @", func(c *domain.AddMember) { c.Email = "example.fi" }, domain.CodeInvalid, "email"},
		{"e-mail too long", func(c *domain.AddMember) { c.Email = strings.Repeat("a", 64) + "@" + strings.Repeat("b", 190) + ".fi" }, domain.CodeInvalid, "email"},
		{"actor type unspecified", func(c *domain.AddMember) { c.ActorType = v1.ActorType_ACTOR_TYPE_UNSPECIFIED }, domain.CodeInvalid, "actor_type"},
		{"actor type unknown", func(c *domain.AddMember) { c.ActorType = v1.ActorType(42) }, domain.CodeInvalid, "actor_type"},
		{"role unspecified", func(c *domain.AddMember) { c.Role = v1.Role_ROLE_UNSPECIFIED }, domain.CodeInvalid, "role"},
		{"role unknown", func(c *domain.AddMember) { c.Role = v1.Role(8) }, domain.CodeInvalid, "role"},
		{"no term start", func(c *domain.AddMember) { c.TermStart = "" }, domain.CodeInvalid, "term_start"},
		{"term start not ISO", func(c *domain.AddMember) { c.TermStart = "1.1.2025" }, domain.CodeInvalid, "term_start"},
		{"term start impossible", func(c *domain.AddMember) { c.TermStart = "2025-02-30" }, domain.CodeInvalid, "term_start"},
		{"term end not ISO", func(c *domain.AddMember) { c.TermEnd = "2026-12" }, domain.CodeInvalid, "term_end"},
		{"term end before start", func(c *domain.AddMember) { c.TermEnd = "2024-12-31" }, domain.CodeInvalid, "term_end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := baseMember()
			tt.edit(&cmd)
			got, err := given(t, regionalCreated(regID)).AddMember(cmd, nil)
			thenError(t, got, err, tt.code, tt.field)
		})
	}
}

func TestAddMemberToMissingGroup(t *testing.T) {
	got, err := given(t).AddMember(baseMember(), nil)
	thenError(t, got, err, domain.CodeNotFound, "group_id")
}

func TestAddMemberTwice(t *testing.T) {
	g := given(t, regionalCreated(regID), memberAdded("m1", person1, v1.Role_ROLE_MEMBER, "2025-01-01", ""))
	got, err := g.AddMember(baseMember(), nil)
	thenError(t, got, err, domain.CodeAlreadyExists, "membership_id")
}

func TestAddMemberRepresentingAChildGroup(t *testing.T) {
	cmd := baseMember()
	cmd.Represents = localID
	got, err := given(t, regionalCreated(regID)).AddMember(cmd, given(t, localCreated(localID, regID)))
	if err != nil || len(got) != 1 {
		t.Fatalf("refused: %v", err)
	}
	if r := got[0].(*v1.MemberAdded).GetRepresentsGroupId(); r != localID {
		t.Errorf("represents_group_id = %q, want %q", r, localID)
	}
}

func TestAddMemberRepresentationRefused(t *testing.T) {
	tests := []struct {
		name        string
		represents  string
		represented func(*testing.T) *domain.Group
		code        domain.Code
		field       string
	}{
		{"not an id", "perhekeskus", func(*testing.T) *domain.Group { return nil }, domain.CodeInvalid, "represents_group_id"},
		{"missing group", localID, func(*testing.T) *domain.Group { return nil }, domain.CodeNotFound, "represents_group_id"},
		{"group never created", localID, func(*testing.T) *domain.Group { return domain.NewGroup(localID) }, domain.CodeNotFound, "represents_group_id"},
		{"the parent group", provID, func(t *testing.T) *domain.Group { return given(t, provincialCreated()) }, domain.CodeFailedPrecondition, "represents_group_id"},
		{"the group itself", regID, func(t *testing.T) *domain.Group { return given(t, regionalCreated(regID)) }, domain.CodeFailedPrecondition, "represents_group_id"},
		{"a sibling group", otherRegID, func(t *testing.T) *domain.Group { return given(t, regionalCreated(otherRegID)) }, domain.CodeFailedPrecondition, "represents_group_id"},
		{"another group's child", otherLocalID, func(t *testing.T) *domain.Group { return given(t, localCreated(otherLocalID, otherRegID)) }, domain.CodeFailedPrecondition, "represents_group_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := baseMember()
			cmd.Represents = tt.represents
			got, err := given(t, regionalCreated(regID)).AddMember(cmd, tt.represented(t))
			thenError(t, got, err, tt.code, tt.field)
		})
	}
}

// At most one chair and one secretary at a time: a second one is refused
// when the terms overlap (both ends inclusive; an empty end is open).
func TestAddMemberOneChairAndOneSecretaryAtATime(t *testing.T) {
	chair, secretary := v1.Role_ROLE_CHAIR, v1.Role_ROLE_SECRETARY
	tests := []struct {
		name       string
		existing   []proto.Message
		role       v1.Role
		start, end string
		refused    bool
	}{
		{"chair during the chair's term", []proto.Message{memberAdded("old", person2, chair, "2023-01-01", "2024-12-31")}, chair, "2024-06-01", "2026-12-31", true},
		{"chair starting the day the old term ends", []proto.Message{memberAdded("old", person2, chair, "2023-01-01", "2024-12-31")}, chair, "2024-12-31", "", true},
		{"chair whose term contains the old one", []proto.Message{memberAdded("old", person2, chair, "2023-01-01", "2024-12-31")}, chair, "2022-01-01", "2025-12-31", true},
		{"open-ended chair before an open-ended one", []proto.Message{memberAdded("old", person2, chair, "2023-01-01", "")}, chair, "2020-01-01", "", true},
		{"chair years after an open-ended chair", []proto.Message{memberAdded("old", person2, chair, "2023-01-01", "")}, chair, "2030-01-01", "2031-12-31", true},
		{"chair after the old term ended", []proto.Message{memberAdded("old", person2, chair, "2023-01-01", "2024-12-31")}, chair, "2025-01-01", "", false},
		{"chair before the old term started", []proto.Message{memberAdded("old", person2, chair, "2023-01-01", "")}, chair, "2021-01-01", "2022-12-31", false},
		{"chair after the old chair's membership ended", []proto.Message{
			memberAdded("old", person2, chair, "2023-01-01", ""),
			&v1.MemberEnded{MembershipId: "old", EndedOn: "2024-06-30"},
		}, chair, "2024-07-01", "", false},
		{"secretary during the secretary's term", []proto.Message{memberAdded("old", person2, secretary, "2025-01-01", "2026-12-31")}, secretary, "2026-01-01", "", true},
		{"secretary after the old term ended", []proto.Message{memberAdded("old", person2, secretary, "2023-01-01", "2024-12-31")}, secretary, "2025-01-01", "2026-12-31", false},
		{"secretary beside a chair", []proto.Message{memberAdded("old", person2, chair, "2025-01-01", "")}, secretary, "2025-01-01", "", false},
		{"chair beside a secretary", []proto.Message{memberAdded("old", person2, secretary, "2025-01-01", "")}, chair, "2025-01-01", "", false},
		{"two vice-chairs", []proto.Message{memberAdded("old", person2, v1.Role_ROLE_VICE_CHAIR, "2025-01-01", "")}, v1.Role_ROLE_VICE_CHAIR, "2025-01-01", "", false},
		{"many members", []proto.Message{
			memberAdded("a", person2, v1.Role_ROLE_MEMBER, "2025-01-01", ""),
			memberAdded("b", person3, v1.Role_ROLE_MEMBER, "2025-01-01", ""),
		}, v1.Role_ROLE_MEMBER, "2025-01-01", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := given(t, append([]proto.Message{regionalCreated(regID)}, tt.existing...)...)
			cmd := baseMember()
			cmd.Role, cmd.TermStart, cmd.TermEnd = tt.role, tt.start, tt.end
			got, err := g.AddMember(cmd, nil)
			if tt.refused {
				thenError(t, got, err, domain.CodeFailedPrecondition, "role")
				return
			}
			if err != nil || len(got) != 1 {
				t.Fatalf("refused: %v", err)
			}
		})
	}
}

func TestAddMemberChairWhileEndedChairStillServes(t *testing.T) {
	g := given(t, regionalCreated(regID),
		memberAdded("old", person2, v1.Role_ROLE_CHAIR, "2023-01-01", ""),
		&v1.MemberEnded{MembershipId: "old", EndedOn: "2026-12-31", Reason: "eroaa vuoden lopussa"})
	cmd := baseMember()
	cmd.Role, cmd.TermStart, cmd.TermEnd = v1.Role_ROLE_CHAIR, "2026-01-01", ""
	got, err := g.AddMember(cmd, nil)
	thenError(t, got, err, domain.CodeFailedPrecondition, "role")
}

func TestAddMemberEmailWithIdentityCode(t *testing.T) {
	cmd := baseMember()
	cmd.Email = strings.ToLower(validHetu) + "@example.fi"
	got, err := given(t, regionalCreated(regID)).AddMember(cmd, nil)
	thenError(t, got, err, domain.CodeInvalid, "email")
}

// ---- ChangeMember ----

// seated is a regional group with a chair (m1) and a member (m2) who speaks
// for the local group.
func seated(t *testing.T) *domain.Group {
	m2 := memberAdded("m2", person2, v1.Role_ROLE_MEMBER, "2025-01-01", "2026-12-31")
	m2.RepresentsGroupId = localID
	return given(t, regionalCreated(regID),
		memberAdded("m1", person1, v1.Role_ROLE_CHAIR, "2025-01-01", "2026-12-31"),
		m2)
}

func TestChangeMember(t *testing.T) {
	g := seated(t)
	got, err := g.ChangeMember(domain.ChangeMember{MembershipID: "m2", Organisation: ptr("Mannerheimin Lastensuojeluliitto"),
		Role: ptr(v1.Role_ROLE_VICE_CHAIR)}, nil)
	// The event carries the full new values, the unchanged ones included.
	thenEvents(t, got, err, &v1.MemberChanged{MembershipId: "m2", Organisation: "Mannerheimin Lastensuojeluliitto",
		ActorType: v1.ActorType_ACTOR_TYPE_NGO, Role: v1.Role_ROLE_VICE_CHAIR, TermEnd: "2026-12-31", RepresentsGroupId: localID})
	if m := mustMember(t, g, "m2"); m.Role != v1.Role_ROLE_MEMBER {
		t.Fatalf("deciding changed the state: %+v", m)
	}
	if err := g.Apply(got[0]); err != nil {
		t.Fatal(err)
	}
	if m := mustMember(t, g, "m2"); m.Role != v1.Role_ROLE_VICE_CHAIR || m.Organisation != "Mannerheimin Lastensuojeluliitto" || m.Represents != localID || m.PersonName != "Henkilö m2" {
		t.Errorf("state after MemberChanged: %+v", m)
	}
}

func TestChangeMemberDecides(t *testing.T) {
	tests := []struct {
		name        string
		cmd         domain.ChangeMember
		represented func(*testing.T) *domain.Group
		want        []proto.Message
	}{
		{"nothing named", domain.ChangeMember{MembershipID: "m2"}, nil, nil},
		{"the same values", domain.ChangeMember{MembershipID: "m2", Organisation: ptr("Järjestö ry"),
			ActorType: ptr(v1.ActorType_ACTOR_TYPE_NGO), Role: ptr(v1.Role_ROLE_MEMBER), TermEnd: ptr("2026-12-31")}, nil, nil},
		{"the same represented group", domain.ChangeMember{MembershipID: "m2", Represents: ptr(localID)},
			func(t *testing.T) *domain.Group { return given(t, localCreated(localID, regID)) }, nil},
		{"the chair confirmed as chair", domain.ChangeMember{MembershipID: "m1", Role: ptr(v1.Role_ROLE_CHAIR)}, nil, nil},
		{"term made open-ended", domain.ChangeMember{MembershipID: "m2", TermEnd: ptr("")}, nil, []proto.Message{
			&v1.MemberChanged{MembershipId: "m2", Organisation: "Järjestö ry", ActorType: v1.ActorType_ACTOR_TYPE_NGO,
				Role: v1.Role_ROLE_MEMBER, RepresentsGroupId: localID}}},
		{"representation cleared", domain.ChangeMember{MembershipID: "m2", Represents: ptr("")}, nil, []proto.Message{
			&v1.MemberChanged{MembershipId: "m2", Organisation: "Järjestö ry", ActorType: v1.ActorType_ACTOR_TYPE_NGO,
				Role: v1.Role_ROLE_MEMBER, TermEnd: "2026-12-31"}}},
		{"actor type changed", domain.ChangeMember{MembershipID: "m2", ActorType: ptr(v1.ActorType_ACTOR_TYPE_PARISH)}, nil, []proto.Message{
			&v1.MemberChanged{MembershipId: "m2", Organisation: "Järjestö ry", ActorType: v1.ActorType_ACTOR_TYPE_PARISH,
				Role: v1.Role_ROLE_MEMBER, TermEnd: "2026-12-31", RepresentsGroupId: localID}}},
		{"secretary beside the chair", domain.ChangeMember{MembershipID: "m2", Role: ptr(v1.Role_ROLE_SECRETARY)}, nil, []proto.Message{
			&v1.MemberChanged{MembershipId: "m2", Organisation: "Järjestö ry", ActorType: v1.ActorType_ACTOR_TYPE_NGO,
				Role: v1.Role_ROLE_SECRETARY, TermEnd: "2026-12-31", RepresentsGroupId: localID}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var represented *domain.Group
			if tt.represented != nil {
				represented = tt.represented(t)
			}
			got, err := seated(t).ChangeMember(tt.cmd, represented)
			thenEvents(t, got, err, tt.want...)
		})
	}
}

func TestChangeMemberRefused(t *testing.T) {
	ended := func(t *testing.T) *domain.Group {
		g := seated(t)
		if err := g.Apply(&v1.MemberEnded{MembershipId: "m2", EndedOn: "2025-06-30"}); err != nil {
			t.Fatal(err)
		}
		return g
	}
	none := func(*testing.T) *domain.Group { return nil }
	tests := []struct {
		name        string
		state       func(*testing.T) *domain.Group
		cmd         domain.ChangeMember
		represented func(*testing.T) *domain.Group
		code        domain.Code
		field       string
	}{
		{"a second chair", seated, domain.ChangeMember{MembershipID: "m2", Role: ptr(v1.Role_ROLE_CHAIR)}, none, domain.CodeFailedPrecondition, "role"},
		{"ended membership", ended, domain.ChangeMember{MembershipID: "m2", Organisation: ptr("Uusi ry")}, none, domain.CodeFailedPrecondition, "membership_id"},
		{"unknown membership", seated, domain.ChangeMember{MembershipID: "m9", Organisation: ptr("Uusi ry")}, none, domain.CodeNotFound, "membership_id"},
		{"missing group", func(t *testing.T) *domain.Group { return given(t) }, domain.ChangeMember{MembershipID: "m1"}, none, domain.CodeNotFound, "group_id"},
		{"empty organisation", seated, domain.ChangeMember{MembershipID: "m2", Organisation: ptr("")}, none, domain.CodeInvalid, "organisation"},
		{"identity code in the organisation", seated, domain.ChangeMember{MembershipID: "m2", Organisation: ptr("Yhdistys " + validHetu)}, none, domain.CodeInvalid, "organisation"},
		{"actor type unspecified", seated, domain.ChangeMember{MembershipID: "m2", ActorType: ptr(v1.ActorType_ACTOR_TYPE_UNSPECIFIED)}, none, domain.CodeInvalid, "actor_type"},
		{"role unknown", seated, domain.ChangeMember{MembershipID: "m2", Role: ptr(v1.Role(99))}, none, domain.CodeInvalid, "role"},
		{"term end before start", seated, domain.ChangeMember{MembershipID: "m1", TermEnd: ptr("2024-12-31")}, none, domain.CodeInvalid, "term_end"},
		{"term end not a date", seated, domain.ChangeMember{MembershipID: "m1", TermEnd: ptr("pian")}, none, domain.CodeInvalid, "term_end"},
		{"represents the parent group", seated, domain.ChangeMember{MembershipID: "m2", Represents: ptr(provID)},
			func(t *testing.T) *domain.Group { return given(t, provincialCreated()) }, domain.CodeFailedPrecondition, "represents_group_id"},
		{"represents a missing group", seated, domain.ChangeMember{MembershipID: "m2", Represents: ptr(otherLocalID)}, none, domain.CodeNotFound, "represents_group_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.state(t).ChangeMember(tt.cmd, tt.represented(t))
			thenError(t, got, err, tt.code, tt.field)
		})
	}
}

func TestChangeMemberToChairAfterTheChairsTerm(t *testing.T) {
	// m3's term starts after the chair's ends: m3 may become chair.
	g := given(t, regionalCreated(regID),
		memberAdded("m1", person1, v1.Role_ROLE_CHAIR, "2023-01-01", "2024-12-31"),
		memberAdded("m3", person3, v1.Role_ROLE_MEMBER, "2025-01-01", ""))
	got, err := g.ChangeMember(domain.ChangeMember{MembershipID: "m3", Role: ptr(v1.Role_ROLE_CHAIR)}, nil)
	thenEvents(t, got, err, &v1.MemberChanged{MembershipId: "m3", Organisation: "Järjestö ry",
		ActorType: v1.ActorType_ACTOR_TYPE_NGO, Role: v1.Role_ROLE_CHAIR})

	// But extending the old chair's term into m3's is then refused.
	if err := g.Apply(got[0]); err != nil {
		t.Fatal(err)
	}
	got, err = g.ChangeMember(domain.ChangeMember{MembershipID: "m1", TermEnd: ptr("2025-03-31")}, nil)
	thenError(t, got, err, domain.CodeFailedPrecondition, "role")
}

// ---- EndMember ----

func TestEndMember(t *testing.T) {
	g := seated(t)
	got, err := g.EndMember("m2", "2025-06-30", "muutti toiselle paikkakunnalle")
	thenEvents(t, got, err, &v1.MemberEnded{MembershipId: "m2", EndedOn: "2025-06-30", Reason: "muutti toiselle paikkakunnalle"})
	if err := g.Apply(got[0]); err != nil {
		t.Fatal(err)
	}
	if a := g.ActiveMembers(); len(a) != 1 || a[0].ID != "m1" {
		t.Errorf("active members after MemberEnded: %+v", a)
	}
	if m := mustMember(t, g, "m2"); !m.Ended || m.EndedOn != "2025-06-30" || m.EndReason != "muutti toiselle paikkakunnalle" {
		t.Errorf("ended membership: %+v", m)
	}

	// Ending it again is refused.
	got, err = g.EndMember("m2", "2025-07-01", "")
	thenError(t, got, err, domain.CodeFailedPrecondition, "membership_id")
}

func TestEndMemberOnTheFirstDay(t *testing.T) {
	got, err := seated(t).EndMember("m1", "2025-01-01", "")
	thenEvents(t, got, err, &v1.MemberEnded{MembershipId: "m1", EndedOn: "2025-01-01"})
}

func TestEndMemberRefused(t *testing.T) {
	tests := []struct {
		name, id, endedOn, reason string
		code                      domain.Code
		field                     string
	}{
		{"before the term started", "m1", "2024-12-31", "", domain.CodeInvalid, "ended_on"},
		{"no date", "m1", "", "", domain.CodeInvalid, "ended_on"},
		{"date not ISO", "m1", "30.6.2025", "", domain.CodeInvalid, "ended_on"},
		{"identity code in the reason", "m1", "2025-06-30", "ks. " + validHetu, domain.CodeInvalid, "reason"},
		{"reason too long", "m1", "2025-06-30", strings.Repeat("r", 501), domain.CodeInvalid, "reason"},
		{"unknown membership", "m9", "2025-06-30", "", domain.CodeNotFound, "membership_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := seated(t).EndMember(tt.id, tt.endedOn, tt.reason)
			thenError(t, got, err, tt.code, tt.field)
		})
	}

	got, err := given(t).EndMember("m1", "2025-06-30", "")
	thenError(t, got, err, domain.CodeNotFound, "group_id")
}

// ---- Apply and Clone ----

func TestApplyRefusesWhatItCannotFold(t *testing.T) {
	tests := []struct {
		name string
		ev   proto.Message
	}{
		{"unknown event type", &v1.LocalizedName{Fi: "ei tapahtuma"}},
		{"change of an unknown membership", &v1.MemberChanged{MembershipId: "m9", Role: v1.Role_ROLE_CHAIR}},
		{"end of an unknown membership", &v1.MemberEnded{MembershipId: "m9", EndedOn: "2025-01-01"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := seated(t).Apply(tt.ev); err == nil {
				t.Errorf("Apply(%T) = nil, want an error", tt.ev)
			}
		})
	}
}

func TestActiveMembersKeepsTheOrderAdded(t *testing.T) {
	g := given(t, regionalCreated(regID),
		memberAdded("c", person1, v1.Role_ROLE_MEMBER, "2025-01-01", ""),
		memberAdded("a", person2, v1.Role_ROLE_MEMBER, "2025-01-01", ""),
		memberAdded("b", person3, v1.Role_ROLE_MEMBER, "2025-01-01", ""),
		&v1.MemberEnded{MembershipId: "a", EndedOn: "2025-02-01"})
	var ids []string
	for _, m := range g.ActiveMembers() {
		ids = append(ids, m.ID)
	}
	if strings.Join(ids, ",") != "c,b" {
		t.Errorf("active members %v, want [c b]", ids)
	}
}

// Clone's contract: Apply on the clone never changes the original, and the
// clone's own slices and map can be changed freely. (Memberships and the name
// may be shared between the two, as Apply replaces rather than modifies them.)
func TestCloneIsolatesApply(t *testing.T) {
	orig := given(t, localCreated(localID, regID),
		memberAdded("m1", person1, v1.Role_ROLE_CHAIR, "2025-01-01", ""),
		memberAdded("m2", person2, v1.Role_ROLE_MEMBER, "2025-01-01", ""))

	c := orig.Clone()
	// Write to the clone's slices before Apply appends to (and maybe
	// reallocates) them, so a shared backing array would show.
	c.Municipalities[0] = "999"
	for _, ev := range []proto.Message{
		&v1.GroupRenamed{Name: name("Uusi nimi")},
		&v1.MemberChanged{MembershipId: "m1", Organisation: "Muutettu", ActorType: v1.ActorType_ACTOR_TYPE_KELA, Role: v1.Role_ROLE_MEMBER, TermEnd: "2025-12-31"},
		&v1.MemberEnded{MembershipId: "m2", EndedOn: "2025-03-01", Reason: "muutti"},
		memberAdded("m3", person3, v1.Role_ROLE_SECRETARY, "2025-01-01", ""),
	} {
		if err := c.Apply(ev); err != nil {
			t.Fatal(err)
		}
	}
	// Divergence: the original takes another membership at the position
	// the clone used for m3; each must still find only its own.
	if err := orig.Apply(memberAdded("m4", person3, v1.Role_ROLE_MEMBER, "2025-01-01", "")); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Member("m4"); ok {
		t.Error("a member added to the original appeared in the clone")
	}
	if m, ok := orig.Member("m4"); !ok || m.ID != "m4" {
		t.Errorf("the original lost its own new member: %+v", m)
	}
	if err := orig.Apply(memberAdded("m3", person3, v1.Role_ROLE_MEMBER, "2025-01-01", "")); err != nil {
		t.Fatal(err)
	}
	if m, _ := orig.Member("m3"); m.Role != v1.Role_ROLE_MEMBER {
		t.Errorf("m3 added to the original at another position: %+v", m)
	}
	if m, _ := c.Member("m3"); m.Role != v1.Role_ROLE_SECRETARY {
		t.Errorf("the clone's m3 changed when the original added its own: %+v", m)
	}

	if m := mustMember(t, orig, "m1"); m.Role != v1.Role_ROLE_CHAIR || m.Organisation != "Järjestö ry" || m.ActorType != v1.ActorType_ACTOR_TYPE_NGO || m.TermEnd != "" {
		t.Errorf("MemberChanged on the clone changed the original: %+v", m)
	}
	if m, ok := orig.Member("m2"); !ok || m.Ended || m.EndedOn != "" {
		t.Errorf("MemberEnded on the clone changed the original: %+v", m)
	}
	if orig.Name.GetFi() != "Perhekeskuksen ohjausryhmä" {
		t.Errorf("GroupRenamed on the clone changed the original: %v", orig.Name)
	}
	if orig.Municipalities[0] != "837" {
		t.Errorf("original municipalities changed through the clone: %v", orig.Municipalities)
	}
	if a := orig.ActiveMembers(); len(a) != 4 || a[0].Role != v1.Role_ROLE_CHAIR || a[2].ID != "m4" || a[3].ID != "m3" {
		t.Errorf("original active members changed through the clone: %+v", a)
	}

	// And the clone did take the changes.
	if m := mustMember(t, c, "m1"); m.Role != v1.Role_ROLE_MEMBER || m.Organisation != "Muutettu" || c.Name.GetFi() != "Uusi nimi" || len(c.Memberships()) != 3 {
		t.Errorf("clone lost its changes: %+v, member m1 %+v", c, m)
	}
}

// A snapshot is read while the next state is made from its clone: under
// -race this fails if Apply writes to anything the two share.
func TestCloneSnapshotReadWhileCloneApplies(t *testing.T) {
	snap := given(t, localCreated(localID, regID),
		memberAdded("m1", person1, v1.Role_ROLE_CHAIR, "2025-01-01", ""),
		memberAdded("m2", person2, v1.Role_ROLE_MEMBER, "2025-01-01", ""))
	next := snap.Clone()

	done := make(chan string)
	go func() {
		var seen []string
		for range 200 {
			for _, m := range snap.ActiveMembers() {
				seen = append(seen, m.Organisation+m.Role.String()+m.TermEnd+m.EndedOn)
			}
			seen = append(seen, snap.Name.GetFi(), strings.Join(snap.Municipalities, ","))
		}
		done <- seen[0]
	}()
	for i := range 200 {
		evs := []proto.Message{
			&v1.MemberChanged{MembershipId: "m1", Organisation: fmt.Sprint("org ", i), ActorType: v1.ActorType_ACTOR_TYPE_NGO, Role: v1.Role_ROLE_CHAIR},
			&v1.GroupRenamed{Name: name(fmt.Sprint("nimi ", i))},
		}
		if i == 100 {
			evs = append(evs, &v1.MemberEnded{MembershipId: "m2", EndedOn: "2025-06-30"})
		}
		for _, ev := range evs {
			if err := next.Apply(ev); err != nil {
				t.Fatal(err)
			}
		}
	}
	if first := <-done; first != "Järjestö ryROLE_CHAIR" {
		t.Errorf("snapshot read %q, want the state before the clone changed", first)
	}
	if len(snap.ActiveMembers()) != 2 || mustMember(t, snap, "m1").Organisation != "Järjestö ry" {
		t.Errorf("snapshot changed: %+v", snap.ActiveMembers())
	}
}

func TestCloneOfEmptyGroup(t *testing.T) {
	c := domain.NewGroup(newID).Clone()
	if c.ID != newID || c.Created || len(c.Memberships()) != 0 {
		t.Fatalf("clone of an empty group: %+v", c)
	}
	got, err := c.Create(domain.CreateGroup{Name: name("M"), Level: v1.Level_LEVEL_PROVINCIAL, County: "Pirkanmaa"}, nil)
	if err != nil || len(got) != 1 {
		t.Fatalf("create on a cloned empty group: %v", err)
	}
	if err := c.Apply(got[0]); err != nil {
		t.Fatal(err)
	}
	if err := c.Apply(memberAdded("m1", person1, v1.Role_ROLE_MEMBER, "2025-01-01", "")); err != nil {
		t.Fatal(err)
	}
}

// ---- Error ----

func TestErrorMatchesByCodeAndField(t *testing.T) {
	_, err := given(t).Create(domain.CreateGroup{Name: name("A"), Level: v1.Level_LEVEL_REGIONAL, ParentID: provID}, nil)
	wrapped := fmt.Errorf("create group: %w", err)
	if !errors.Is(wrapped, &domain.Error{Code: domain.CodeNotFound}) {
		t.Errorf("errors.Is by code failed for %v", wrapped)
	}
	if !errors.Is(wrapped, &domain.Error{Code: domain.CodeNotFound, Field: "parent_id"}) {
		t.Errorf("errors.Is by code and field failed for %v", wrapped)
	}
	if errors.Is(wrapped, &domain.Error{Code: domain.CodeNotFound, Field: "group_id"}) {
		t.Errorf("errors.Is matched another field for %v", wrapped)
	}
	if errors.Is(wrapped, &domain.Error{Code: domain.CodeInvalid}) {
		t.Errorf("errors.Is matched another code for %v", wrapped)
	}
	if c := domain.ErrorCode(wrapped); c != domain.CodeNotFound {
		t.Errorf("ErrorCode = %s, want %s", c, domain.CodeNotFound)
	}
	if c := domain.ErrorCode(errors.New("plain")); c != domain.CodeInternal {
		t.Errorf("ErrorCode of a plain error = %s, want %s", c, domain.CodeInternal)
	}
}

func mustMember(t *testing.T, g *domain.Group, id string) *domain.Membership {
	t.Helper()
	m, ok := g.Member(id)
	if !ok {
		t.Fatalf("no membership %s", id)
	}
	return m
}
