package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/ohjaamo/ohjaamo/internal/api"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	"github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1/ohjaamov1connect"
)

// The roles of the access table, as letters of the expectation strings.
var roleLetters = []struct {
	letter byte
	name   string
}{
	{'a', "anonymous"}, {'o', "member of another group"}, {'m', "member"}, {'s', "secretary"},
	{'c', "chair"}, {'u', "auditor"}, {'d', "admin"},
}

// accessTable: which roles may call each procedure. The requests name the
// group G where member, secretary and chair sit; a membership field names
// the caller's own membership in G (someone else's when they have none); a
// person field names the caller (anonymous: the member); a subscription,
// feed or API token is the member's. Every procedure of every service must
// be here: a new RPC fails this test until it has a rule and a row.
var accessTable = map[string]string{
	ohjaamov1connect.GroupServiceCreateGroupProcedure:  "d",
	ohjaamov1connect.GroupServiceRenameGroupProcedure:  "d",
	ohjaamov1connect.GroupServiceAddMemberProcedure:    "sd",
	ohjaamov1connect.GroupServiceChangeMemberProcedure: "sd",
	ohjaamov1connect.GroupServiceEndMemberProcedure:    "sd",
	ohjaamov1connect.GroupServiceGetGroupProcedure:     "aomscud",
	ohjaamov1connect.GroupServiceListGroupsProcedure:   "aomscud",

	ohjaamov1connect.MeetingServiceScheduleMeetingProcedure:     "scd",
	ohjaamov1connect.MeetingServiceRescheduleMeetingProcedure:   "scd",
	ohjaamov1connect.MeetingServiceCancelMeetingProcedure:       "scd",
	ohjaamov1connect.MeetingServiceAddItemProcedure:             "mscd", // as a member's proposal
	ohjaamov1connect.MeetingServiceWithdrawItemProcedure:        "scd",
	ohjaamov1connect.MeetingServiceOpenMeetingProcedure:         "scd",
	ohjaamov1connect.MeetingServiceApproveAgendaProcedure:       "scd",
	ohjaamov1connect.MeetingServiceRecordDecisionProcedure:      "scd",
	ohjaamov1connect.MeetingServiceCloseMeetingProcedure:        "scd",
	ohjaamov1connect.MeetingServiceNameMinutesCheckersProcedure: "scd",
	ohjaamov1connect.MeetingServiceCheckMinutesProcedure:        "mscd",
	ohjaamov1connect.MeetingServiceApproveMinutesProcedure:      "scd",
	ohjaamov1connect.MeetingServiceCorrectDecisionProcedure:     "scd",
	ohjaamov1connect.MeetingServiceEditItemProcedure:            "scd",
	ohjaamov1connect.MeetingServiceMoveItemProcedure:            "scd",
	ohjaamov1connect.MeetingServiceReorderAgendaProcedure:       "scd",
	ohjaamov1connect.MeetingServicePlanYearProcedure:            "scd",
	ohjaamov1connect.MeetingServiceEscalateItemProcedure:        "scd",
	ohjaamov1connect.MeetingServiceReferItemProcedure:           "scd",
	ohjaamov1connect.MeetingServiceListCycleProcedure:           "aomscud",
	ohjaamov1connect.MeetingServiceListInFlightProcedure:        "aomscud",
	ohjaamov1connect.MeetingServiceGetMeetingProcedure:          "aomscud",
	ohjaamov1connect.MeetingServiceListMeetingsProcedure:        "aomscud",
	ohjaamov1connect.MeetingServiceGetMinutesProcedure:          "aomscud",
	ohjaamov1connect.MeetingServiceSearchItemsProcedure:         "aomscud",

	ohjaamov1connect.CommunicationServiceAssignResponsibilityProcedure:   "scd",
	ohjaamov1connect.CommunicationServiceReassignResponsibilityProcedure: "scd",
	ohjaamov1connect.CommunicationServiceWaiveResponsibilityProcedure:    "scd",
	ohjaamov1connect.CommunicationServiceMarkResponsibilityDoneProcedure: "mscd",
	ohjaamov1connect.CommunicationServiceListResponsibilitiesProcedure:   "omscud",
	ohjaamov1connect.CommunicationServiceListUpwardAsksProcedure:         "omscud",
	ohjaamov1connect.CommunicationServiceBringUpProcedure:                "mscd",

	ohjaamov1connect.VoiceServiceRecordVoiceProcedure: "mscd",
	ohjaamov1connect.VoiceServiceListVoicesProcedure:  "omscud",
	ohjaamov1connect.VoiceServiceTraceVoiceProcedure:  "omscud",
	ohjaamov1connect.VoiceServiceVoiceReportProcedure: "aomscud",

	ohjaamov1connect.AuditServiceVerifyChainsProcedure:   "ud",
	ohjaamov1connect.AuditServiceGetHistoryProcedure:     "u",
	ohjaamov1connect.AuditServiceExportEvidenceProcedure: "u",

	ohjaamov1connect.SubscriptionServiceCreateSubscriptionProcedure:    "omscud",
	ohjaamov1connect.SubscriptionServiceListSubscriptionsProcedure:     "omscud",
	ohjaamov1connect.SubscriptionServicePauseSubscriptionProcedure:     "md",
	ohjaamov1connect.SubscriptionServiceResumeSubscriptionProcedure:    "md",
	ohjaamov1connect.SubscriptionServiceDeleteSubscriptionProcedure:    "md",
	ohjaamov1connect.SubscriptionServiceAffectedByProcedure:            "aomscud",
	ohjaamov1connect.SubscriptionServiceWatchDecisionsProcedure:        "md",
	ohjaamov1connect.SubscriptionServiceCreateFeedTokenProcedure:       "omscud",
	ohjaamov1connect.SubscriptionServiceRevokeFeedTokenProcedure:       "md",
	ohjaamov1connect.SubscriptionServiceSetWebhookProcedure:            "md",
	ohjaamov1connect.SubscriptionServiceRemoveWebhookProcedure:         "md",
	ohjaamov1connect.SubscriptionServiceListWebhookDeliveriesProcedure: "md",
	ohjaamov1connect.SubscriptionServiceRedeliverWebhookProcedure:      "md",
	ohjaamov1connect.SubscriptionServiceGetDigestProcedure:             "omscud",
	ohjaamov1connect.SubscriptionServiceSendDigestsProcedure:           "d",

	ohjaamov1connect.AdminServiceRebuildProjectionsProcedure: "d",
	ohjaamov1connect.AdminServiceGetStatusProcedure:          "ud",
	ohjaamov1connect.AdminServiceForgetPersonProcedure:       "d",

	ohjaamov1connect.AccessServiceWhoAmIProcedure:       "aomscud",
	ohjaamov1connect.AccessServiceCreateTokenProcedure:  "omscud",
	ohjaamov1connect.AccessServiceListTokensProcedure:   "omscud",
	ohjaamov1connect.AccessServiceRevokeTokenProcedure:  "md",
	ohjaamov1connect.AccessServiceSetUserRolesProcedure: "d",
	ohjaamov1connect.AccessServiceListUsersProcedure:    "d",
}

// persona is one role's caller in the access test.
type persona struct {
	letter             byte
	client             *http.Client
	person, membership string // membership: in the group G
}

// accessWorld is the network the access table runs against.
type accessWorld struct {
	c                          clients
	group                      string
	member                     persona // whose subscription, feed and tokens are used
	sub, feedToken, spareToken string
}

func addMember(t *testing.T, c clients, group, name string, role v1.Role) (membership, person string) {
	t.Helper()
	res, err := c.groups.AddMember(context.Background(), connect.NewRequest(&v1.AddMemberRequest{GroupId: group, PersonName: name,
		Organisation: "Kunta", ActorType: v1.ActorType_ACTOR_TYPE_MUNICIPALITY, Role: role, TermStart: "2025-01-01"}))
	if err != nil {
		t.Fatalf("add %s: %v", name, err)
	}
	return res.Msg.GetMembershipId(), res.Msg.GetPersonId()
}

func newAccessWorld(t *testing.T) (accessWorld, []persona) {
	c := start(t, false)
	f := setup(t, c)
	ctx := context.Background()
	other, err := c.groups.CreateGroup(ctx, connect.NewRequest(&v1.CreateGroupRequest{Name: &v1.LocalizedName{Fi: "Toinen alue"},
		Level: v1.Level_LEVEL_REGIONAL, ParentId: f.p}))
	if err != nil {
		t.Fatal(err)
	}
	w := accessWorld{c: c, group: f.r}
	ps := []persona{{letter: 'a', client: bearerClient("")}}
	_, op := addMember(t, c, other.Msg.GetGroupId(), "Olli Muualta", v1.Role_ROLE_MEMBER)
	ps = append(ps, persona{letter: 'o', client: c.as(t, op), person: op})
	for _, p := range []struct {
		letter byte
		name   string
		role   v1.Role
	}{{'m', "Maija Jäsen", v1.Role_ROLE_MEMBER}, {'s', "Sanna Sihteeri", v1.Role_ROLE_SECRETARY}, {'c', "Pekka Puheenjohtaja", v1.Role_ROLE_CHAIR}} {
		ms, person := addMember(t, c, f.r, p.name, p.role)
		ps = append(ps, persona{letter: p.letter, client: c.as(t, person), person: person, membership: ms})
	}
	w.member = ps[2]
	auditor, ap := c.auditor(t)
	ps = append(ps, persona{letter: 'u', client: auditor, person: ap})
	ps = append(ps, persona{letter: 'd', client: c.http, person: c.whoAmI(t, c.http).GetPersonId()})

	subs := ohjaamov1connect.NewSubscriptionServiceClient(c.http, c.url)
	sub, err := subs.CreateSubscription(ctx, connect.NewRequest(&v1.CreateSubscriptionRequest{PersonId: w.member.person, Name: "Alueen päätökset",
		Filter: &v1.SubscriptionFilter{GroupId: f.r}}))
	if err != nil {
		t.Fatal(err)
	}
	feed, err := subs.CreateFeedToken(ctx, connect.NewRequest(&v1.CreateFeedTokenRequest{PersonId: w.member.person, Kind: v1.FeedKind_FEED_KIND_ATOM, GroupId: f.r}))
	if err != nil {
		t.Fatal(err)
	}
	spare, err := ohjaamov1connect.NewAccessServiceClient(c.http, c.url).CreateToken(ctx, connect.NewRequest(&v1.CreateTokenRequest{PersonId: w.member.person, Label: "spare"}))
	if err != nil {
		t.Fatal(err)
	}
	w.sub, w.feedToken, w.spareToken = sub.Msg.GetSubscriptionId(), feed.Msg.GetTokenId(), spare.Msg.GetTokenId()
	return w, ps
}

// request builds procedure's request as persona p would send it.
func (w accessWorld) request(t *testing.T, procedure string, md protoreflect.MethodDescriptor, p persona) proto.Message {
	t.Helper()
	mt, err := protoregistry.GlobalTypes.FindMessageByName(md.Input().FullName())
	if err != nil {
		t.Fatal(err)
	}
	msg := mt.New()
	fields := msg.Descriptor().Fields()
	set := func(name, value string) {
		if fd := fields.ByName(protoreflect.Name(name)); fd != nil && fd.Kind() == protoreflect.StringKind && !fd.IsList() {
			msg.Set(fd, protoreflect.ValueOfString(value))
		}
	}
	own := p.membership
	if own == "" {
		own = w.member.membership // somebody else's
	}
	person := p.person
	if person == "" {
		person = w.member.person
	}
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if fd.Kind() != protoreflect.StringKind || fd.IsList() || !strings.HasSuffix(string(fd.Name()), "_id") {
			continue
		}
		set(string(fd.Name()), uuid.NewString()) // unknown things: NotFound once allowed
	}
	set("request_id", uuid.NewString())
	set("group_id", w.group)
	set("person_id", person)
	set("subscription_id", w.sub)
	switch procedure {
	case ohjaamov1connect.MeetingServiceCheckMinutesProcedure, ohjaamov1connect.CommunicationServiceBringUpProcedure:
		set("membership_id", own)
	case ohjaamov1connect.CommunicationServiceMarkResponsibilityDoneProcedure:
		set("by_membership_id", own)
	case ohjaamov1connect.VoiceServiceRecordVoiceProcedure:
		set("recorded_by_membership_id", own)
	case ohjaamov1connect.AccessServiceRevokeTokenProcedure:
		set("token_id", w.spareToken)
	case ohjaamov1connect.SubscriptionServiceRevokeFeedTokenProcedure:
		set("token_id", w.feedToken)
	case ohjaamov1connect.MeetingServiceAddItemProcedure:
		msg.Interface().(*v1.AddItemRequest).Item = &v1.AgendaItem{Title: "Ehdotus", Origin: v1.ItemOrigin_ITEM_ORIGIN_MEMBER}
		set("previous_item_id", "") // a new item
	case ohjaamov1connect.SubscriptionServiceWatchDecisionsProcedure:
		set("person_id", "") // the subscription's watch
	case ohjaamov1connect.AccessServiceCreateTokenProcedure:
		set("membership_id", "") // for oneself, by person id
	case ohjaamov1connect.GroupServiceAddMemberProcedure:
		set("person_id", "") // a new person
	case ohjaamov1connect.SubscriptionServiceCreateFeedTokenProcedure:
		set("subscription_id", "") // a feed of the group, for oneself
	}
	return msg.Interface()
}

// callCode makes one call as Connect JSON and answers its error code ("" when it succeeded).
func callCode(t *testing.T, client *http.Client, url, procedure string, streaming bool, msg proto.Message) string {
	t.Helper()
	body, err := protojson.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	ctype := "application/json"
	if streaming {
		env := make([]byte, 5, 5+len(body))
		binary.BigEndian.PutUint32(env[1:], uint32(len(body)))
		body, ctype = append(env, body...), "application/connect+json"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+procedure, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", procedure, err)
	}
	defer res.Body.Close()
	var e struct {
		Code  string `json:"code"`
		Error *struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if !streaming {
		if res.StatusCode == http.StatusOK {
			return ""
		}
		if err := json.NewDecoder(res.Body).Decode(&e); err != nil {
			t.Fatalf("%s: HTTP %d: %v", procedure, res.StatusCode, err)
		}
		return e.Code
	}
	// A stream: the first envelope is a message (allowed) or the end of
	// the stream carrying the error.
	r := bufio.NewReader(res.Body)
	head := make([]byte, 5)
	if _, err := io.ReadFull(r, head); err != nil {
		t.Fatalf("%s: stream: %v", procedure, err)
	}
	payload := make([]byte, binary.BigEndian.Uint32(head[1:]))
	if _, err := io.ReadFull(r, payload); err != nil {
		t.Fatalf("%s: stream: %v", procedure, err)
	}
	if head[0]&2 == 0 {
		return ""
	}
	if err := json.Unmarshal(payload, &e); err != nil {
		t.Fatalf("%s: end of stream %q: %v", procedure, payload, err)
	}
	if e.Error == nil {
		return ""
	}
	return e.Error.Code
}

// TestAccessTable calls every procedure of every service as every role
// against the real server and checks who is let through: a refusal is
// unauthenticated (anonymous) or permission_denied; anything else (the
// answer, or NotFound and InvalidArgument for the made-up ids) means the
// rule let the call through.
func TestAccessTable(t *testing.T) {
	w, personas := newAccessWorld(t)
	procedures := map[string]protoreflect.MethodDescriptor{}
	protoregistry.GlobalFiles.RangeFilesByPackage("ohjaamo.v1", func(fd protoreflect.FileDescriptor) bool {
		for i := 0; i < fd.Services().Len(); i++ {
			sd := fd.Services().Get(i)
			for j := 0; j < sd.Methods().Len(); j++ {
				md := sd.Methods().Get(j)
				procedures[fmt.Sprintf("/%s/%s", sd.FullName(), md.Name())] = md
			}
		}
		return true
	})
	var names []string
	for p := range procedures {
		names = append(names, p)
	}
	sort.Strings(names)
	if len(names) < 60 {
		t.Fatalf("found only %d procedures", len(names))
	}
	rules := api.Rules()
	for _, procedure := range names {
		allow, ok := accessTable[procedure]
		if !ok {
			t.Errorf("%s is not in the access table: give it a rule in internal/api/rules.go and a row here", procedure)
			continue
		}
		if _, ok := rules[procedure]; !ok {
			t.Errorf("%s has no rule in internal/api/rules.go", procedure)
		}
		md := procedures[procedure]
		for _, p := range personas {
			code := callCode(t, p.client, w.c.url, procedure, md.IsStreamingServer(), w.request(t, procedure, md, p))
			refused := code == "permission_denied" || code == "unauthenticated"
			if want := strings.IndexByte(allow, p.letter) >= 0; want == refused {
				t.Errorf("%s as %s: got %q, want allowed=%v", procedure, roleName(p.letter), code, want)
			}
			if refused && p.letter == 'a' && code != "unauthenticated" {
				t.Errorf("%s as anonymous: %s, want unauthenticated", procedure, code)
			}
			if refused && p.letter != 'a' && code != "permission_denied" {
				t.Errorf("%s as %s: %s, want permission_denied", procedure, roleName(p.letter), code)
			}
		}
	}
	for procedure := range accessTable {
		if _, ok := procedures[procedure]; !ok {
			t.Errorf("the access table names %s, which no service has", procedure)
		}
	}
}

func roleName(letter byte) string {
	for _, r := range roleLetters {
		if r.letter == letter {
			return r.name
		}
	}
	return string(letter)
}

// TestTokens: a token works until it is revoked or expires; a wrong secret,
// a made-up token or another scheme is refused, never taken as anonymous;
// only the hash is stored; last use is kept; a retried create does not
// answer the token again.
func TestTokens(t *testing.T) {
	c := start(t, false)
	f := setup(t, c)
	ctx := context.Background()
	membership, person := addMember(t, c, f.r, "Tiina Tunnus", v1.Role_ROLE_SECRETARY)
	access := ohjaamov1connect.NewAccessServiceClient(c.http, c.url)
	// By membership id, as group show lists them: the person who holds it.
	byMembership, err := access.CreateToken(ctx, connect.NewRequest(&v1.CreateTokenRequest{MembershipId: membership}))
	if err != nil || c.whoAmI(t, bearerClient(byMembership.Msg.GetToken())).GetPersonId() != person {
		t.Fatalf("token by membership: %v %v", byMembership, err)
	}
	_, err = ohjaamov1connect.NewAccessServiceClient(bearerClient(byMembership.Msg.GetToken()), c.url).CreateToken(ctx,
		connect.NewRequest(&v1.CreateTokenRequest{MembershipId: f.chair}))
	if connect.CodeOf(err) != connect.CodePermissionDenied || errField(err) != "membership_id" {
		t.Fatalf("a token for somebody else's membership: %v", err)
	}
	created, err := access.CreateToken(ctx, connect.NewRequest(&v1.CreateTokenRequest{RequestId: "tiina-laptop", PersonId: person, Label: "läppäri", ValidDays: 30}))
	if err != nil {
		t.Fatal(err)
	}
	token := created.Msg.GetToken()
	if !strings.HasPrefix(token, "ohj_"+created.Msg.GetTokenId()+"_") {
		t.Fatalf("token %q, id %s", token, created.Msg.GetTokenId())
	}
	if exp, err := time.Parse(time.RFC3339, created.Msg.GetExpiresAt()); err != nil || exp.Sub(time.Now()) < 29*24*time.Hour || exp.Sub(time.Now()) > 31*24*time.Hour {
		t.Fatalf("expires %q: %v", created.Msg.GetExpiresAt(), err)
	}
	again, err := access.CreateToken(ctx, connect.NewRequest(&v1.CreateTokenRequest{RequestId: "tiina-laptop", PersonId: person, Label: "läppäri", ValidDays: 30}))
	if err != nil || again.Msg.GetToken() != "" || !again.Msg.GetResult().GetReplayed() {
		t.Fatalf("retried create: %v %v", again, err)
	}

	who := c.whoAmI(t, bearerClient(token))
	if who.GetPersonId() != person || len(who.GetSeats()) != 1 || who.GetSeats()[0].GetRole() != v1.Role_ROLE_SECRETARY || who.GetSeats()[0].GetGroupId() != f.r {
		t.Fatalf("whoami: %v", who)
	}
	// The secretary runs her group and not the other.
	meetings := func(token string) ohjaamov1connect.MeetingServiceClient {
		return ohjaamov1connect.NewMeetingServiceClient(bearerClient(token), c.url)
	}
	if _, err := meetings(token).ScheduleMeeting(ctx, connect.NewRequest(&v1.ScheduleMeetingRequest{GroupId: f.r, StartsAt: "2026-12-10T10:00:00+02:00", Place: "Sali"})); err != nil {
		t.Fatalf("secretary schedules: %v", err)
	}
	_, err = meetings(token).ScheduleMeeting(ctx, connect.NewRequest(&v1.ScheduleMeetingRequest{GroupId: f.p, StartsAt: "2026-12-10T10:00:00+02:00", Place: "Sali"}))
	if connect.CodeOf(err) != connect.CodePermissionDenied || errField(err) != "group_id" {
		t.Fatalf("secretary of another group schedules: %v", err)
	}
	req := connect.NewRequest(&v1.ScheduleMeetingRequest{GroupId: f.p, StartsAt: "2026-12-10T10:00:00+02:00", Place: "Sali"})
	req.Header().Set("Accept-Language", "fi")
	_, err = meetings(token).ScheduleMeeting(ctx, req)
	if !strings.Contains(err.Error(), "vain ryhmän sihteeri tai puheenjohtaja") {
		t.Fatalf("Finnish refusal: %v", err)
	}

	// Not anonymous: bad credentials are refused.
	for name, h := range map[string]string{
		"wrong secret": "Bearer " + token[:len(token)-4] + "AAAA",
		"made up":      "Bearer ohj_" + strings.Repeat("ab", 16) + "_" + strings.Repeat("A", 43),
		"malformed":    "Bearer " + token + "x",
		"basic":        "Basic dGlpbmE6c2FsYXNhbmE=",
	} {
		r := connect.NewRequest(&v1.WhoAmIRequest{})
		r.Header().Set("Authorization", h)
		_, err := ohjaamov1connect.NewAccessServiceClient(http.DefaultClient, c.url).WhoAmI(ctx, r)
		if connect.CodeOf(err) != connect.CodeUnauthenticated {
			t.Errorf("%s: %v", name, err)
		}
	}

	// Listed with its last use; revoked, it stops working at once.
	list, err := access.ListTokens(ctx, connect.NewRequest(&v1.ListTokensRequest{PersonId: person}))
	if err != nil || len(list.Msg.GetTokens()) != 2 {
		t.Fatalf("list: %v %v", list, err)
	}
	tk := list.Msg.GetTokens()[1]
	if tk.GetLabel() != "läppäri" || tk.GetLastUsedAt() == "" || tk.GetRevokedAt() != "" || tk.GetExpired() || !strings.HasPrefix(tk.GetCreatedBy(), "person:") {
		t.Fatalf("listed: %v", tk)
	}
	own := ohjaamov1connect.NewAccessServiceClient(bearerClient(token), c.url)
	if _, err := own.RevokeToken(ctx, connect.NewRequest(&v1.RevokeTokenRequest{TokenId: tk.GetTokenId(), Reason: "läppäri vaihtui"})); err != nil {
		t.Fatal(err)
	}
	if _, err := own.WhoAmI(ctx, connect.NewRequest(&v1.WhoAmIRequest{})); connect.CodeOf(err) != connect.CodeUnauthenticated {
		t.Fatalf("revoked token: %v", err)
	}

	// The stream holds the hash of the secret, never the token.
	secret := token[strings.LastIndexByte(token, '_')+1:]
	if n := countInFiles(t, c.dir, []byte(secret)); n != 0 {
		t.Fatalf("the token's secret is in %d stored files", n)
	}
	if n := countInFiles(t, c.dir, []byte("läppäri vaihtui")); n == 0 {
		t.Fatal("the file scan finds nothing, not even the revocation's reason")
	}

	// Bad input names the field and writes nothing.
	before := c.streamPosition(t)
	for name, m := range map[string]*v1.CreateTokenRequest{
		"too long":        {PersonId: person, ValidDays: 400},
		"unknown person":  {PersonId: uuid.NewString()},
		"identity code":   {PersonId: person, Label: "131052-308T"},
		"not a person id": {PersonId: "tiina"},
	} {
		if _, err := access.CreateToken(ctx, connect.NewRequest(m)); err == nil || errField(err) == "" {
			t.Errorf("%s: %v (field %q)", name, err, errField(err))
		}
	}
	if after := c.streamPosition(t); after != before {
		t.Fatalf("refused creates wrote: %d -> %d", before, after)
	}
}

// countInFiles counts the files under dir (JetStream's, the read models')
// whose bytes contain b.
func countInFiles(t *testing.T, dir string, b []byte) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(data, b) {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestMineWithoutAPersonID: a signed-in member's subscriptions, feeds and
// digest need no person id: they are the caller's.
func TestMineWithoutAPersonID(t *testing.T) {
	c := start(t, false)
	f := setup(t, c)
	ctx := context.Background()
	_, person := addMember(t, c, f.r, "Mirja Minä", v1.Role_ROLE_MEMBER)
	subs := ohjaamov1connect.NewSubscriptionServiceClient(c.as(t, person), c.url)
	created, err := subs.CreateSubscription(ctx, connect.NewRequest(&v1.CreateSubscriptionRequest{Name: "Omat", Filter: &v1.SubscriptionFilter{GroupId: f.r}}))
	if err != nil {
		t.Fatal(err)
	}
	list, err := subs.ListSubscriptions(ctx, connect.NewRequest(&v1.ListSubscriptionsRequest{MinPosition: created.Msg.GetResult().GetPosition()}))
	if err != nil || len(list.Msg.GetSubscriptions()) != 1 || list.Msg.GetSubscriptions()[0].GetPersonId() != person {
		t.Fatalf("my subscriptions: %v %v", list, err)
	}
	if _, err := subs.CreateFeedToken(ctx, connect.NewRequest(&v1.CreateFeedTokenRequest{Kind: v1.FeedKind_FEED_KIND_ATOM, GroupId: f.r})); err != nil {
		t.Fatalf("my feed: %v", err)
	}
	if _, err := subs.GetDigest(ctx, connect.NewRequest(&v1.GetDigestRequest{})); err != nil {
		t.Fatalf("my digest: %v", err)
	}
	// Somebody else's are not mine to list.
	_, err = subs.ListSubscriptions(ctx, connect.NewRequest(&v1.ListSubscriptionsRequest{PersonId: c.whoAmI(t, c.http).GetPersonId()}))
	if connect.CodeOf(err) != connect.CodePermissionDenied || errField(err) != "person_id" {
		t.Fatalf("the admin's subscriptions, as a member: %v", err)
	}
}

// TestRulesLookAtWhatIsAsked: what a role may do depends on what the
// request asks, not only on the procedure.
func TestRulesLookAtWhatIsAsked(t *testing.T) {
	c := start(t, false)
	f := setup(t, c)
	ctx := context.Background()
	_, secretary := addMember(t, c, f.r, "Sanna Sihteeri", v1.Role_ROLE_SECRETARY)
	_, member := addMember(t, c, f.r, "Maija Jäsen", v1.Role_ROLE_MEMBER)
	_, other := addMember(t, c, f.p, "Olli Muualla", v1.Role_ROLE_MEMBER)
	meetings := ohjaamov1connect.NewMeetingServiceClient(c.as(t, member), c.url)
	for name, tc := range map[string]struct {
		call  func() error
		field string
	}{
		// A secretary seats new people; an existing person's e-mail and
		// digests follow their id, so seating them again is the admin's.
		"a secretary seats an existing person": {func() error {
			_, err := ohjaamov1connect.NewGroupServiceClient(c.as(t, secretary), c.url).AddMember(ctx, connect.NewRequest(&v1.AddMemberRequest{
				GroupId: f.r, PersonId: other, PersonName: "Olli Muualla", Email: "kaappaaja@example.fi", Organisation: "Kunta",
				ActorType: v1.ActorType_ACTOR_TYPE_MUNICIPALITY, Role: v1.Role_ROLE_MEMBER}))
			return err
		}, "person_id"},
		"a member adds an urgent item": {func() error {
			_, err := meetings.AddItem(ctx, connect.NewRequest(&v1.AddItemRequest{GroupId: f.r, MeetingId: uuid.NewString(), Urgent: true,
				Item: &v1.AgendaItem{Title: "Kiire", Origin: v1.ItemOrigin_ITEM_ORIGIN_MEMBER}}))
			return err
		}, "urgent"},
		"a member brings back a tabled item": {func() error {
			_, err := meetings.AddItem(ctx, connect.NewRequest(&v1.AddItemRequest{GroupId: f.r, MeetingId: uuid.NewString(), PreviousItemId: uuid.NewString(),
				Item: &v1.AgendaItem{Title: "Taas", Origin: v1.ItemOrigin_ITEM_ORIGIN_MEMBER}}))
			return err
		}, "previous_item_id"},
		"a member adds a secretary's item": {func() error {
			_, err := meetings.AddItem(ctx, connect.NewRequest(&v1.AddItemRequest{GroupId: f.r, MeetingId: uuid.NewString(),
				Item: &v1.AgendaItem{Title: "Sihteerin", Origin: v1.ItemOrigin_ITEM_ORIGIN_SECRETARY}}))
			return err
		}, "item.origin"},
		"an admin makes themselves an auditor": {func() error {
			_, err := ohjaamov1connect.NewAccessServiceClient(c.http, c.url).SetUserRoles(ctx, connect.NewRequest(&v1.SetUserRolesRequest{
				PersonId: c.whoAmI(t, c.http).GetPersonId(), Admin: true, Auditor: true}))
			return err
		}, "auditor"},
	} {
		if err := tc.call(); connect.CodeOf(err) != connect.CodePermissionDenied || errField(err) != tc.field {
			t.Errorf("%s: %v (field %q), want permission_denied on %s", name, err, errField(err), tc.field)
		}
	}
}

// TestAMemberCannotCarryAVoiceTheyCannotRead: an item carrying a voice lets
// its group read the voice, so a member may not make their proposal carry a
// voice of another group (found in review: it was a way to read any voice).
func TestAMemberCannotCarryAVoiceTheyCannotRead(t *testing.T) {
	c := start(t, false)
	f := setup(t, c)
	ctx := context.Background()
	m := meetingFixture{c: c, f: f, meetings: ohjaamov1connect.NewMeetingServiceClient(c.http, c.url)}
	rMs, _ := addMember(t, c, f.r, "Reija R", v1.Role_ROLE_MEMBER)
	rec, err := ohjaamov1connect.NewVoiceServiceClient(c.http, c.url).RecordVoice(ctx, connect.NewRequest(&v1.RecordVoiceRequest{GroupId: f.r,
		Municipality: "837", Channel: v1.VoiceChannel_VOICE_CHANNEL_FEEDBACK, Summary: "Perheet kertoivat SALAISUUS-VOICE-9", RaisedOn: "2026-01-10",
		RecordedByMembershipId: rMs}))
	if err != nil {
		t.Fatal(err)
	}
	q, qChair := m.addGroup(t, "Toinen alue", v1.Level_LEVEL_REGIONAL, f.p)
	_, intruder := addMember(t, c, q, "Utelias", v1.Role_ROLE_MEMBER)
	meeting := m.in(q, qChair).schedule(t, "q-meeting", "2030-11-10T13:00:00+02:00")
	as := c.as(t, intruder)
	it := item("Ehdotus")
	it.Origin, it.FamilyVoiceIds = v1.ItemOrigin_ITEM_ORIGIN_MEMBER, []string{rec.Msg.GetVoiceId()}
	_, err = ohjaamov1connect.NewMeetingServiceClient(as, c.url).AddItem(ctx, connect.NewRequest(&v1.AddItemRequest{GroupId: q, MeetingId: meeting, Item: it}))
	if connect.CodeOf(err) != connect.CodeNotFound || errField(err) != "item.family_voice_ids[0]" {
		t.Fatalf("a member's proposal carrying another group's voice: %v", err)
	}
	if _, err := ohjaamov1connect.NewVoiceServiceClient(as, c.url).TraceVoice(ctx, connect.NewRequest(&v1.TraceVoiceRequest{VoiceId: rec.Msg.GetVoiceId(),
		MinPosition: c.streamPosition(t)})); connect.CodeOf(err) != connect.CodeNotFound {
		t.Fatalf("the intruder reads the voice: %v", err)
	}
	// Its own group's member may.
	own := c.as(t, personOf(t, c, f.r, rMs))
	rMeeting := m.in(f.r, "").schedule(t, "r-meeting", "2030-11-11T13:00:00+02:00")
	if _, err := ohjaamov1connect.NewMeetingServiceClient(own, c.url).AddItem(ctx, connect.NewRequest(&v1.AddItemRequest{GroupId: f.r, MeetingId: rMeeting, Item: it})); err != nil {
		t.Fatalf("the voice's own group's member: %v", err)
	}
}

// personOf answers the person id of a membership of group.
func personOf(t *testing.T, c clients, group, membership string) string {
	t.Helper()
	g, err := c.groups.GetGroup(context.Background(), connect.NewRequest(&v1.GetGroupRequest{GroupId: group}))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range g.Msg.GetGroup().GetMembers() {
		if m.GetId() == membership {
			return m.GetPersonId()
		}
	}
	t.Fatalf("no membership %s in %s", membership, group)
	return ""
}

// TestAWatchEndsWithItsToken: an open WatchDecisions stream checks its
// caller again before a decision that is not public; a revoked token ends
// it (found in review: the stream kept the sight it had when it opened).
func TestAWatchEndsWithItsToken(t *testing.T) {
	c := start(t, false)
	f := setup(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	m := meetingFixture{c: c, f: f, meetings: ohjaamov1connect.NewMeetingServiceClient(c.http, c.url)}
	_, person := addMember(t, c, f.p, "Väliaikainen Jäsen", v1.Role_ROLE_MEMBER)
	access := ohjaamov1connect.NewAccessServiceClient(c.http, c.url)
	tok, err := access.CreateToken(ctx, connect.NewRequest(&v1.CreateTokenRequest{PersonId: person, Label: "watch"}))
	if err != nil {
		t.Fatal(err)
	}
	stream, err := ohjaamov1connect.NewSubscriptionServiceClient(bearerClient(tok.Msg.GetToken()), c.url).WatchDecisions(ctx,
		connect.NewRequest(&v1.WatchDecisionsRequest{Filter: &v1.SubscriptionFilter{GroupId: f.p}}))
	if err != nil {
		t.Fatal(err)
	}
	for stream.Receive() && !stream.Msg().GetCaughtUp() {
	}
	meeting := m.schedule(t, "w", "2026-03-10T13:00:00+02:00")
	it := item("SALAINEN-WATCH")
	it.Openness, it.LegalGround = v1.Openness_OPENNESS_SECRET, "JulkL 24 § 1 mom. 25 k"
	add, err := m.meetings.AddItem(ctx, connect.NewRequest(&v1.AddItemRequest{GroupId: f.p, MeetingId: meeting, Item: it}))
	if err != nil {
		t.Fatal(err)
	}
	m.open(t, meeting)
	// While the token is valid, the member gets the secret decision.
	m.decide(t, f.p, add.Msg.GetItemId(), v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, "SALAINEN-WATCH-PAATOS")
	if !stream.Receive() || stream.Msg().GetDecision().GetTitle() != "SALAINEN-WATCH" {
		t.Fatalf("the member's watch: %v %v", stream.Msg(), stream.Err())
	}
	if _, err := access.RevokeToken(ctx, connect.NewRequest(&v1.RevokeTokenRequest{TokenId: tok.Msg.GetTokenId()})); err != nil {
		t.Fatal(err)
	}
	it2 := item("SALAINEN-TOINEN")
	it2.Openness, it2.LegalGround = v1.Openness_OPENNESS_SECRET, "JulkL 24 § 1 mom. 25 k"
	add2, err := m.meetings.AddItem(ctx, connect.NewRequest(&v1.AddItemRequest{GroupId: f.p, MeetingId: meeting, Item: it2, Urgent: true}))
	if err != nil {
		t.Fatal(err)
	}
	m.decide(t, f.p, add2.Msg.GetItemId(), v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, "SALAINEN-TOINEN-PAATOS")
	for stream.Receive() {
		if d := stream.Msg().GetDecision(); d != nil {
			t.Fatalf("a revoked token's watch received %q", d.GetTitle())
		}
	}
	if connect.CodeOf(stream.Err()) != connect.CodeUnauthenticated {
		t.Fatalf("the watch ended with %v, want unauthenticated", stream.Err())
	}
}

// TestFirstAdminToken: the first start makes the admin and a token, writes
// it to a file only the owner reads, and later starts make none; an admin
// left without a valid token and without the file gets a new one on the
// next start.
func TestFirstAdminToken(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, api.AdminTokenFile)
	app := startAt(t, dir)
	first := app.FirstAdminToken()
	saved, err := os.ReadFile(path)
	if err != nil || first == "" || strings.TrimSpace(string(saved)) != first {
		t.Fatalf("first token %q, file %q (%v)", first, saved, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file mode: %v %v", fi, err)
	}
	c := clients{url: app.URL(), http: bearerClient(first)}
	admin := c.whoAmI(t, c.http)
	if !admin.GetAdmin() {
		t.Fatalf("the first token's user: %v", admin)
	}
	stopApp(t, app)

	// Later starts make nothing, also with the file gone while the token is valid.
	app = startAt(t, dir)
	if tok := app.FirstAdminToken(); tok != "" {
		t.Fatalf("a second start made a token")
	}
	stopApp(t, app)
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	app = startAt(t, dir)
	if tok := app.FirstAdminToken(); tok != "" {
		t.Fatalf("a start without the file made a token while the first one is valid")
	}
	c = clients{url: app.URL(), http: bearerClient(first)}
	if _, err := ohjaamov1connect.NewAccessServiceClient(c.http, c.url).RevokeToken(context.Background(),
		connect.NewRequest(&v1.RevokeTokenRequest{TokenId: admin.GetTokenId(), Reason: "vuoti"})); err != nil {
		t.Fatal(err)
	}
	stopApp(t, app)

	// Revoked and the file gone: the next start makes a new token for the same admin.
	app = startAt(t, dir)
	defer stopApp(t, app)
	again := app.FirstAdminToken()
	if again == "" || again == first {
		t.Fatalf("no new token after the only one was revoked and the file removed: %q", again)
	}
	c.url = app.URL()
	if who := c.whoAmI(t, bearerClient(again)); who.GetPersonId() != admin.GetPersonId() || !who.GetAdmin() {
		t.Fatalf("the new token's user: %v", who)
	}
}
