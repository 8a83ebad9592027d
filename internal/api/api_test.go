package api_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpcreflect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/proto"

	"github.com/ohjaamo/ohjaamo/internal/api"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	"github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1/ohjaamov1connect"
	"github.com/ohjaamo/ohjaamo/internal/testenv"
)

type clients struct {
	url    string
	http   *http.Client // carries the caller's credentials
	dir    string       // the server's data directory, when the test made it
	groups ohjaamov1connect.GroupServiceClient
	admin  ohjaamov1connect.AdminServiceClient
}

func start(t testing.TB, demo bool) clients {
	t.Helper()
	dir := t.TempDir()
	app, err := api.Start(context.Background(), api.Config{Listen: "127.0.0.1:0", DataDir: dir, Demo: demo,
		ReadWait: 3 * time.Second, Logger: testenv.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := app.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return clients{url: app.URL(), http: testHTTP(app), dir: dir,
		groups: ohjaamov1connect.NewGroupServiceClient(testHTTP(app), app.URL()),
		admin:  ohjaamov1connect.NewAdminServiceClient(testHTTP(app), app.URL())}
}

func (c clients) streamPosition(t *testing.T) uint64 {
	t.Helper()
	res, err := c.admin.GetStatus(context.Background(), connect.NewRequest(&v1.GetStatusRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	return res.Msg.GetStreamPosition()
}

// errField returns the field named in a Connect error's BadRequest detail.
func errField(err error) string {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return ""
	}
	for _, d := range ce.Details() {
		if v, derr := d.Value(); derr == nil {
			if br, ok := v.(*errdetails.BadRequest); ok && len(br.GetFieldViolations()) > 0 {
				return br.GetFieldViolations()[0].GetField()
			}
		}
	}
	return ""
}

const county = "Pirkanmaan hyvinvointialue"

// fixture: a provincial group P with a chair, and a regional group R under it.
type fixture struct {
	p, r, chair string
	pVersion    uint64
}

func setup(t testing.TB, c clients) fixture {
	t.Helper()
	ctx := context.Background()
	p, err := c.groups.CreateGroup(ctx, connect.NewRequest(&v1.CreateGroupRequest{RequestId: "p", Name: &v1.LocalizedName{Fi: "Maakunnallinen ohjausryhmä"},
		Level: v1.Level_LEVEL_PROVINCIAL, WellbeingCounty: county}))
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.groups.CreateGroup(ctx, connect.NewRequest(&v1.CreateGroupRequest{RequestId: "r", Name: &v1.LocalizedName{Fi: "Alueellinen"},
		Level: v1.Level_LEVEL_REGIONAL, ParentId: p.Msg.GetGroupId()}))
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.groups.AddMember(ctx, connect.NewRequest(&v1.AddMemberRequest{RequestId: "chair", GroupId: p.Msg.GetGroupId(),
		PersonName: "Aino Puheenjohtaja", Organisation: "Hyvinvointialue", ActorType: v1.ActorType_ACTOR_TYPE_WELLBEING_COUNTY,
		Role: v1.Role_ROLE_CHAIR, TermStart: "2025-01-01"}))
	if err != nil {
		t.Fatal(err)
	}
	return fixture{p: p.Msg.GetGroupId(), r: r.Msg.GetGroupId(), chair: m.Msg.GetMembershipId(), pVersion: m.Msg.GetResult().GetVersion()}
}

func TestBadInputIsRefusedNamingTheFieldAndWritesNothing(t *testing.T) {
	c := start(t, false)
	f := setup(t, c)
	ctx := context.Background()
	name := &v1.LocalizedName{Fi: "Nimi"}
	unknown := "00000000-0000-4000-8000-000000000999"
	member := func(mod func(*v1.AddMemberRequest)) func() error {
		return func() error {
			m := &v1.AddMemberRequest{GroupId: f.p, PersonName: "Eero Jäsen", Organisation: "Kunta",
				ActorType: v1.ActorType_ACTOR_TYPE_MUNICIPALITY, Role: v1.Role_ROLE_MEMBER, TermStart: "2025-01-01"}
			mod(m)
			_, err := c.groups.AddMember(ctx, connect.NewRequest(m))
			return err
		}
	}
	create := func(m *v1.CreateGroupRequest) func() error {
		return func() error { _, err := c.groups.CreateGroup(ctx, connect.NewRequest(m)); return err }
	}
	cases := []struct {
		name  string
		call  func() error
		code  connect.Code
		field string
	}{
		{"create without a Finnish name", create(&v1.CreateGroupRequest{Name: &v1.LocalizedName{Sv: "Namn"}, Level: v1.Level_LEVEL_PROVINCIAL, WellbeingCounty: county}), connect.CodeInvalidArgument, "name.fi"},
		{"create without a level", create(&v1.CreateGroupRequest{Name: name, WellbeingCounty: county}), connect.CodeInvalidArgument, "level"},
		{"create a level that does not exist", create(&v1.CreateGroupRequest{Name: name, Level: 42, WellbeingCounty: county}), connect.CodeInvalidArgument, "level"},
		{"local group without a parent", create(&v1.CreateGroupRequest{Name: name, Level: v1.Level_LEVEL_LOCAL, Municipalities: []string{"837"}}), connect.CodeInvalidArgument, "parent_id"},
		{"local group under the provincial group", create(&v1.CreateGroupRequest{Name: name, Level: v1.Level_LEVEL_LOCAL, ParentId: f.p, Municipalities: []string{"837"}}), connect.CodeFailedPrecondition, "parent_id"},
		{"provincial group with a parent", create(&v1.CreateGroupRequest{Name: name, Level: v1.Level_LEVEL_PROVINCIAL, ParentId: f.p, WellbeingCounty: county}), connect.CodeInvalidArgument, "parent_id"},
		{"parent that does not exist", create(&v1.CreateGroupRequest{Name: name, Level: v1.Level_LEVEL_LOCAL, ParentId: unknown, Municipalities: []string{"837"}}), connect.CodeNotFound, "parent_id"},
		{"parent that is not an id", create(&v1.CreateGroupRequest{Name: name, Level: v1.Level_LEVEL_LOCAL, ParentId: "tampere", Municipalities: []string{"837"}}), connect.CodeInvalidArgument, "parent_id"},
		{"two-digit municipality code", create(&v1.CreateGroupRequest{Name: name, Level: v1.Level_LEVEL_LOCAL, ParentId: f.r, Municipalities: []string{"837", "83"}}), connect.CodeInvalidArgument, "municipalities[1]"},
		{"another county than the parent's", create(&v1.CreateGroupRequest{Name: name, Level: v1.Level_LEVEL_LOCAL, ParentId: f.r, WellbeingCounty: "Keski-Suomen hyvinvointialue", Municipalities: []string{"837"}}), connect.CodeFailedPrecondition, "wellbeing_county"},
		{"identity code in a name", create(&v1.CreateGroupRequest{Name: &v1.LocalizedName{Fi: "Ryhmä 131052-308T"}, Level: v1.Level_LEVEL_PROVINCIAL, WellbeingCounty: county}), connect.CodeInvalidArgument, "name.fi"},
		{"request id with spaces", create(&v1.CreateGroupRequest{RequestId: "a b", Name: name, Level: v1.Level_LEVEL_PROVINCIAL, WellbeingCounty: county}), connect.CodeInvalidArgument, "request_id"},
		{"rename a malformed id", func() error {
			_, err := c.groups.RenameGroup(ctx, connect.NewRequest(&v1.RenameGroupRequest{GroupId: "x", Name: name}))
			return err
		}, connect.CodeInvalidArgument, "group_id"},
		{"rename a group that does not exist", func() error {
			_, err := c.groups.RenameGroup(ctx, connect.NewRequest(&v1.RenameGroupRequest{GroupId: unknown, Name: name}))
			return err
		}, connect.CodeNotFound, "group_id"},
		{"rename with a stale expected version", func() error {
			_, err := c.groups.RenameGroup(ctx, connect.NewRequest(&v1.RenameGroupRequest{GroupId: f.p, Name: name, ExpectedVersion: proto.Uint64(f.pVersion - 1)}))
			return err
		}, connect.CodeAborted, "expected_version"},
		{"member without a name", member(func(m *v1.AddMemberRequest) { m.PersonName = "" }), connect.CodeInvalidArgument, "person_name"},
		{"member without an actor type", member(func(m *v1.AddMemberRequest) { m.ActorType = 0 }), connect.CodeInvalidArgument, "actor_type"},
		{"a second chair", member(func(m *v1.AddMemberRequest) { m.Role = v1.Role_ROLE_CHAIR }), connect.CodeFailedPrecondition, "role"},
		{"representing a group that is not a child", member(func(m *v1.AddMemberRequest) { m.RepresentsGroupId = f.p }), connect.CodeFailedPrecondition, "represents_group_id"},
		{"term ending before it starts", member(func(m *v1.AddMemberRequest) { m.TermEnd = "2024-12-31" }), connect.CodeInvalidArgument, "term_end"},
		{"a date that is not a date", member(func(m *v1.AddMemberRequest) { m.TermStart = "1.1.2025" }), connect.CodeInvalidArgument, "term_start"},
		{"a malformed e-mail address", member(func(m *v1.AddMemberRequest) { m.Email = "aino at kunta" }), connect.CodeInvalidArgument, "email"},
		{"a person id that is not an id", member(func(m *v1.AddMemberRequest) { m.PersonId = "aino" }), connect.CodeInvalidArgument, "person_id"},
		{"identity code in an organisation", member(func(m *v1.AddMemberRequest) { m.Organisation = "Perhe 010101A123N" }), connect.CodeInvalidArgument, "organisation"},
		{"change a membership that does not exist", func() error {
			_, err := c.groups.ChangeMember(ctx, connect.NewRequest(&v1.ChangeMemberRequest{GroupId: f.p, MembershipId: unknown, Role: v1.Role_ROLE_MEMBER.Enum()}))
			return err
		}, connect.CodeNotFound, "membership_id"},
		{"end a membership on no date", func() error {
			_, err := c.groups.EndMember(ctx, connect.NewRequest(&v1.EndMemberRequest{GroupId: f.p, MembershipId: f.chair, EndedOn: "eilen"}))
			return err
		}, connect.CodeInvalidArgument, "ended_on"},
		{"read a malformed id", func() error {
			_, err := c.groups.GetGroup(ctx, connect.NewRequest(&v1.GetGroupRequest{GroupId: "x"}))
			return err
		}, connect.CodeInvalidArgument, "group_id"},
		{"read a group that does not exist", func() error {
			_, err := c.groups.GetGroup(ctx, connect.NewRequest(&v1.GetGroupRequest{GroupId: unknown}))
			return err
		}, connect.CodeNotFound, "group_id"},
		{"read at a position the stream has not reached", func() error {
			_, err := c.groups.ListGroups(ctx, connect.NewRequest(&v1.ListGroupsRequest{MinPosition: 1 << 40}))
			return err
		}, connect.CodeUnavailable, "min_position"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := c.streamPosition(t)
			err := tc.call()
			if connect.CodeOf(err) != tc.code {
				t.Fatalf("got %v, want %v", err, tc.code)
			}
			if got := errField(err); got != tc.field {
				t.Fatalf("error names field %q, want %q (%v)", got, tc.field, err)
			}
			if !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("message %q does not name %s", err, tc.field)
			}
			if after := c.streamPosition(t); after != before {
				t.Fatalf("a refused request wrote %d events", after-before)
			}
		})
	}
}

func TestErrorsInFinnish(t *testing.T) {
	c := start(t, false)
	req := connect.NewRequest(&v1.CreateGroupRequest{Level: v1.Level_LEVEL_PROVINCIAL, WellbeingCounty: county})
	req.Header().Set("Accept-Language", "fi-FI,fi;q=0.9,en;q=0.5")
	_, err := c.groups.CreateGroup(context.Background(), req)
	if connect.CodeOf(err) != connect.CodeInvalidArgument || !strings.Contains(err.Error(), "name.fi: on pakollinen") {
		t.Fatalf("got %v, want the Finnish message for name.fi", err)
	}
}

func TestRetriedRequestReturnsTheFirstResult(t *testing.T) {
	c := start(t, false)
	ctx := context.Background()
	req := &v1.CreateGroupRequest{RequestId: "create-once", Name: &v1.LocalizedName{Fi: "Kerran"}, Level: v1.Level_LEVEL_PROVINCIAL, WellbeingCounty: county}
	first, err := c.groups.CreateGroup(ctx, connect.NewRequest(req))
	if err != nil {
		t.Fatal(err)
	}
	pos := c.streamPosition(t)
	again, err := c.groups.CreateGroup(ctx, connect.NewRequest(req))
	if err != nil {
		t.Fatal(err)
	}
	if again.Msg.GetGroupId() != first.Msg.GetGroupId() || !again.Msg.GetResult().GetReplayed() ||
		again.Msg.GetResult().GetPosition() != first.Msg.GetResult().GetPosition() {
		t.Fatalf("retry answered %v, first %v", again.Msg, first.Msg)
	}
	if after := c.streamPosition(t); after != pos {
		t.Fatalf("the retry wrote %d events", after-pos)
	}
}

func TestWriteThenReadAtItsPosition(t *testing.T) {
	c := start(t, false)
	f := setup(t, c)
	ctx := context.Background()
	add, err := c.groups.AddMember(ctx, connect.NewRequest(&v1.AddMemberRequest{GroupId: f.p, PersonName: "Outi Alueelta",
		Organisation: "Hyvinvointialue", ActorType: v1.ActorType_ACTOR_TYPE_WELLBEING_COUNTY, Role: v1.Role_ROLE_MEMBER,
		TermStart: "2025-01-01", RepresentsGroupId: f.r}))
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.groups.GetGroup(ctx, connect.NewRequest(&v1.GetGroupRequest{GroupId: f.p, MinPosition: add.Msg.GetResult().GetPosition()}))
	if err != nil {
		t.Fatal(err)
	}
	g := res.Msg.GetGroup()
	if len(g.GetMembers()) != 2 || g.GetVersion() != add.Msg.GetResult().GetVersion() {
		t.Fatalf("group after the write: %d members, version %d; want 2, %d", len(g.GetMembers()), g.GetVersion(), add.Msg.GetResult().GetVersion())
	}
	if m := g.GetMembers()[1]; m.GetRepresentsGroupName() != "Alueellinen" || m.GetId() != add.Msg.GetMembershipId() {
		t.Fatalf("new member: %v", m)
	}
	net, err := c.groups.ListGroups(ctx, connect.NewRequest(&v1.ListGroupsRequest{MinPosition: add.Msg.GetResult().GetPosition()}))
	if err != nil {
		t.Fatal(err)
	}
	if len(net.Msg.GetRoots()) != 1 || len(net.Msg.GetRoots()[0].GetChildren()) != 1 || len(net.Msg.GetLinks()) != 1 ||
		len(net.Msg.GetUnrepresentedGroupIds()) != 0 {
		t.Fatalf("network: %v", net.Msg)
	}
}

func TestGRPCHealthAndReflection(t *testing.T) {
	c := start(t, false)
	ctx := context.Background()
	h2c := &http.Client{Transport: &http.Transport{Protocols: func() *http.Protocols {
		p := new(http.Protocols)
		p.SetUnencryptedHTTP2(true)
		return p
	}()}}
	// gRPC itself, as grpcurl would speak it.
	grpcGroups := ohjaamov1connect.NewGroupServiceClient(h2c, c.url, connect.WithGRPC())
	if _, err := grpcGroups.ListGroups(ctx, connect.NewRequest(&v1.ListGroupsRequest{})); err != nil {
		t.Fatalf("ListGroups over gRPC: %v", err)
	}
	// Server reflection, which grpcurl and buf curl use to find the services.
	stream := grpcreflect.NewClient(h2c, c.url, connect.WithGRPC()).NewStream(ctx)
	defer stream.Close()
	names, err := stream.ListServices()
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, n := range names {
		found[string(n)] = true
	}
	for _, want := range []string{"ohjaamo.v1.GroupService", "ohjaamo.v1.AdminService"} {
		if !found[want] {
			t.Fatalf("reflection lists %v, not %s", names, want)
		}
	}
	// Health over the Connect protocol with JSON, as curl would.
	resp, err := http.Post(c.url+"/grpc.health.v1.Health/Check", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "SERVING") {
		t.Fatalf("health: %d %s", resp.StatusCode, body)
	}
}

// testHTTP is the HTTP client tests call app with: it carries the first
// admin's token, which may act for any group's secretary.
func testHTTP(app *api.App) *http.Client { return bearerClient(app.AdminToken()) }

// bearerClient calls with an API token ("" : anonymous).
func bearerClient(token string) *http.Client {
	if token == "" {
		return http.DefaultClient
	}
	return &http.Client{Transport: bearer{token: token, next: http.DefaultTransport}}
}

type bearer struct {
	token string
	next  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(r)
}

// as answers an HTTP client acting as person, with a token the admin makes.
func (c clients) as(t testing.TB, person string) *http.Client {
	t.Helper()
	access := ohjaamov1connect.NewAccessServiceClient(c.http, c.url)
	res, err := access.CreateToken(context.Background(), connect.NewRequest(&v1.CreateTokenRequest{PersonId: person, Label: "test"}))
	if err != nil {
		t.Fatalf("token for %s: %v", person, err)
	}
	return bearerClient(res.Msg.GetToken())
}

// auditor makes a user with the auditor role only and answers a client
// acting as them, and their person id.
func (c clients) auditor(t testing.TB) (*http.Client, string) {
	t.Helper()
	access := ohjaamov1connect.NewAccessServiceClient(c.http, c.url)
	res, err := access.SetUserRoles(context.Background(), connect.NewRequest(&v1.SetUserRolesRequest{Auditor: true, Organisation: "THL, arviointi"}))
	if err != nil {
		t.Fatalf("auditor: %v", err)
	}
	return c.as(t, res.Msg.GetPersonId()), res.Msg.GetPersonId()
}

// whoAmI answers who client calls as.
func (c clients) whoAmI(t testing.TB, client *http.Client) *v1.WhoAmIResponse {
	t.Helper()
	res, err := ohjaamov1connect.NewAccessServiceClient(client, c.url).WhoAmI(context.Background(), connect.NewRequest(&v1.WhoAmIRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	return res.Msg
}
