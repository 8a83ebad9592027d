package domain_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

const (
	county   = v1.ActorType_ACTOR_TYPE_WELLBEING_COUNTY
	munic    = v1.ActorType_ACTOR_TYPE_MUNICIPALITY
	ngo      = v1.ActorType_ACTOR_TYPE_NGO
	parish   = v1.ActorType_ACTOR_TYPE_PARISH
	kela     = v1.ActorType_ACTOR_TYPE_KELA
	private  = v1.ActorType_ACTOR_TYPE_PRIVATE
	family   = v1.ActorType_ACTOR_TYPE_FAMILY_REPRESENTATIVE
	expertEx = v1.ActorType_ACTOR_TYPE_EXPERT_BY_EXPERIENCE
)

// counts lists every actor type with its count, zeros included, in enum order.
func counts(c map[v1.ActorType]uint32) []*v1.ActorCount {
	var out []*v1.ActorCount
	for t := county; t <= expertEx; t++ {
		out = append(out, &v1.ActorCount{ActorType: t, Count: c[t]})
	}
	return out
}

func TestBalance(t *testing.T) {
	allCore := []v1.ActorType{county, munic, ngo, parish, kela, family}
	tests := []struct {
		name    string
		members []v1.ActorType
		want    *v1.RepresentationBalance
	}{{
		name:    "no members",
		members: nil,
		want:    &v1.RepresentationBalance{Counts: counts(nil), Missing: allCore, Coverage: 0, Evenness: 0},
	}, {
		name:    "one of each core type",
		members: []v1.ActorType{county, munic, ngo, parish, kela, family},
		want: &v1.RepresentationBalance{
			Counts:   counts(map[v1.ActorType]uint32{county: 1, munic: 1, ngo: 1, parish: 1, kela: 1, family: 1}),
			Coverage: 1, Evenness: 1,
		},
	}, {
		name:    "family representative and expert by experience count together",
		members: []v1.ActorType{county, county, munic, munic, ngo, ngo, parish, parish, kela, kela, family, expertEx},
		want: &v1.RepresentationBalance{
			Counts:   counts(map[v1.ActorType]uint32{county: 2, munic: 2, ngo: 2, parish: 2, kela: 2, family: 1, expertEx: 1}),
			Coverage: 1, Evenness: 1,
		},
	}, {
		name:    "an expert by experience alone is the families' voice",
		members: []v1.ActorType{expertEx, county, munic},
		want: &v1.RepresentationBalance{
			Counts:   counts(map[v1.ActorType]uint32{county: 1, munic: 1, expertEx: 1}),
			Missing:  []v1.ActorType{ngo, parish, kela},
			Coverage: 3.0 / 6, Evenness: 1,
		},
	}, {
		name:    "a county-heavy group",
		members: []v1.ActorType{county, county, county, county, munic, munic, ngo},
		want: &v1.RepresentationBalance{
			Counts:   counts(map[v1.ActorType]uint32{county: 4, munic: 2, ngo: 1}),
			Missing:  []v1.ActorType{parish, kela, family},
			Coverage: 3.0 / 6, Evenness: 1.0 / 4,
		},
	}, {
		name:    "families' voice the largest",
		members: []v1.ActorType{family, family, expertEx, county, munic, ngo, parish, kela},
		want: &v1.RepresentationBalance{
			Counts:   counts(map[v1.ActorType]uint32{county: 1, munic: 1, ngo: 1, parish: 1, kela: 1, family: 2, expertEx: 1}),
			Coverage: 1, Evenness: 1.0 / 3,
		},
	}, {
		name:    "private actors are counted but are no core type",
		members: []v1.ActorType{private, private, munic},
		want: &v1.RepresentationBalance{
			Counts:   counts(map[v1.ActorType]uint32{private: 2, munic: 1}),
			Missing:  []v1.ActorType{county, ngo, parish, kela, family},
			Coverage: 1.0 / 6, Evenness: 1,
		},
	}, {
		name:    "only private actors",
		members: []v1.ActorType{private},
		want: &v1.RepresentationBalance{
			Counts:   counts(map[v1.ActorType]uint32{private: 1}),
			Missing:  allCore,
			Coverage: 0, Evenness: 0,
		},
	}, {
		name:    "unspecified actor types are ignored",
		members: []v1.ActorType{v1.ActorType_ACTOR_TYPE_UNSPECIFIED, v1.ActorType(42), kela},
		want: &v1.RepresentationBalance{
			Counts:   counts(map[v1.ActorType]uint32{kela: 1}),
			Missing:  []v1.ActorType{county, munic, ngo, parish, family},
			Coverage: 1.0 / 6, Evenness: 1,
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := domain.Balance(tt.members)
			if !proto.Equal(got, tt.want) {
				t.Errorf("Balance(%v)\n got %v\nwant %v", tt.members, got, tt.want)
			}
		})
	}
}

func TestBalanceOfActiveMembers(t *testing.T) {
	// Balance is computed from the active members: an ended member no
	// longer counts.
	g := given(t, regionalCreated(regID),
		&v1.MemberAdded{MembershipId: "a", PersonId: person1, PersonName: "A", Organisation: "Hyvinvointialue",
			ActorType: county, Role: v1.Role_ROLE_CHAIR, TermStart: "2025-01-01"},
		&v1.MemberAdded{MembershipId: "b", PersonId: person2, PersonName: "B", Organisation: "Seurakunta",
			ActorType: parish, Role: v1.Role_ROLE_MEMBER, TermStart: "2025-01-01"},
		&v1.MemberEnded{MembershipId: "b", EndedOn: "2025-05-31"})
	var actors []v1.ActorType
	for _, m := range g.ActiveMembers() {
		actors = append(actors, m.ActorType)
	}
	got := domain.Balance(actors)
	want := &v1.RepresentationBalance{
		Counts:   counts(map[v1.ActorType]uint32{county: 1}),
		Missing:  []v1.ActorType{munic, ngo, parish, kela, family},
		Coverage: 1.0 / 6, Evenness: 1,
	}
	if !proto.Equal(got, want) {
		t.Errorf("balance\n got %v\nwant %v", got, want)
	}
}
