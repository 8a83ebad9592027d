package api

import (
	"context"
	"fmt"
	"slices"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	"github.com/ohjaamo/ohjaamo/internal/eventstore"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	"github.com/ohjaamo/ohjaamo/projections"
)

// communicationService implements ohjaamov1connect.CommunicationServiceHandler.
// Responsibilities live in the group's meetings aggregate, so writes go
// through meetingService.write.
type communicationService struct{ meetingService }

func (s communicationService) AssignResponsibility(ctx context.Context, req *connect.Request[v1.AssignResponsibilityRequest]) (*connect.Response[v1.AssignResponsibilityResponse], error) {
	m := req.Msg
	if a := m.GetAudience(); a.GetKind() == v1.AudienceKind_AUDIENCE_KIND_CHILD_GROUP && domain.ValidID(a.GetGroupId()) {
		child, _, err := s.groups.Get(ctx, a.GetGroupId())
		if err != nil {
			return nil, err
		}
		if !child.Created {
			return nil, &domain.Error{Code: domain.CodeNotFound, Field: "audience.group_id", Message: "no such group", MessageFI: "ryhmää ei ole"}
		}
		if child.ParentID != m.GetGroupId() {
			return nil, &domain.Error{Code: domain.CodeFailedPrecondition, Field: "audience.group_id", Message: "is not a child group of this group",
				MessageFI: "ei ole tämän ryhmän alempi ryhmä"}
		}
	}
	res, meta, err := s.write(ctx, req, m.GetRequestId(), m.GetGroupId(), m.ExpectedVersion, func(ms *domain.Meetings, g *domain.Group, meta eventstore.Meta) ([]proto.Message, error) {
		return ms.Assign(domain.AssignResponsibility{ID: derivedID("responsibility", m.GetGroupId(), meta.RequestID), ItemID: m.GetItemId(),
			MembershipID: m.GetMembershipId(), DueOn: m.GetDueOn(), Audience: m.GetAudience()}, g)
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.AssignResponsibilityResponse{ResponsibilityId: derivedID("responsibility", m.GetGroupId(), meta.RequestID), Result: writeResult(res)}), nil
}

func (s communicationService) ReassignResponsibility(ctx context.Context, req *connect.Request[v1.ReassignResponsibilityRequest]) (*connect.Response[v1.ReassignResponsibilityResponse], error) {
	m := req.Msg
	res, _, err := s.write(ctx, req, m.GetRequestId(), m.GetGroupId(), m.ExpectedVersion, func(ms *domain.Meetings, g *domain.Group, _ eventstore.Meta) ([]proto.Message, error) {
		return ms.Reassign(m.GetResponsibilityId(), m.GetMembershipId(), m.GetDueOn(), m.GetReason(), g)
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.ReassignResponsibilityResponse{Result: writeResult(res)}), nil
}

func (s communicationService) WaiveResponsibility(ctx context.Context, req *connect.Request[v1.WaiveResponsibilityRequest]) (*connect.Response[v1.WaiveResponsibilityResponse], error) {
	m := req.Msg
	res, _, err := s.write(ctx, req, m.GetRequestId(), m.GetGroupId(), m.ExpectedVersion, func(ms *domain.Meetings, _ *domain.Group, _ eventstore.Meta) ([]proto.Message, error) {
		return ms.Waive(m.GetResponsibilityId(), m.GetReason())
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.WaiveResponsibilityResponse{Result: writeResult(res)}), nil
}

func (s communicationService) MarkResponsibilityDone(ctx context.Context, req *connect.Request[v1.MarkResponsibilityDoneRequest]) (*connect.Response[v1.MarkResponsibilityDoneResponse], error) {
	m := req.Msg
	res, _, err := s.write(ctx, req, m.GetRequestId(), m.GetGroupId(), m.ExpectedVersion, func(ms *domain.Meetings, g *domain.Group, _ eventstore.Meta) ([]proto.Message, error) {
		return ms.MarkDone(&v1.ResponsibilityDone{ResponsibilityId: m.GetResponsibilityId(), DoneOn: m.GetDoneOn(), Channel: m.GetChannel(),
			Note: m.GetNote(), Link: m.GetLink(), ByMembershipId: m.GetByMembershipId()}, g, today())
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.MarkResponsibilityDoneResponse{Result: writeResult(res)}), nil
}

// asOf checks an optional date the answer is computed for; empty is today in Finland.
func asOf(field, value string) (string, error) {
	if value == "" {
		return today(), nil
	}
	if err := checkDay(field, value); err != nil {
		return "", err
	}
	return value, nil
}

// checkDay checks an optional date YYYY-MM-DD.
func checkDay(field, value string) error {
	if value == "" {
		return nil
	}
	if _, err := time.Parse(domain.DateLayout, value); err != nil {
		return domain.Invalid(field, "must be a date YYYY-MM-DD", "pitää olla päivämäärä muodossa VVVV-KK-PP")
	}
	return nil
}

// optionalID checks an id field that may be empty.
func optionalID(field, value string) error {
	if value == "" {
		return nil
	}
	return domain.RequireID(field, value)
}

func (s communicationService) ListResponsibilities(ctx context.Context, req *connect.Request[v1.ListResponsibilitiesRequest]) (*connect.Response[v1.ListResponsibilitiesResponse], error) {
	m := req.Msg
	for _, f := range [][2]string{{"group_id", m.GetGroupId()}, {"membership_id", m.GetMembershipId()}} {
		if err := optionalID(f[0], f[1]); err != nil {
			return nil, err
		}
	}
	day, err := asOf("as_of", m.GetAsOf())
	if err != nil {
		return nil, err
	}
	if len(m.GetPersonName()) > 200 {
		return nil, domain.Invalid("person_name", "is too long", "on liian pitkä")
	}
	if err := s.waitRead(ctx, m.GetMinPosition()); err != nil {
		return nil, err
	}
	rs, err := s.rt.Responsibilities(ctx, projections.ResponsibilityFilter{GroupID: m.GetGroupId(), MembershipID: m.GetMembershipId(),
		OpenOnly: m.GetOpenOnly(), OverdueOnly: m.GetOverdueOnly(), AsOf: day})
	if err != nil {
		return nil, err
	}
	if rs, err = s.visibleResponsibilities(ctx, callerOf(ctx), rs); err != nil {
		return nil, err
	}
	if name := m.GetPersonName(); name != "" {
		// Names are sealed in the read models: open them, then filter.
		if err := s.showPeople(ctx, &v1.ListResponsibilitiesResponse{Responsibilities: rs}); err != nil {
			return nil, err
		}
		rs = slices.DeleteFunc(rs, func(r *v1.Responsibility) bool { return r.GetPersonName() != name })
	}
	return connect.NewResponse(&v1.ListResponsibilitiesResponse{Responsibilities: rs}), nil
}

func (s communicationService) ListUpwardAsks(ctx context.Context, req *connect.Request[v1.ListUpwardAsksRequest]) (*connect.Response[v1.ListUpwardAsksResponse], error) {
	m := req.Msg
	if err := domain.RequireID("group_id", m.GetGroupId()); err != nil {
		return nil, err
	}
	if err := domain.RequireID("meeting_id", m.GetMeetingId()); err != nil {
		return nil, err
	}
	if _, err := s.group(ctx, m.GetGroupId()); err != nil {
		return nil, err
	}
	ms, _, err := s.meetings.Get(ctx, m.GetGroupId())
	if err != nil {
		return nil, err
	}
	mt, ok := ms.Meeting(m.GetMeetingId())
	if !ok {
		return nil, &domain.Error{Code: domain.CodeNotFound, Field: "meeting_id", Message: "no such meeting in this group", MessageFI: "ryhmällä ei ole tätä kokousta"}
	}
	if err := s.waitRead(ctx, m.GetMinPosition()); err != nil {
		return nil, err
	}
	asks, err := s.rt.UpwardAsks(ctx, m.GetGroupId(), m.GetMeetingId())
	if err != nil {
		return nil, err
	}
	// Who was asked to bring what up from a child group is the group's
	// internal material; the caller's own asks are theirs to see.
	c := callerOf(ctx)
	if !c.readsInternal(m.GetGroupId()) {
		own := asks[:0:0]
		for _, a := range asks {
			if c.holdsMembership(m.GetGroupId(), a.GetMembershipId()) {
				own = append(own, a)
			}
		}
		asks = own
	}
	var ids []string
	for _, a := range asks {
		if a.GetItemId() != "" {
			ids = append(ids, a.GetItemId())
		}
	}
	access, err := s.itemAccess(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, a := range asks {
		if !seesItem(c, access, a.GetItemId()) {
			a.ItemTitle = ""
		}
	}
	return connect.NewResponse(&v1.ListUpwardAsksResponse{AgendaDeadline: mt.Deadline(), Asks: asks}), nil
}

func (s communicationService) BringUp(ctx context.Context, req *connect.Request[v1.BringUpRequest]) (*connect.Response[v1.BringUpResponse], error) {
	m := req.Msg
	if err := s.checkVoices(ctx, "item.family_voice_ids", m.GetItem()); err != nil {
		return nil, err
	}
	var itemID string
	res, meta, err := s.write(ctx, req, m.GetRequestId(), m.GetGroupId(), m.ExpectedVersion, func(ms *domain.Meetings, g *domain.Group, meta eventstore.Meta) ([]proto.Message, error) {
		id := ""
		if m.GetItem() != nil {
			id = derivedID("item", m.GetGroupId(), meta.RequestID)
		}
		return ms.BringUp(m.GetMeetingId(), m.GetMembershipId(), id, m.GetItem(), g, today())
	})
	if err != nil {
		return nil, err
	}
	// Derived after the write too: a retry is answered without deciding again.
	if m.GetItem() != nil {
		itemID = derivedID("item", m.GetGroupId(), meta.RequestID)
	}
	return connect.NewResponse(&v1.BringUpResponse{ItemId: itemID, Result: writeResult(res)}), nil
}

// checkVoices refuses an item that names a family voice not recorded.
func (s *Server) checkVoices(ctx context.Context, field string, item *v1.AgendaItem) error {
	for i, id := range item.GetFamilyVoiceIds() {
		f := fmt.Sprintf("%s[%d]", field, i)
		if err := domain.RequireID(f, id); err != nil {
			return err
		}
		v, _, err := s.voices.Get(ctx, id)
		if err != nil {
			return err
		}
		notFound := &domain.Error{Code: domain.CodeNotFound, Field: f, Message: "no such family voice", MessageFI: "perheiden ääntä ei ole kirjattu"}
		if !v.Exists() {
			return notFound
		}
		// Carrying a voice lets the item's group read it: only who reads it
		// already may make an item carry it (or an admin, acting for a
		// secretary and recorded as themselves).
		c := callerOf(ctx)
		if c.Admin || c.readsVoices([]string{v.Recorded.GetGroupId()}) {
			continue
		}
		tr, ok, err := s.rt.Trace(ctx, id, today())
		if err != nil {
			return err
		}
		if !ok || !c.readsVoices(projections.VoiceGroups(tr)) {
			return notFound
		}
	}
	return nil
}
