package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// golden compares got with testdata/name; OHJAAMO_UPDATE_GOLDEN=1 rewrites it.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if os.Getenv("OHJAAMO_UPDATE_GOLDEN") == "1" {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with OHJAAMO_UPDATE_GOLDEN=1 to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func member(id, name, org string, actor v1.ActorType, role v1.Role, represents string) *v1.Membership {
	return &v1.Membership{Id: id, PersonName: name, Organisation: org, ActorType: actor, Role: role,
		TermStart: "2025-01-01", TermEnd: "2027-12-31", RepresentsGroupName: represents, Active: true,
		RepresentsGroupId: map[bool]string{true: "r1"}[represents != ""]}
}

func groupWith(id, name string, level v1.Level, members ...*v1.Membership) *v1.Group {
	var actors []v1.ActorType
	for _, m := range members {
		actors = append(actors, m.GetActorType())
	}
	return &v1.Group{Id: id, Name: &v1.LocalizedName{Fi: name}, Level: level, WellbeingCounty: "Pirkanmaan hyvinvointialue",
		Members: members, Balance: domain.Balance(actors), Version: uint64(len(members) + 1)}
}

func TestNetworkAndGroupOutput(t *testing.T) {
	p := groupWith("p1", "Maakunnallinen ohjausryhmä", v1.Level_LEVEL_PROVINCIAL,
		member("m1", "Aino Virtanen", "Hyvinvointialue", v1.ActorType_ACTOR_TYPE_WELLBEING_COUNTY, v1.Role_ROLE_CHAIR, ""),
		member("m2", "Eero Korhonen", "Hyvinvointialue", v1.ActorType_ACTOR_TYPE_WELLBEING_COUNTY, v1.Role_ROLE_MEMBER, "Läntinen koordinaatioryhmä"),
		member("m3", "Helmi Mäkinen", "Järjestöverkosto", v1.ActorType_ACTOR_TYPE_NGO, v1.Role_ROLE_MEMBER, ""))
	r1 := groupWith("r1", "Läntinen koordinaatioryhmä", v1.Level_LEVEL_REGIONAL,
		member("m4", "Juha Nieminen", "Nokian kaupunki", v1.ActorType_ACTOR_TYPE_MUNICIPALITY, v1.Role_ROLE_SECRETARY, ""))
	r2 := groupWith("r2", "Eteläinen koordinaatioryhmä", v1.Level_LEVEL_REGIONAL)
	l1 := groupWith("l1", "Nokian perhekeskuksen ohjausryhmä", v1.Level_LEVEL_LOCAL,
		member("m5", "Kaisa Mäkelä", "Nokian seurakunta", v1.ActorType_ACTOR_TYPE_PARISH, v1.Role_ROLE_MEMBER, ""))
	l1.Municipalities = []string{"536"}
	l1.ParentId = "r1"
	ended := member("m6", "Lauri Laine", "Kela", v1.ActorType_ACTOR_TYPE_KELA, v1.Role_ROLE_MEMBER, "")
	ended.Active, ended.EndedOn = false, "2026-06-30"
	l1.Members = append(l1.Members, ended)
	net := &v1.ListGroupsResponse{
		Roots:                 []*v1.GroupNode{{Group: p, Children: []*v1.GroupNode{{Group: r1, Children: []*v1.GroupNode{{Group: l1}}}, {Group: r2}}}},
		Links:                 []*v1.RepresentationLink{{MembershipId: "m2", ChildGroupId: "r1", ParentGroupId: "p1"}},
		UnrepresentedGroupIds: []string{"r2", "l1"},
	}
	var b bytes.Buffer
	if err := printNetwork(&b, net); err != nil {
		t.Fatal(err)
	}
	golden(t, "network.golden", b.Bytes())
	b.Reset()
	if err := printGroup(&b, l1); err != nil {
		t.Fatal(err)
	}
	golden(t, "group.golden", b.Bytes())
}

// TestMeetingOutput: `meeting show` names people as the minutes do — a
// deputy who stood in by name, a member who has left since by name, and an
// id the group does not know as such.
func TestMeetingOutput(t *testing.T) {
	left := member("m4", "Lauri Laine", "Kela", v1.ActorType_ACTOR_TYPE_KELA, v1.Role_ROLE_MEMBER, "")
	left.Active, left.EndedOn = false, "2026-12-31"
	g := groupWith("l1", "Nokian perhekeskuksen ohjausryhmä", v1.Level_LEVEL_LOCAL,
		member("m1", "Aino Virtanen", "Hyvinvointialue", v1.ActorType_ACTOR_TYPE_WELLBEING_COUNTY, v1.Role_ROLE_CHAIR, ""),
		member("m2", "Eero Korhonen", "Nokian kaupunki", v1.ActorType_ACTOR_TYPE_MUNICIPALITY, v1.Role_ROLE_MEMBER, ""),
		member("m3", "Helmi Mäkinen", "MLL", v1.ActorType_ACTOR_TYPE_NGO, v1.Role_ROLE_MEMBER, ""),
		left)
	present := v1.AttendanceStatus_ATTENDANCE_STATUS_PRESENT
	m := &v1.MeetingView{Id: "meeting-1", GroupId: "l1", GroupName: "Nokian perhekeskuksen ohjausryhmä", StartsAt: "2026-12-10T14:00:00+02:00",
		Place: "Sali 3", AgendaDeadline: "2026-12-03", State: v1.MeetingState_MEETING_STATE_CLOSED, AgendaApproved: true, Lawful: true, Quorate: true,
		Attendance: []*v1.Attendance{{MembershipId: "m1", Status: present}, {MembershipId: "m2", Status: present},
			{MembershipId: "m3", Status: v1.AttendanceStatus_ATTENDANCE_STATUS_DEPUTY, DeputyName: "Mikko Varanen"}, {MembershipId: "m4", Status: present}},
		CheckerMembershipIds: []string{"m2", "m3"}, CheckedByMembershipIds: []string{"m2"},
		Items: []*v1.ItemView{{Id: "i1", Position: 1, Section: 41, Item: &v1.AgendaItem{Title: "Toimintasuunnitelma", Proposal: "Hyväksytään."},
			PreviousItemId: "i0",
			History: []*v1.EarlierHandling{{ItemId: "i0", StartsAt: "2026-09-17T13:00:00+03:00", Section: 32,
				Decision: &v1.Decision{Outcome: v1.Outcome_OUTCOME_TABLED, Text: "Jätettiin pöydälle."}}},
			Corrections: []*v1.Correction{{Before: &v1.Decision{Outcome: v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, Text: "Hyväksyttiin."},
				After: &v1.Decision{Outcome: v1.Outcome_OUTCOME_APPROVED_AS_AMENDED, Text: "Hyväksyttiin muutettuna."}, Reason: "kirjausvirhe", CorrectedAt: "2026-12-15T08:30:00Z"}},
			Decision: &v1.Decision{Outcome: v1.Outcome_OUTCOME_APPROVED_AS_AMENDED, Text: "Hyväksyttiin muutettuna.",
				Dissents: []*v1.Dissent{{MembershipId: "m2", Text: "Perheitä ei kuultu."}, {MembershipId: "m3", Text: "Varajäsenen eriävä mielipide."},
					{MembershipId: "m4", Text: "Sittemmin eronneen jäsenen eriävä mielipide."}, {MembershipId: "m9", Text: "Tuntematon."}}}}},
	}
	var b bytes.Buffer
	if err := printMeeting(&b, m, g); err != nil {
		t.Fatal(err)
	}
	golden(t, "meeting.golden", b.Bytes())
}
