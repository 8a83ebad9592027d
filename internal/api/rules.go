package api

import (
	"context"
	"slices"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	svc "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1/ohjaamov1connect"
)

// rule decides whether a caller may make a call, from the decoded request.
// Reads that anyone may make still show each caller only what they may see
// (the handlers filter with caller.sees and friends).
type rule struct {
	who   string // for people: who may
	check func(ctx context.Context, s *Server, c *caller, msg any) error
}

// rules is the access table: every procedure has exactly one rule, and a
// procedure without one is refused (authInterceptor). Roles: a group's
// secretary and chair run its meetings; its members read what is internal
// to it, propose items, mark their own responsibilities done and manage
// their own subscriptions; auditors read everything and write nothing;
// admins manage groups, members, users and tokens, and may act for a
// group's secretary (recorded under their own person id), but do not read
// secret items.
var rules = map[string]rule{
	// Groups and the network.
	svc.GroupServiceCreateGroupProcedure:  adminOnly,
	svc.GroupServiceRenameGroupProcedure:  adminOnly,
	svc.GroupServiceAddMemberProcedure:    memberAdder,
	svc.GroupServiceChangeMemberProcedure: groupSecretary,
	svc.GroupServiceEndMemberProcedure:    groupSecretary,
	svc.GroupServiceGetGroupProcedure:     anyone,
	svc.GroupServiceListGroupsProcedure:   anyone,

	// The meeting cycle: run by the group's secretary and chair.
	svc.MeetingServiceScheduleMeetingProcedure:     groupManager,
	svc.MeetingServiceRescheduleMeetingProcedure:   groupManager,
	svc.MeetingServiceCancelMeetingProcedure:       groupManager,
	svc.MeetingServiceAddItemProcedure:             itemProposer,
	svc.MeetingServiceWithdrawItemProcedure:        groupManager,
	svc.MeetingServiceOpenMeetingProcedure:         groupManager,
	svc.MeetingServiceApproveAgendaProcedure:       groupManager,
	svc.MeetingServiceRecordDecisionProcedure:      groupManager,
	svc.MeetingServiceCloseMeetingProcedure:        groupManager,
	svc.MeetingServiceNameMinutesCheckersProcedure: groupManager,
	svc.MeetingServiceCheckMinutesProcedure:        ownMembership(func(m any) string { return m.(*v1.CheckMinutesRequest).GetMembershipId() }),
	svc.MeetingServiceApproveMinutesProcedure:      groupManager,
	svc.MeetingServiceCorrectDecisionProcedure:     groupManager,
	svc.MeetingServiceEditItemProcedure:            groupManager,
	svc.MeetingServiceMoveItemProcedure:            groupManager,
	svc.MeetingServiceReorderAgendaProcedure:       groupManager,
	svc.MeetingServicePlanYearProcedure:            groupManager,
	svc.MeetingServiceEscalateItemProcedure:        groupManager,
	svc.MeetingServiceReferItemProcedure:           groupManager,
	svc.MeetingServiceListCycleProcedure:           anyone,
	svc.MeetingServiceListInFlightProcedure:        anyone,
	svc.MeetingServiceGetMeetingProcedure:          anyone,
	svc.MeetingServiceListMeetingsProcedure:        anyone,
	svc.MeetingServiceGetMinutesProcedure:          anyone,
	svc.MeetingServiceSearchItemsProcedure:         anyone,

	// Communication responsibilities.
	svc.CommunicationServiceAssignResponsibilityProcedure:   groupManager,
	svc.CommunicationServiceReassignResponsibilityProcedure: groupManager,
	svc.CommunicationServiceWaiveResponsibilityProcedure:    groupManager,
	svc.CommunicationServiceMarkResponsibilityDoneProcedure: ownMembership(func(m any) string { return m.(*v1.MarkResponsibilityDoneRequest).GetByMembershipId() }),
	svc.CommunicationServiceListResponsibilitiesProcedure:   signedIn,
	svc.CommunicationServiceListUpwardAsksProcedure:         signedIn,
	svc.CommunicationServiceBringUpProcedure:                ownMembership(func(m any) string { return m.(*v1.BringUpRequest).GetMembershipId() }),

	// Family voices: recorded by a member of the group that heard them;
	// read by the groups they reached and by auditors; the report is
	// figures only, for anyone.
	svc.VoiceServiceRecordVoiceProcedure: ownMembership(func(m any) string { return m.(*v1.RecordVoiceRequest).GetRecordedByMembershipId() }),
	svc.VoiceServiceListVoicesProcedure:  signedIn,
	svc.VoiceServiceTraceVoiceProcedure:  signedIn,
	svc.VoiceServiceVoiceReportProcedure: anyone,

	// Audit: auditors (admins may check the chains).
	svc.AuditServiceVerifyChainsProcedure:   auditorOrAdmin,
	svc.AuditServiceGetHistoryProcedure:     auditorOnly,
	svc.AuditServiceExportEvidenceProcedure: auditorOnly,

	// Subscriptions: one's own.
	svc.SubscriptionServiceCreateSubscriptionProcedure:    self(func(m any) string { return m.(*v1.CreateSubscriptionRequest).GetPersonId() }),
	svc.SubscriptionServiceListSubscriptionsProcedure:     self(func(m any) string { return m.(*v1.ListSubscriptionsRequest).GetPersonId() }),
	svc.SubscriptionServicePauseSubscriptionProcedure:     subscriptionOwner(func(m any) string { return m.(*v1.PauseSubscriptionRequest).GetSubscriptionId() }),
	svc.SubscriptionServiceResumeSubscriptionProcedure:    subscriptionOwner(func(m any) string { return m.(*v1.ResumeSubscriptionRequest).GetSubscriptionId() }),
	svc.SubscriptionServiceDeleteSubscriptionProcedure:    subscriptionOwner(func(m any) string { return m.(*v1.DeleteSubscriptionRequest).GetSubscriptionId() }),
	svc.SubscriptionServiceAffectedByProcedure:            anyone,
	svc.SubscriptionServiceWatchDecisionsProcedure:        watcher,
	svc.SubscriptionServiceCreateFeedTokenProcedure:       feedCreator,
	svc.SubscriptionServiceRevokeFeedTokenProcedure:       feedOwner,
	svc.SubscriptionServiceSetWebhookProcedure:            subscriptionOwner(func(m any) string { return m.(*v1.SetWebhookRequest).GetSubscriptionId() }),
	svc.SubscriptionServiceRemoveWebhookProcedure:         subscriptionOwner(func(m any) string { return m.(*v1.RemoveWebhookRequest).GetSubscriptionId() }),
	svc.SubscriptionServiceListWebhookDeliveriesProcedure: subscriptionOwner(func(m any) string { return m.(*v1.ListWebhookDeliveriesRequest).GetSubscriptionId() }),
	svc.SubscriptionServiceRedeliverWebhookProcedure:      subscriptionOwner(func(m any) string { return m.(*v1.RedeliverWebhookRequest).GetSubscriptionId() }),
	svc.SubscriptionServiceGetDigestProcedure:             ownDigest,
	svc.SubscriptionServiceSendDigestsProcedure:           adminOnly,

	// Operating the service.
	svc.AdminServiceRebuildProjectionsProcedure: adminOnly,
	svc.AdminServiceGetStatusProcedure:          auditorOrAdmin,
	svc.AdminServiceForgetPersonProcedure:       adminOnly,

	// Access itself.
	svc.AccessServiceWhoAmIProcedure:       anyone,
	svc.AccessServiceCreateTokenProcedure:  tokenCreator,
	svc.AccessServiceListTokensProcedure:   self(func(m any) string { return m.(*v1.ListTokensRequest).GetPersonId() }),
	svc.AccessServiceRevokeTokenProcedure:  tokenOwner,
	svc.AccessServiceSetUserRolesProcedure: adminOnly,
	svc.AccessServiceListUsersProcedure:    adminOnly,
}

// Rules lists every procedure with an access rule and who may call it,
// for documentation and tests.
func Rules() map[string]string {
	out := make(map[string]string, len(rules))
	for p, r := range rules {
		out[p] = r.who
	}
	return out
}

func needSignIn() error {
	return unauthenticated("sign in: this needs an API token (Authorization: Bearer ...)",
		"kirjaudu: tähän tarvitaan API-tunniste (Authorization: Bearer ...)")
}

func denied(en, fi string) error {
	return &domain.Error{Code: domain.CodePermissionDenied, Message: en, MessageFI: fi}
}

func deniedField(field, en, fi string) error {
	return &domain.Error{Code: domain.CodePermissionDenied, Field: field, Message: en, MessageFI: fi}
}

var anyone = rule{"anyone (each sees what their roles allow)", func(context.Context, *Server, *caller, any) error { return nil }}

var signedIn = rule{"any signed-in user (each sees what their roles allow)", func(_ context.Context, _ *Server, c *caller, _ any) error {
	if !c.signedIn() {
		return needSignIn()
	}
	return nil
}}

var adminOnly = rule{"admin", func(_ context.Context, _ *Server, c *caller, _ any) error {
	switch {
	case !c.signedIn():
		return needSignIn()
	case !c.Admin:
		return denied("only an admin may do this", "vain ylläpitäjä voi tehdä tämän")
	}
	return nil
}}

var auditorOnly = rule{"auditor", func(_ context.Context, _ *Server, c *caller, _ any) error {
	switch {
	case !c.signedIn():
		return needSignIn()
	case !c.Auditor:
		return denied("only an auditor may read this", "vain arvioija voi lukea tämän")
	}
	return nil
}}

var auditorOrAdmin = rule{"auditor or admin", func(_ context.Context, _ *Server, c *caller, _ any) error {
	switch {
	case !c.signedIn():
		return needSignIn()
	case !c.Auditor && !c.Admin:
		return denied("only an auditor or an admin may do this", "vain arvioija tai ylläpitäjä voi tehdä tämän")
	}
	return nil
}}

type groupScoped interface{ GetGroupId() string }

// inGroup checks that the caller holds one of roles (any, when none) in the
// request's group; admins pass.
func inGroup(c *caller, msg any, roles []v1.Role, en, fi string) error {
	if !c.signedIn() {
		return needSignIn()
	}
	if c.Admin {
		return nil
	}
	g, ok := msg.(groupScoped)
	if !ok || g.GetGroupId() == "" || c.seat(g.GetGroupId(), roles...) == nil {
		return deniedField("group_id", en, fi)
	}
	return nil
}

var groupManager = rule{"the group's secretary or chair (or an admin)", func(_ context.Context, _ *Server, c *caller, msg any) error {
	return inGroup(c, msg, managerRoles, "only the group's secretary or chair may do this", "vain ryhmän sihteeri tai puheenjohtaja voi tehdä tämän")
}}

var groupSecretary = rule{"the group's secretary (or an admin)", func(_ context.Context, _ *Server, c *caller, msg any) error {
	return inGroup(c, msg, []v1.Role{v1.Role_ROLE_SECRETARY}, "only the group's secretary or an admin may change its members",
		"vain ryhmän sihteeri tai ylläpitäjä voi muuttaa sen jäseniä")
}}

// memberOrigins are where a member's own proposal may come from.
var memberOrigins = []v1.ItemOrigin{v1.ItemOrigin_ITEM_ORIGIN_MEMBER, v1.ItemOrigin_ITEM_ORIGIN_FAMILY_VOICE}

var itemProposer = rule{"the group's secretary or chair; a member, as a member's proposal or a family voice", func(_ context.Context, _ *Server, c *caller, msg any) error {
	if err := inGroup(c, msg, nil, "only the group's members may propose items", "vain ryhmän jäsenet voivat ehdottaa asioita"); err != nil {
		return err
	}
	m := msg.(*v1.AddItemRequest)
	if c.Admin || c.seat(m.GetGroupId(), managerRoles...) != nil {
		return nil
	}
	switch {
	case !slices.Contains(memberOrigins, m.GetItem().GetOrigin()):
		return deniedField("item.origin", "a member proposes items as a member's proposal or a family voice; other origins are the secretary's",
			"jäsen ehdottaa asioita jäsenen ehdotuksena tai perheiden äänenä; muut alkuperät ovat sihteerin")
	case m.GetUrgent():
		// An urgent item goes straight onto an approved agenda.
		return deniedField("urgent", "only the secretary or chair adds an urgent item", "vain sihteeri tai puheenjohtaja lisää kiireellisen asian")
	case m.GetPreviousItemId() != "":
		return deniedField("previous_item_id", "only the secretary or chair brings a tabled or returned item back",
			"vain sihteeri tai puheenjohtaja tuo pöydälle jätetyn tai palautetun asian takaisin")
	}
	return nil
}}

// memberAdder: the group's secretary seats new people; seating a person who
// already exists (their person id) is the admin's, since their name and
// e-mail, digests and sight follow the person id.
var memberAdder = rule{"the group's secretary (a new person), or an admin", func(ctx context.Context, s *Server, c *caller, msg any) error {
	if err := groupSecretary.check(ctx, s, c, msg); err != nil {
		return err
	}
	if p := msg.(*v1.AddMemberRequest).GetPersonId(); p != "" && !c.Admin {
		return deniedField("person_id", "only an admin seats an existing person; leave person_id empty to seat a new one",
			"vain ylläpitäjä lisää jo olemassa olevan henkilön; jätä person_id tyhjäksi, niin lisätään uusi henkilö")
	}
	return nil
}}

// ownMembership lets a member act for themselves: the membership the
// request names must be the caller's in the request's group. The group's
// secretary and chair (and admins) may name any.
func ownMembership(membership func(any) string) rule {
	return rule{"the member themselves, or the group's secretary or chair", func(_ context.Context, _ *Server, c *caller, msg any) error {
		if err := inGroup(c, msg, nil, "only the group's members may do this", "vain ryhmän jäsenet voivat tehdä tämän"); err != nil {
			return err
		}
		g := msg.(groupScoped).GetGroupId()
		if c.Admin || c.seat(g, managerRoles...) != nil || c.holdsMembership(g, membership(msg)) {
			return nil
		}
		return deniedField("membership_id", "a member acts only for their own membership", "jäsen voi toimia vain omalla jäsenyydellään")
	}}
}

// self lets a person act on their own things (an empty person id means
// the caller); admins may act for anyone.
func self(person func(any) string) rule {
	return rule{"the person themselves (or an admin)", func(_ context.Context, _ *Server, c *caller, msg any) error {
		if !c.signedIn() {
			return needSignIn()
		}
		if p := person(msg); p != "" && p != c.PersonID && !c.Admin {
			return deniedField("person_id", "only for yourself", "vain itsellesi")
		}
		return nil
	}}
}

func subscriptionOwner(id func(any) string) rule {
	return rule{"the subscription's owner (or an admin)", func(ctx context.Context, s *Server, c *caller, msg any) error {
		if !c.signedIn() {
			return needSignIn()
		}
		return s.ownsSubscription(ctx, c, id(msg))
	}}
}

// ownsSubscription refuses a subscription of somebody else; one that does
// not exist is for the handler to answer.
func (s *Server) ownsSubscription(ctx context.Context, c *caller, id string) error {
	if c.Admin || id == "" || domain.RequireID("subscription_id", id) != nil {
		return nil
	}
	sub, _, err := s.subs.Get(ctx, id)
	if err != nil {
		return err
	}
	if sub.PersonID != "" && sub.PersonID != c.PersonID { // deleted ones too
		return deniedField("subscription_id", "not your subscription", "tilaus ei ole sinun")
	}
	return nil
}

var watcher = rule{"anyone for a filter (public decisions only when anonymous); a subscription or person: its owner", func(ctx context.Context, s *Server, c *caller, msg any) error {
	m := msg.(*v1.WatchDecisionsRequest)
	if m.GetSubscriptionId() == "" && m.GetPersonId() == "" {
		return nil
	}
	if !c.signedIn() {
		return needSignIn()
	}
	if p := m.GetPersonId(); p != "" && p != c.PersonID && !c.Admin {
		return deniedField("person_id", "only for yourself", "vain itsellesi")
	}
	return s.ownsSubscription(ctx, c, m.GetSubscriptionId())
}}

var feedCreator = rule{"the person themselves (a subscription: its owner), or an admin", func(ctx context.Context, s *Server, c *caller, msg any) error {
	m := msg.(*v1.CreateFeedTokenRequest)
	if err := self(func(any) string { return m.GetPersonId() }).check(ctx, s, c, msg); err != nil {
		return err
	}
	return s.ownsSubscription(ctx, c, m.GetSubscriptionId())
}}

var feedOwner = rule{"the feed's owner (or an admin)", func(ctx context.Context, s *Server, c *caller, msg any) error {
	if !c.signedIn() {
		return needSignIn()
	}
	id := msg.(*v1.RevokeFeedTokenRequest).GetTokenId()
	if c.Admin || domain.RequireID("token_id", id) != nil {
		return nil
	}
	t, _, err := s.feeds.Get(ctx, id)
	if err != nil {
		return err
	}
	if t.Issued != nil && t.Issued.GetPersonId() != c.PersonID {
		return deniedField("token_id", "not your feed", "syöte ei ole sinun")
	}
	return nil
}}

var tokenOwner = rule{"the token's owner (or an admin)", func(ctx context.Context, s *Server, c *caller, msg any) error {
	if !c.signedIn() {
		return needSignIn()
	}
	if c.Admin {
		return nil
	}
	owner, err := s.tokenOwner(ctx, msg.(*v1.RevokeTokenRequest).GetTokenId())
	if err != nil {
		return err
	}
	if owner != "" && owner != c.PersonID {
		return deniedField("token_id", "not your token", "tunniste ei ole sinun")
	}
	return nil
}}

var tokenCreator = rule{"the person themselves (or an admin)", func(ctx context.Context, s *Server, c *caller, msg any) error {
	m := msg.(*v1.CreateTokenRequest)
	if err := self(func(any) string { return m.GetPersonId() }).check(ctx, s, c, msg); err != nil {
		return err
	}
	if ms := m.GetMembershipId(); ms != "" && !c.Admin && !slices.ContainsFunc(c.Seats, func(s *v1.Seat) bool { return s.GetMembershipId() == ms }) {
		return deniedField("membership_id", "only for yourself", "vain itsellesi")
	}
	return nil
}}

// ownDigest: a digest is built with its person's sight, secret decisions
// included, so only that person reads it (an admin sends them, by mail to
// the person, with SendDigests).
var ownDigest = rule{"the person themselves", func(_ context.Context, _ *Server, c *caller, msg any) error {
	if !c.signedIn() {
		return needSignIn()
	}
	if p := msg.(*v1.GetDigestRequest).GetPersonId(); p != "" && p != c.PersonID && domain.ValidID(p) { // a malformed id is the handler's to name
		return deniedField("person_id", "only your own digest: it shows what you may see", "vain oma koonti: se näyttää sen, mitä sinä saat nähdä")
	}
	return nil
}}
