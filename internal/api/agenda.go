package api

import (
	"context"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	"github.com/ohjaamo/ohjaamo/internal/eventstore"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// Editing, moving and reordering agenda items, and the annual cycle.

func (s meetingService) EditItem(ctx context.Context, req *connect.Request[v1.EditItemRequest]) (*connect.Response[v1.EditItemResponse], error) {
	m := req.Msg
	if err := s.checkVoices(ctx, "item.family_voice_ids", m.GetItem()); err != nil {
		return nil, err
	}
	res, _, err := s.write(ctx, req, m.GetRequestId(), m.GetGroupId(), m.ExpectedVersion, func(ms *domain.Meetings, _ *domain.Group, _ eventstore.Meta) ([]proto.Message, error) {
		return ms.EditItem(m.GetItemId(), m.GetItem())
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.EditItemResponse{Result: writeResult(res)}), nil
}

func (s meetingService) MoveItem(ctx context.Context, req *connect.Request[v1.MoveItemRequest]) (*connect.Response[v1.MoveItemResponse], error) {
	m := req.Msg
	res, _, err := s.write(ctx, req, m.GetRequestId(), m.GetGroupId(), m.ExpectedVersion, func(ms *domain.Meetings, _ *domain.Group, _ eventstore.Meta) ([]proto.Message, error) {
		return ms.MoveItem(m.GetItemId(), m.GetMeetingId())
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.MoveItemResponse{Result: writeResult(res)}), nil
}

func (s meetingService) ReorderAgenda(ctx context.Context, req *connect.Request[v1.ReorderAgendaRequest]) (*connect.Response[v1.ReorderAgendaResponse], error) {
	m := req.Msg
	res, _, err := s.write(ctx, req, m.GetRequestId(), m.GetGroupId(), m.ExpectedVersion, func(ms *domain.Meetings, _ *domain.Group, _ eventstore.Meta) ([]proto.Message, error) {
		return ms.Reorder(m.GetMeetingId(), m.GetItemIds())
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.ReorderAgendaResponse{Result: writeResult(res)}), nil
}

// plannedMeetingIDs derives the ids of a planned year's meetings from the request id.
func plannedMeetingIDs(groupID, requestID string, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = derivedID("meeting", groupID, requestID+"/"+string(rune('a'+i)))
	}
	return ids
}

func (s meetingService) PlanYear(ctx context.Context, req *connect.Request[v1.PlanYearRequest]) (*connect.Response[v1.PlanYearResponse], error) {
	m := req.Msg
	n := min(len(m.GetMeetings()), 25)
	res, meta, err := s.write(ctx, req, m.GetRequestId(), m.GetGroupId(), m.ExpectedVersion, func(ms *domain.Meetings, g *domain.Group, meta eventstore.Meta) ([]proto.Message, error) {
		return ms.PlanYear(domain.PlanYear{Year: m.GetYear(), DeadlineDays: m.GetAgendaDeadlineDays(), MeetingIDs: plannedMeetingIDs(m.GetGroupId(), meta.RequestID, n),
			Meetings: m.GetMeetings(), AnnualItems: m.GetAnnualItems()}, g)
	})
	if err != nil {
		return nil, err
	}
	// Derived outside the decision too: a retry is answered without deciding again.
	return connect.NewResponse(&v1.PlanYearResponse{MeetingIds: plannedMeetingIDs(m.GetGroupId(), meta.RequestID, n), Result: writeResult(res)}), nil
}

func (s meetingService) ListCycle(ctx context.Context, req *connect.Request[v1.ListCycleRequest]) (*connect.Response[v1.ListCycleResponse], error) {
	m := req.Msg
	if m.GetGroupId() != "" {
		if _, err := s.group(ctx, m.GetGroupId()); err != nil {
			return nil, err
		}
	}
	year := int(m.GetYear())
	if year == 0 {
		year = time.Now().In(finland).Year()
	}
	if err := checkYear(year); err != nil {
		return nil, err
	}
	if err := s.waitRead(ctx, m.GetMinPosition()); err != nil {
		return nil, err
	}
	c := callerOf(ctx)
	out, err := s.rt.Cycle(ctx, m.GetGroupId(), year, m.GetIncludeChildGroups(), c.viewer())
	if err != nil {
		return nil, err
	}
	for _, cm := range out.GetMeetings() {
		if !c.readsInternal(cm.GetGroupId()) {
			cm.VideoLink = "" // for those invited, as in the calendar feeds
		}
	}
	return connect.NewResponse(out), nil
}
