package domain_test

import (
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// The subscription tests use the network of group_test.go: the provincial
// group P (provID) with the regional groups R1 (regID) and R2
// (otherRegID), the local group L1 (localID) under R1 covering Nokia (536)
// and L2 (otherLocalID) under R2 covering Tampere (837). Each person below
// has one seat.
const (
	affPChair     = "00000000-0000-4000-8000-0000000005a1" // P's chair, of the wellbeing county
	affPEndedMLL  = "00000000-0000-4000-8000-0000000005a2" // sat in P for MLL; the seat ended
	affR1Member   = "00000000-0000-4000-8000-0000000005b1" // an NGO member of R1
	affR1Repr     = "00000000-0000-4000-8000-0000000005b2" // R1's municipality member who represents L1
	affR1NgoRepr  = "00000000-0000-4000-8000-0000000005b3" // R1's NGO member who represents L1
	affR1Ended    = "00000000-0000-4000-8000-0000000005b4" // sat in R1; the seat ended
	affR2Muni     = "00000000-0000-4000-8000-0000000005c1" // R2's municipality member, representing no group
	affR2Repr     = "00000000-0000-4000-8000-0000000005c2" // R2's municipality member who represents L2
	affL1Muni     = "00000000-0000-4000-8000-0000000005d1" // L1's member for the town of Nokia
	affL1MLL      = "00000000-0000-4000-8000-0000000005d2" // L1's member for MLL
	affL1EndedMun = "00000000-0000-4000-8000-0000000005d3" // sat in L1 for Nokia; the seat ended
	affL2Muni     = "00000000-0000-4000-8000-0000000005e1" // L2's member for the city of Tampere
	affL2MLL      = "00000000-0000-4000-8000-0000000005e2" // L2's member for MLL

	mll = "Mannerheimin Lastensuojeluliitto"

	subID = "00000000-0000-4000-8000-0000000005f1"
)

// everyoneActive is every person with a seat that has not ended.
var everyoneActive = []string{affPChair, affR1Member, affR1Repr, affR1NgoRepr, affR2Muni, affR2Repr, affL1Muni, affL1MLL, affL2Muni, affL2MLL}

func affSeat(person, org string, actor v1.ActorType, represents string) *v1.MemberAdded {
	return &v1.MemberAdded{MembershipId: "m-" + person[len(person)-3:], PersonId: person, PersonName: "Henkilö " + person[len(person)-3:],
		Organisation: org, ActorType: actor, Role: v1.Role_ROLE_MEMBER, TermStart: "2025-01-01", RepresentsGroupId: represents}
}

func affEnded(person string) *v1.MemberEnded {
	return &v1.MemberEnded{MembershipId: "m-" + person[len(person)-3:], EndedOn: "2025-12-31", Reason: "kausi päättyi"}
}

func affNamed(c *v1.GroupCreated, fi string, municipalities ...string) *v1.GroupCreated {
	c = proto.CloneOf(c)
	c.Name, c.Municipalities = name(fi), municipalities
	return c
}

// affectsNetwork is the network P, R1, R2, L1, L2 with its members.
func affectsNetwork(t *testing.T) domain.Network {
	t.Helper()
	const muni, ngo = v1.ActorType_ACTOR_TYPE_MUNICIPALITY, v1.ActorType_ACTOR_TYPE_NGO
	return domain.Network{
		provID: given(t, affNamed(provincialCreated(), "P"),
			affSeat(affPChair, "Pirkanmaan hyvinvointialue", v1.ActorType_ACTOR_TYPE_WELLBEING_COUNTY, ""),
			affSeat(affPEndedMLL, mll, ngo, ""), affEnded(affPEndedMLL)),
		regID: given(t, affNamed(regionalCreated(regID), "R1"),
			affSeat(affR1Member, "Järjestö ry", ngo, ""),
			affSeat(affR1Repr, "Nokian kaupunki", muni, localID),
			affSeat(affR1NgoRepr, "Nokian seurakunta", ngo, localID),
			affSeat(affR1Ended, "Nokian kaupunki", muni, localID), affEnded(affR1Ended)),
		otherRegID: given(t, affNamed(regionalCreated(otherRegID), "R2"),
			affSeat(affR2Muni, "Oriveden kaupunki", muni, ""),
			affSeat(affR2Repr, "Tampereen kaupunki", muni, otherLocalID)),
		localID: given(t, affNamed(localCreated(localID, regID), "L1", "536"),
			affSeat(affL1Muni, "Nokian kaupunki", muni, ""),
			affSeat(affL1MLL, mll+" Nokia", ngo, ""), // another organisation than MLL itself
			affSeat(affL1EndedMun, "Nokian kaupunki", muni, ""), affEnded(affL1EndedMun)),
		otherLocalID: given(t, affNamed(localCreated(otherLocalID, otherRegID), "L2", "837"),
			affSeat(affL2Muni, "Tampereen kaupunki", muni, ""),
			affSeat(affL2MLL, "  mannerheimin LASTENSUOJELULIITTO ", ngo, "")),
	}
}

func affPeople(affected map[string][]string) []string {
	var out []string
	for p := range affected {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

func affSorted(ids ...string) []string {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	return ids
}

func TestAffected(t *testing.T) {
	n := affectsNetwork(t)
	tests := []struct {
		name    string
		affects *v1.Affects
		want    []string
	}{
		{"a group reaches its members and the members of the groups under it",
			&v1.Affects{GroupIds: []string{regID}}, []string{affR1Member, affR1Repr, affR1NgoRepr, affL1Muni, affL1MLL}},
		{"a local group reaches its own members, not its parent's",
			&v1.Affects{GroupIds: []string{localID}}, []string{affL1Muni, affL1MLL}},
		{"the provincial group reaches every active member of the network",
			&v1.Affects{GroupIds: []string{provID}}, everyoneActive},
		{"a municipality reaches its local municipality member and the regional member who represents that local group",
			&v1.Affects{Municipalities: []string{"536"}}, []string{affL1Muni, affR1Repr}},
		{"the other municipality reaches the other side",
			&v1.Affects{Municipalities: []string{"837"}}, []string{affL2Muni, affR2Repr}},
		{"a municipality no group covers reaches no one",
			&v1.Affects{Municipalities: []string{"091"}}, nil},
		{"an organisation, ignoring case and surrounding spaces",
			&v1.Affects{Organisations: []string{" MANNERHEIMIN lastensuojeluliitto"}}, []string{affL2MLL}},
		{"an organisation nobody represents",
			&v1.Affects{Organisations: []string{"Kela"}}, nil},
		{"a group, a municipality and an organisation together",
			&v1.Affects{GroupIds: []string{otherLocalID}, Municipalities: []string{"536"}, Organisations: []string{"järjestö RY"}},
			[]string{affL2Muni, affL2MLL, affL1Muni, affR1Repr, affR1Member}},
		{"a group that is not in the network", &v1.Affects{GroupIds: []string{newID}}, nil},
		{"tasks and themes affect no one by themselves",
			&v1.Affects{Tasks: []v1.FamilyCentreTask{v1.FamilyCentreTask_FAMILY_CENTRE_TASK_T2_PARENTING}, Themes: []string{"perhekahvila"}}, nil},
		{"no affects", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := affPeople(domain.Affected(tc.affects, n))
			if want := affSorted(tc.want...); !slices.Equal(got, want) {
				t.Fatalf("affected:\n got %v\nwant %v", got, want)
			}
		})
	}
}

func TestAffectedExcludesEndedSeats(t *testing.T) {
	n := affectsNetwork(t)
	for _, a := range []*v1.Affects{
		{GroupIds: []string{provID}},
		{Municipalities: []string{"536"}},
		{Organisations: []string{mll}},
	} {
		got := domain.Affected(a, n)
		for _, p := range []string{affPEndedMLL, affR1Ended, affL1EndedMun} {
			if _, ok := got[p]; ok {
				t.Errorf("affects %v reached %s, whose seat has ended: %v", a, p, got[p])
			}
		}
	}
	// Ending the seat of someone who was affected takes them off.
	n[localID] = given(t, affNamed(localCreated(localID, regID), "L1", "536"),
		affSeat(affL1Muni, "Nokian kaupunki", v1.ActorType_ACTOR_TYPE_MUNICIPALITY, ""), affEnded(affL1Muni))
	if got := affPeople(domain.Affected(&v1.Affects{Municipalities: []string{"536"}}, n)); !slices.Equal(got, []string{affR1Repr}) {
		t.Fatalf("after L1's member left, 536 reaches %v; want only R1's representative", got)
	}
}

func TestAffectedByRepresentationFollowsTheRepresentedGroup(t *testing.T) {
	n := affectsNetwork(t)
	// R1's representative of L1 moves to represent no group: R1 covers no
	// municipality, so 536 no longer reaches them.
	r1 := n[regID].Clone()
	if err := r1.Apply(&v1.MemberChanged{MembershipId: "m-" + affR1Repr[len(affR1Repr)-3:], Organisation: "Nokian kaupunki",
		ActorType: v1.ActorType_ACTOR_TYPE_MUNICIPALITY, Role: v1.Role_ROLE_MEMBER}); err != nil {
		t.Fatal(err)
	}
	n[regID] = r1
	if got := affPeople(domain.Affected(&v1.Affects{Municipalities: []string{"536"}}, n)); !slices.Equal(got, []string{affL1Muni}) {
		t.Fatalf("536 reaches %v; want only L1's member once R1's seat represents no group", got)
	}
}

func TestAffectedReasons(t *testing.T) {
	n := affectsNetwork(t)
	got := domain.Affected(&v1.Affects{GroupIds: []string{regID, regID}, Municipalities: []string{"536"}}, n)
	for _, tc := range []struct {
		person string
		want   []string
	}{
		{affR1Member, []string{"member of R1"}}, // R1 named twice, one reason
		{affR1Repr, []string{"member of R1", "represents municipality 536 in R1"}},
		{affL1Muni, []string{"member of L1, under R1", "represents municipality 536 in L1"}},
	} {
		if !slices.Equal(got[tc.person], tc.want) {
			t.Errorf("reasons for %s:\n got %q\nwant %q", tc.person, got[tc.person], tc.want)
		}
	}
	org := domain.Affected(&v1.Affects{Organisations: []string{mll}}, n)
	if r := org[affL2MLL]; len(r) != 1 || !strings.Contains(r[0], "in L2") || !strings.HasPrefix(r[0], "represents ") {
		t.Errorf("reason for the organisation: %q", r)
	}
}

func TestMatches(t *testing.T) {
	n := affectsNetwork(t)
	t2 := v1.FamilyCentreTask_FAMILY_CENTRE_TASK_T2_PARENTING
	t7 := v1.FamilyCentreTask_FAMILY_CENTRE_TASK_T7_MEETING_PLACE
	of := func(group string, a *v1.Affects, tags *v1.Tags) domain.DecisionFacts {
		return domain.DecisionFacts{GroupID: group, Affects: a, Tags: tags}
	}
	muni := func(codes ...string) *v1.Affects { return &v1.Affects{Municipalities: codes} }
	groups := func(ids ...string) *v1.Affects { return &v1.Affects{GroupIds: ids} }
	tests := []struct {
		name   string
		filter *v1.SubscriptionFilter
		person string
		facts  domain.DecisionFacts
		want   bool
	}{
		{"group: its own decision", &v1.SubscriptionFilter{GroupId: regID}, "", of(regID, nil, nil), true},
		{"group: not a child's decision without include_children", &v1.SubscriptionFilter{GroupId: regID}, "", of(localID, nil, nil), false},
		{"group: not another group's decision", &v1.SubscriptionFilter{GroupId: regID}, "", of(otherRegID, nil, nil), false},
		{"group with children: its own decision", &v1.SubscriptionFilter{GroupId: regID, IncludeChildren: true}, "", of(regID, nil, nil), true},
		{"group with children: a child's decision", &v1.SubscriptionFilter{GroupId: regID, IncludeChildren: true}, "", of(localID, nil, nil), true},
		{"group with children: a grandchild's decision", &v1.SubscriptionFilter{GroupId: provID, IncludeChildren: true}, "", of(otherLocalID, nil, nil), true},
		{"group with children: not the parent's decision", &v1.SubscriptionFilter{GroupId: regID, IncludeChildren: true}, "", of(provID, nil, nil), false},
		{"group with children: not a cousin's decision", &v1.SubscriptionFilter{GroupId: regID, IncludeChildren: true}, "", of(otherLocalID, nil, nil), false},

		{"organisation, ignoring case and spaces", &v1.SubscriptionFilter{Organisation: "mannerheimin LASTENSUOJELULIITTO"}, "",
			of(provID, &v1.Affects{Organisations: []string{" " + mll + " "}}, nil), true},
		{"organisation: another organisation", &v1.SubscriptionFilter{Organisation: mll}, "",
			of(provID, &v1.Affects{Organisations: []string{mll + " Nokia"}}, nil), false},
		{"organisation: none affected", &v1.SubscriptionFilter{Organisation: mll}, "", of(provID, nil, nil), false},

		{"municipality in the affects", &v1.SubscriptionFilter{Municipality: "536"}, "", of(provID, muni("837", "536"), nil), true},
		{"municipality in the item's tags", &v1.SubscriptionFilter{Municipality: "536"}, "", of(provID, nil, &v1.Tags{Municipalities: []string{"536"}}), true},
		{"municipality: another one", &v1.SubscriptionFilter{Municipality: "536"}, "", of(provID, muni("837"), &v1.Tags{Municipalities: []string{"837"}}), false},
		{"municipality: only a group that covers it is affected", &v1.SubscriptionFilter{Municipality: "536"}, "", of(provID, groups(localID), nil), false},

		{"task in the affects", &v1.SubscriptionFilter{Task: t2}, "", of(provID, &v1.Affects{Tasks: []v1.FamilyCentreTask{t7, t2}}, nil), true},
		{"task in the item's tags", &v1.SubscriptionFilter{Task: t2}, "", of(provID, nil, &v1.Tags{Tasks: []v1.FamilyCentreTask{t2}}), true},
		{"task: another one", &v1.SubscriptionFilter{Task: t2}, "", of(provID, &v1.Affects{Tasks: []v1.FamilyCentreTask{t7}}, &v1.Tags{Tasks: []v1.FamilyCentreTask{t7}}), false},

		{"theme in the affects, ignoring case", &v1.SubscriptionFilter{Theme: "Perhekahvila"}, "", of(provID, &v1.Affects{Themes: []string{"PERHEKAHVILA"}}, nil), true},
		{"theme in the item's tags", &v1.SubscriptionFilter{Theme: "perhekahvila"}, "", of(provID, nil, &v1.Tags{Themes: []string{"neuvola", "perhekahvila"}}), true},
		{"theme: another one", &v1.SubscriptionFilter{Theme: "perhekahvila"}, "", of(provID, &v1.Affects{Themes: []string{"neuvola"}}, &v1.Tags{Themes: []string{"kerhot"}}), false},

		{"affects me: the local municipality member, by municipality", &v1.SubscriptionFilter{AffectsMe: true}, affL1Muni, of(provID, muni("536"), nil), true},
		{"affects me: R1's representative of L1, by municipality", &v1.SubscriptionFilter{AffectsMe: true}, affR1Repr, of(provID, muni("536"), nil), true},
		{"affects me: R1's NGO representative of L1 is no municipality seat", &v1.SubscriptionFilter{AffectsMe: true}, affR1NgoRepr, of(provID, muni("536"), nil), false},
		{"affects me: the other municipality's member", &v1.SubscriptionFilter{AffectsMe: true}, affL2Muni, of(provID, muni("536"), nil), false},
		{"affects me: an ended seat", &v1.SubscriptionFilter{AffectsMe: true}, affL1EndedMun, of(provID, muni("536"), nil), false},
		{"affects me: a child group's member when the parent is affected", &v1.SubscriptionFilter{AffectsMe: true}, affL1MLL, of(provID, groups(regID), nil), true},
		{"affects me: not the parent's member when the child is affected", &v1.SubscriptionFilter{AffectsMe: true}, affR1Member, of(provID, groups(localID), nil), false},
		{"affects me: the deciding group's own chair is not affected by deciding", &v1.SubscriptionFilter{AffectsMe: true}, affPChair, of(provID, groups(regID), nil), false},
		{"affects me: the resolution given is used", &v1.SubscriptionFilter{AffectsMe: true}, affPChair,
			domain.DecisionFacts{GroupID: provID, Affected: map[string][]string{affPChair: {"given"}}}, true},
		{"affects me: an empty resolution given is used too", &v1.SubscriptionFilter{AffectsMe: true}, affL1Muni,
			domain.DecisionFacts{GroupID: provID, Affects: muni("536"), Affected: map[string][]string{}}, false},

		{"every criterion must match: group and municipality", &v1.SubscriptionFilter{GroupId: provID, Municipality: "536"}, "", of(provID, muni("536"), nil), true},
		{"every criterion must match: the municipality does not", &v1.SubscriptionFilter{GroupId: provID, Municipality: "837"}, "", of(provID, muni("536"), nil), false},
		{"every criterion must match: the group does not", &v1.SubscriptionFilter{GroupId: regID, Municipality: "536"}, "", of(provID, muni("536"), nil), false},
		{"every criterion must match: affects me in a group", &v1.SubscriptionFilter{GroupId: provID, AffectsMe: true}, affL1Muni, of(provID, muni("536"), nil), true},
		{"every criterion must match: affects me, but another group", &v1.SubscriptionFilter{GroupId: regID, IncludeChildren: true, AffectsMe: true}, affL1Muni, of(provID, muni("536"), nil), false},
		{"every criterion must match: task and theme", &v1.SubscriptionFilter{Task: t2, Theme: "neuvola"}, "",
			of(provID, &v1.Affects{Tasks: []v1.FamilyCentreTask{t2}}, &v1.Tags{Themes: []string{"perhekahvila"}}), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := domain.CheckFilter(tc.filter); err != nil {
				t.Fatalf("the case's filter is itself invalid: %v", err)
			}
			if got := domain.Matches(tc.filter, tc.person, tc.facts, n); got != tc.want {
				t.Fatalf("Matches(%v, %s, %+v) = %v, want %v", tc.filter, tc.person, tc.facts, got, tc.want)
			}
		})
	}
}

// ---- The Subscription aggregate ----

func givenSub(t *testing.T, events ...proto.Message) *domain.Subscription {
	t.Helper()
	s := domain.NewSubscription(subID)
	for i, ev := range events {
		if err := s.Apply(ev); err != nil {
			t.Fatalf("given event %d (%T): %v", i, ev, err)
		}
	}
	return s
}

func subCreated() *v1.SubscriptionCreated {
	return &v1.SubscriptionCreated{SubscriptionId: subID, PersonId: affL1Muni, Name: "Nokian päätökset",
		Filter: &v1.SubscriptionFilter{Municipality: "536"}}
}

func TestCreateSubscription(t *testing.T) {
	f := &v1.SubscriptionFilter{GroupId: provID, IncludeChildren: true, Theme: "perhekahvila"}
	got, err := givenSub(t).Create(affL1Muni, "Pirkanmaan perhekahvilat", f)
	thenEvents(t, got, err, &v1.SubscriptionCreated{SubscriptionId: subID, PersonId: affL1Muni, Name: "Pirkanmaan perhekahvilat",
		Filter: &v1.SubscriptionFilter{GroupId: provID, IncludeChildren: true, Theme: "perhekahvila"}})
	// The event keeps its own copy of the filter.
	f.Theme = "muutettu"
	if th := got[0].(*v1.SubscriptionCreated).GetFilter().GetTheme(); th != "perhekahvila" {
		t.Fatalf("changing the caller's filter changed the event's theme to %q", th)
	}
	// A name is optional.
	got, err = givenSub(t).Create(affL1Muni, "", &v1.SubscriptionFilter{AffectsMe: true})
	thenEvents(t, got, err, &v1.SubscriptionCreated{SubscriptionId: subID, PersonId: affL1Muni, Filter: &v1.SubscriptionFilter{AffectsMe: true}})
}

func TestCreateSubscriptionRefused(t *testing.T) {
	ok := &v1.SubscriptionFilter{Municipality: "536"}
	tests := []struct {
		name   string
		given  []proto.Message
		person string
		title  string
		filter *v1.SubscriptionFilter
		code   domain.Code
		field  string
	}{
		{"created already", []proto.Message{subCreated()}, affL1Muni, "", ok, domain.CodeAlreadyExists, "subscription_id"},
		{"created and deleted: the id is not reused", []proto.Message{subCreated(), &v1.SubscriptionDeleted{}}, affL1Muni, "", ok, domain.CodeAlreadyExists, "subscription_id"},
		{"no person", nil, "", "", ok, domain.CodeInvalid, "person_id"},
		{"a person that is not an id", nil, "liisa", "", ok, domain.CodeInvalid, "person_id"},
		{"a name too long", nil, affL1Muni, strings.Repeat("ä", 101), ok, domain.CodeInvalid, "name"},
		{"no filter", nil, affL1Muni, "", nil, domain.CodeInvalid, "filter"},
		{"an empty filter", nil, affL1Muni, "", &v1.SubscriptionFilter{}, domain.CodeInvalid, "filter"},
		{"include_children alone is no criterion", nil, affL1Muni, "", &v1.SubscriptionFilter{IncludeChildren: true}, domain.CodeInvalid, "filter"},
		{"a group that is not an id", nil, affL1Muni, "", &v1.SubscriptionFilter{GroupId: "nokia"}, domain.CodeInvalid, "filter.group_id"},
		{"include_children without a group", nil, affL1Muni, "", &v1.SubscriptionFilter{IncludeChildren: true, Municipality: "536"}, domain.CodeInvalid, "filter.include_children"},
		{"an organisation too long", nil, affL1Muni, "", &v1.SubscriptionFilter{Organisation: strings.Repeat("o", 201)}, domain.CodeInvalid, "filter.organisation"},
		{"a two-digit municipality", nil, affL1Muni, "", &v1.SubscriptionFilter{Municipality: "53"}, domain.CodeInvalid, "filter.municipality"},
		{"a municipality name, not its code", nil, affL1Muni, "", &v1.SubscriptionFilter{Municipality: "Nokia"}, domain.CodeInvalid, "filter.municipality"},
		{"a task past T7", nil, affL1Muni, "", &v1.SubscriptionFilter{Task: 8}, domain.CodeInvalid, "filter.task"},
		{"a negative task", nil, affL1Muni, "", &v1.SubscriptionFilter{Task: -1}, domain.CodeInvalid, "filter.task"},
		{"a theme with punctuation", nil, affL1Muni, "", &v1.SubscriptionFilter{Theme: "perhekahvila!"}, domain.CodeInvalid, "filter.theme"},
		{"a theme too long", nil, affL1Muni, "", &v1.SubscriptionFilter{Theme: "a" + strings.Repeat("b", 60)}, domain.CodeInvalid, "filter.theme"},
		{"an identity code as a theme", nil, affL1Muni, "", &v1.SubscriptionFilter{Theme: "asiakas 131052-308T"}, domain.CodeInvalid, "filter.theme"},
		{"a bad criterion next to a good one", nil, affL1Muni, "", &v1.SubscriptionFilter{AffectsMe: true, Municipality: "5360"}, domain.CodeInvalid, "filter.municipality"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := givenSub(t, tc.given...).Create(tc.person, tc.title, tc.filter)
			thenError(t, got, err, tc.code, tc.field)
		})
	}
}

func TestCheckFilterAccepts(t *testing.T) {
	for _, f := range []*v1.SubscriptionFilter{
		{GroupId: regID},
		{GroupId: regID, IncludeChildren: true},
		{Organisation: mll},
		{Municipality: "536"},
		{Task: v1.FamilyCentreTask_FAMILY_CENTRE_TASK_T1_WELLBEING},
		{Task: v1.FamilyCentreTask_FAMILY_CENTRE_TASK_T7_MEETING_PLACE},
		{Theme: "perhekahvila"},
		{Theme: "Lapsiperheiden kotipalvelu 2026"},
		{Theme: "a" + strings.Repeat("b", 59)},
		{AffectsMe: true},
		{GroupId: provID, IncludeChildren: true, Organisation: mll, Municipality: "837",
			Task: v1.FamilyCentreTask_FAMILY_CENTRE_TASK_T2_PARENTING, Theme: "neuvola", AffectsMe: true},
	} {
		if err := domain.CheckFilter(f); err != nil {
			t.Errorf("CheckFilter(%v): %v", f, err)
		}
	}
}

func TestPauseResumeDelete(t *testing.T) {
	created, paused := subCreated(), &v1.SubscriptionPaused{}
	tests := []struct {
		name  string
		given []proto.Message
		when  func(*domain.Subscription) ([]proto.Message, error)
		want  []proto.Message
	}{
		{"pause", []proto.Message{created}, (*domain.Subscription).Pause, []proto.Message{&v1.SubscriptionPaused{}}},
		{"pause when paused decides nothing", []proto.Message{created, paused}, (*domain.Subscription).Pause, nil},
		{"resume when paused", []proto.Message{created, paused}, (*domain.Subscription).Resume, []proto.Message{&v1.SubscriptionResumed{}}},
		{"resume when not paused decides nothing", []proto.Message{created}, (*domain.Subscription).Resume, nil},
		{"resume after pause and resume decides nothing", []proto.Message{created, paused, &v1.SubscriptionResumed{}}, (*domain.Subscription).Resume, nil},
		{"pause after pause and resume", []proto.Message{created, paused, &v1.SubscriptionResumed{}}, (*domain.Subscription).Pause, []proto.Message{&v1.SubscriptionPaused{}}},
		{"delete", []proto.Message{created}, (*domain.Subscription).Delete, []proto.Message{&v1.SubscriptionDeleted{}}},
		{"delete when paused", []proto.Message{created, paused}, (*domain.Subscription).Delete, []proto.Message{&v1.SubscriptionDeleted{}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.when(givenSub(t, tc.given...))
			thenEvents(t, got, err, tc.want...)
		})
	}
}

func TestPauseResumeDeleteNeedALiveSubscription(t *testing.T) {
	for _, g := range []struct {
		name  string
		given []proto.Message
	}{
		{"never created", nil},
		{"deleted", []proto.Message{subCreated(), &v1.SubscriptionDeleted{}}},
		{"paused and deleted", []proto.Message{subCreated(), &v1.SubscriptionPaused{}, &v1.SubscriptionDeleted{}}},
	} {
		for _, c := range []struct {
			name string
			when func(*domain.Subscription) ([]proto.Message, error)
		}{{"pause", (*domain.Subscription).Pause}, {"resume", (*domain.Subscription).Resume}, {"delete", (*domain.Subscription).Delete}} {
			t.Run(c.name+" "+g.name, func(t *testing.T) {
				got, err := c.when(givenSub(t, g.given...))
				thenError(t, got, err, domain.CodeNotFound, "subscription_id")
			})
		}
	}
}

func TestSubscriptionApply(t *testing.T) {
	s := givenSub(t)
	if s.Exists() {
		t.Fatal("a subscription exists before it is created")
	}
	steps := []struct {
		ev                   proto.Message
		exists, paused, dead bool
	}{
		{subCreated(), true, false, false},
		{&v1.SubscriptionPaused{}, true, true, false},
		{&v1.SubscriptionResumed{}, true, false, false},
		{&v1.SubscriptionPaused{}, true, true, false},
		{&v1.SubscriptionDeleted{}, false, true, true},
	}
	for i, st := range steps {
		before := s.Clone()
		if err := s.Apply(st.ev); err != nil {
			t.Fatalf("step %d (%T): %v", i, st.ev, err)
		}
		if s.Exists() != st.exists || s.Paused != st.paused || s.Deleted != st.dead {
			t.Fatalf("after %T: exists %v paused %v deleted %v; want %v %v %v", st.ev, s.Exists(), s.Paused, s.Deleted, st.exists, st.paused, st.dead)
		}
		if i > 0 && before.Paused == s.Paused && before.Deleted == s.Deleted {
			t.Fatalf("step %d changed nothing: the clone shares its state", i)
		}
	}
	if s.PersonID != affL1Muni || s.Name != "Nokian päätökset" || s.Filter.GetMunicipality() != "536" {
		t.Fatalf("state: %+v", s)
	}
	if err := s.Apply(&v1.GroupRenamed{Name: name("x")}); err == nil {
		t.Fatal("a subscription folded a group's event")
	}
}
