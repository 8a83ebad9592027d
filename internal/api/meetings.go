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

// meetingService implements ohjaamov1connect.MeetingServiceHandler. A
// group's meetings are one aggregate, so every write names the group.
type meetingService struct{ *Server }

// write runs one command on group's meetings.
func (s meetingService) write(ctx context.Context, req connect.AnyRequest, requestID, groupID string, expected *uint64,
	decide func(m *domain.Meetings, g *domain.Group, meta eventstore.Meta) ([]proto.Message, error)) (eventstore.AppendResult, eventstore.Meta, error) {
	if err := domain.RequireID("group_id", groupID); err != nil {
		return eventstore.AppendResult{}, eventstore.Meta{}, err
	}
	meta, err := commandMeta(ctx, requestID, req.Header())
	if err != nil {
		return eventstore.AppendResult{}, meta, err
	}
	group, err := s.group(ctx, groupID)
	if err != nil {
		return eventstore.AppendResult{}, meta, err
	}
	res, err := s.meetings.Execute(ctx, groupID, meta, expected, func(m *domain.Meetings) ([]proto.Message, error) {
		return decide(m, group, meta)
	})
	return res, meta, err
}

func now() string { return time.Now().In(finland).Format(time.RFC3339) }

// pastTime checks a time a secretary records afterwards (RFC 3339, not in
// the future); empty is now.
func pastTime(field, value string) (string, error) {
	if value == "" {
		return now(), nil
	}
	t, err := time.Parse(time.RFC3339, value)
	if err != nil {
		return "", domain.Invalid(field, "must be a time with its offset, e.g. 2026-03-12T13:05:00+02:00",
			"pitää olla aika ja aikavyöhyke, esim. 2026-03-12T13:05:00+02:00")
	}
	if t.After(time.Now().Add(5 * time.Minute)) {
		return "", domain.Invalid(field, "is in the future", "on tulevaisuudessa")
	}
	// Decision texts name the clock time in Finland whatever offset was sent.
	return t.In(finland).Format(time.RFC3339), nil
}

func (s meetingService) ScheduleMeeting(ctx context.Context, req *connect.Request[v1.ScheduleMeetingRequest]) (*connect.Response[v1.ScheduleMeetingResponse], error) {
	m := req.Msg
	res, meta, err := s.write(ctx, req, m.GetRequestId(), m.GetGroupId(), m.ExpectedVersion, func(ms *domain.Meetings, g *domain.Group, meta eventstore.Meta) ([]proto.Message, error) {
		return ms.Schedule(domain.ScheduleMeeting{MeetingID: derivedID("meeting", m.GetGroupId(), meta.RequestID), StartsAt: m.GetStartsAt(), Place: m.GetPlace(),
			VideoLink: m.GetVideoLink(), DeadlineDays: m.GetAgendaDeadlineDays()}, g)
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.ScheduleMeetingResponse{MeetingId: derivedID("meeting", m.GetGroupId(), meta.RequestID), Result: writeResult(res)}), nil
}

func (s meetingService) RescheduleMeeting(ctx context.Context, req *connect.Request[v1.RescheduleMeetingRequest]) (*connect.Response[v1.RescheduleMeetingResponse], error) {
	m := req.Msg
	res, _, err := s.write(ctx, req, m.GetRequestId(), m.GetGroupId(), m.ExpectedVersion, func(ms *domain.Meetings, _ *domain.Group, _ eventstore.Meta) ([]proto.Message, error) {
		return ms.Reschedule(m.GetMeetingId(), m.GetStartsAt(), m.GetPlace(), m.GetVideoLink())
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.RescheduleMeetingResponse{Result: writeResult(res)}), nil
}

func (s meetingService) CancelMeeting(ctx context.Context, req *connect.Request[v1.CancelMeetingRequest]) (*connect.Response[v1.CancelMeetingResponse], error) {
	m := req.Msg
	res, _, err := s.write(ctx, req, m.GetRequestId(), m.GetGroupId(), m.ExpectedVersion, func(ms *domain.Meetings, _ *domain.Group, _ eventstore.Meta) ([]proto.Message, error) {
		return ms.Cancel(m.GetMeetingId(), m.GetReason())
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.CancelMeetingResponse{Result: writeResult(res)}), nil
}

func (s meetingService) AddItem(ctx context.Context, req *connect.Request[v1.AddItemRequest]) (*connect.Response[v1.AddItemResponse], error) {
	m := req.Msg
	if err := s.checkVoices(ctx, "item.family_voice_ids", m.GetItem()); err != nil {
		return nil, err
	}
	res, meta, err := s.write(ctx, req, m.GetRequestId(), m.GetGroupId(), m.ExpectedVersion, func(ms *domain.Meetings, _ *domain.Group, meta eventstore.Meta) ([]proto.Message, error) {
		return ms.AddItem(derivedID("item", m.GetGroupId(), meta.RequestID), m.GetMeetingId(), m.GetItem(), m.GetUrgent(), m.GetPreviousItemId(), today())
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.AddItemResponse{ItemId: derivedID("item", m.GetGroupId(), meta.RequestID), Result: writeResult(res)}), nil
}

func (s meetingService) WithdrawItem(ctx context.Context, req *connect.Request[v1.WithdrawItemRequest]) (*connect.Response[v1.WithdrawItemResponse], error) {
	m := req.Msg
	res, _, err := s.write(ctx, req, m.GetRequestId(), m.GetGroupId(), m.ExpectedVersion, func(ms *domain.Meetings, _ *domain.Group, _ eventstore.Meta) ([]proto.Message, error) {
		return ms.WithdrawItem(m.GetItemId(), m.GetReason())
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.WithdrawItemResponse{Result: writeResult(res)}), nil
}

func (s meetingService) OpenMeeting(ctx context.Context, req *connect.Request[v1.OpenMeetingRequest]) (*connect.Response[v1.OpenMeetingResponse], error) {
	m := req.Msg
	res, _, err := s.write(ctx, req, m.GetRequestId(), m.GetGroupId(), m.ExpectedVersion, func(ms *domain.Meetings, g *domain.Group, _ eventstore.Meta) ([]proto.Message, error) {
		at, err := pastTime("opened_at", m.GetOpenedAt())
		if err != nil {
			return nil, err
		}
		return ms.Open(m.GetMeetingId(), at, m.GetAttendance(), m.GetLawful(), m.GetQuorate(), g)
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.OpenMeetingResponse{Result: writeResult(res)}), nil
}

func (s meetingService) ApproveAgenda(ctx context.Context, req *connect.Request[v1.ApproveAgendaRequest]) (*connect.Response[v1.ApproveAgendaResponse], error) {
	m := req.Msg
	res, _, err := s.write(ctx, req, m.GetRequestId(), m.GetGroupId(), m.ExpectedVersion, func(ms *domain.Meetings, _ *domain.Group, _ eventstore.Meta) ([]proto.Message, error) {
		return ms.ApproveAgenda(m.GetMeetingId())
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.ApproveAgendaResponse{Result: writeResult(res)}), nil
}

func (s meetingService) RecordDecision(ctx context.Context, req *connect.Request[v1.RecordDecisionRequest]) (*connect.Response[v1.RecordDecisionResponse], error) {
	m := req.Msg
	res, _, err := s.write(ctx, req, m.GetRequestId(), m.GetGroupId(), m.ExpectedVersion, func(ms *domain.Meetings, g *domain.Group, _ eventstore.Meta) ([]proto.Message, error) {
		return ms.Decide(m.GetItemId(), m.GetDecision(), g)
	})
	if err != nil {
		return nil, err
	}
	// The § number is the item's, whether this request decided it or a
	// retry answers the first result.
	state, _, err := s.meetings.Get(ctx, m.GetGroupId())
	if err != nil {
		return nil, err
	}
	it, _ := state.Item(m.GetItemId())
	return connect.NewResponse(&v1.RecordDecisionResponse{Section: it.Section, Result: writeResult(res)}), nil
}

func (s meetingService) CloseMeeting(ctx context.Context, req *connect.Request[v1.CloseMeetingRequest]) (*connect.Response[v1.CloseMeetingResponse], error) {
	m := req.Msg
	res, _, err := s.write(ctx, req, m.GetRequestId(), m.GetGroupId(), m.ExpectedVersion, func(ms *domain.Meetings, _ *domain.Group, _ eventstore.Meta) ([]proto.Message, error) {
		at, err := pastTime("closed_at", m.GetClosedAt())
		if err != nil {
			return nil, err
		}
		return ms.Close(m.GetMeetingId(), at)
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.CloseMeetingResponse{Result: writeResult(res)}), nil
}

func (s meetingService) NameMinutesCheckers(ctx context.Context, req *connect.Request[v1.NameMinutesCheckersRequest]) (*connect.Response[v1.NameMinutesCheckersResponse], error) {
	m := req.Msg
	res, _, err := s.write(ctx, req, m.GetRequestId(), m.GetGroupId(), m.ExpectedVersion, func(ms *domain.Meetings, _ *domain.Group, _ eventstore.Meta) ([]proto.Message, error) {
		return ms.NameCheckers(m.GetMeetingId(), m.GetMembershipIds())
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.NameMinutesCheckersResponse{Result: writeResult(res)}), nil
}

func (s meetingService) CheckMinutes(ctx context.Context, req *connect.Request[v1.CheckMinutesRequest]) (*connect.Response[v1.CheckMinutesResponse], error) {
	m := req.Msg
	res, _, err := s.write(ctx, req, m.GetRequestId(), m.GetGroupId(), m.ExpectedVersion, func(ms *domain.Meetings, _ *domain.Group, _ eventstore.Meta) ([]proto.Message, error) {
		return ms.CheckMinutes(m.GetMeetingId(), m.GetMembershipId(), today())
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.CheckMinutesResponse{Result: writeResult(res)}), nil
}

func (s meetingService) ApproveMinutes(ctx context.Context, req *connect.Request[v1.ApproveMinutesRequest]) (*connect.Response[v1.ApproveMinutesResponse], error) {
	m := req.Msg
	res, _, err := s.write(ctx, req, m.GetRequestId(), m.GetGroupId(), m.ExpectedVersion, func(ms *domain.Meetings, g *domain.Group, _ eventstore.Meta) ([]proto.Message, error) {
		return ms.ApproveMinutes(m.GetMeetingId(), today(), g)
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.ApproveMinutesResponse{Result: writeResult(res)}), nil
}

func (s meetingService) CorrectDecision(ctx context.Context, req *connect.Request[v1.CorrectDecisionRequest]) (*connect.Response[v1.CorrectDecisionResponse], error) {
	m := req.Msg
	res, _, err := s.write(ctx, req, m.GetRequestId(), m.GetGroupId(), m.ExpectedVersion, func(ms *domain.Meetings, g *domain.Group, _ eventstore.Meta) ([]proto.Message, error) {
		return ms.CorrectDecision(m.GetItemId(), m.GetDecision(), m.GetReason(), g)
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.CorrectDecisionResponse{Result: writeResult(res)}), nil
}

func (s meetingService) GetMeeting(ctx context.Context, req *connect.Request[v1.GetMeetingRequest]) (*connect.Response[v1.GetMeetingResponse], error) {
	m := req.Msg
	meeting, err := s.readMeeting(ctx, m.GetGroupId(), m.GetMeetingId(), m.GetMinPosition())
	if err != nil {
		return nil, err
	}
	if err := s.redactMeeting(ctx, callerOf(ctx), meeting); err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.GetMeetingResponse{Meeting: meeting}), nil
}

// readMeeting reads one meeting of a group once the read models have
// reached minPosition.
func (s meetingService) readMeeting(ctx context.Context, groupID, meetingID string, minPosition uint64) (*v1.MeetingView, error) {
	if err := domain.RequireID("group_id", groupID); err != nil {
		return nil, err
	}
	if err := domain.RequireID("meeting_id", meetingID); err != nil {
		return nil, err
	}
	if err := s.waitRead(ctx, minPosition); err != nil {
		return nil, err
	}
	list, err := s.rt.Meetings(ctx, groupID, meetingID, 0)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, &domain.Error{Code: domain.CodeNotFound, Field: "meeting_id", Message: "no such meeting in this group", MessageFI: "ryhmällä ei ole tätä kokousta"}
	}
	return list[0], nil
}

func (s meetingService) ListMeetings(ctx context.Context, req *connect.Request[v1.ListMeetingsRequest]) (*connect.Response[v1.ListMeetingsResponse], error) {
	m := req.Msg
	if err := domain.RequireID("group_id", m.GetGroupId()); err != nil {
		return nil, err
	}
	if err := checkYear(int(m.GetYear())); err != nil {
		return nil, err
	}
	if err := s.waitRead(ctx, m.GetMinPosition()); err != nil {
		return nil, err
	}
	list, err := s.rt.Meetings(ctx, m.GetGroupId(), "", int(m.GetYear()))
	if err != nil {
		return nil, err
	}
	for _, mv := range list {
		if err := s.redactMeeting(ctx, callerOf(ctx), mv); err != nil {
			return nil, err
		}
	}
	return connect.NewResponse(&v1.ListMeetingsResponse{Meetings: list}), nil
}
