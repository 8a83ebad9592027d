package api

import (
	"context"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	"github.com/ohjaamo/ohjaamo/projections"
)

// voiceService implements ohjaamov1connect.VoiceServiceHandler.
type voiceService struct{ *Server }

func (s voiceService) RecordVoice(ctx context.Context, req *connect.Request[v1.RecordVoiceRequest]) (*connect.Response[v1.RecordVoiceResponse], error) {
	m := req.Msg
	meta, err := commandMeta(ctx, m.GetRequestId(), req.Header())
	if err != nil {
		return nil, err
	}
	group, err := s.group(ctx, m.GetGroupId())
	if err != nil {
		return nil, err
	}
	id := derivedID("voice", m.GetGroupId(), meta.RequestID)
	rec := &v1.FamilyVoiceRecorded{VoiceId: id, GroupId: m.GetGroupId(), Municipality: m.GetMunicipality(), Channel: m.GetChannel(),
		Summary: m.GetSummary(), RaisedOn: m.GetRaisedOn(), Tags: m.GetTags(), RecordedByMembershipId: m.GetRecordedByMembershipId()}
	// The id comes from the request id: a retry finds its first result.
	res, err := s.voices.Execute(ctx, id, meta, nil, func(v *domain.Voice) ([]proto.Message, error) {
		return v.Record(rec, group, today())
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.RecordVoiceResponse{VoiceId: id, Result: writeResult(res)}), nil
}

// voiceFilter checks the area and period of a list or report.
func voiceFilter(groupID, municipality, from, to string) (projections.VoiceFilter, error) {
	f := projections.VoiceFilter{GroupID: groupID, Municipality: municipality, From: from, To: to}
	if err := optionalID("group_id", groupID); err != nil {
		return f, err
	}
	if municipality != "" && !domain.ValidMunicipalityCode(municipality) {
		return f, domain.Invalid("municipality", "must be an official three-digit municipality code", "pitää olla virallinen kolminumeroinen kuntanumero")
	}
	for _, d := range [][2]string{{"from", from}, {"to", to}} {
		if err := checkDay(d[0], d[1]); err != nil {
			return f, err
		}
	}
	if from != "" && to != "" && to < from {
		return f, domain.Invalid("to", "is before from", "on ennen alkupäivää")
	}
	return f, nil
}

func (s voiceService) ListVoices(ctx context.Context, req *connect.Request[v1.ListVoicesRequest]) (*connect.Response[v1.ListVoicesResponse], error) {
	m := req.Msg
	f, err := voiceFilter(m.GetGroupId(), m.GetMunicipality(), m.GetFrom(), m.GetTo())
	if err != nil {
		return nil, err
	}
	if err := s.waitRead(ctx, m.GetMinPosition()); err != nil {
		return nil, err
	}
	f.Visible = callerOf(ctx).readsVoices
	vs, err := s.rt.Voices(ctx, f, today())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.ListVoicesResponse{Voices: vs}), nil
}

func (s voiceService) TraceVoice(ctx context.Context, req *connect.Request[v1.TraceVoiceRequest]) (*connect.Response[v1.TraceVoiceResponse], error) {
	m := req.Msg
	if err := domain.RequireID("voice_id", m.GetVoiceId()); err != nil {
		return nil, err
	}
	if err := s.waitRead(ctx, m.GetMinPosition()); err != nil {
		return nil, err
	}
	tr, ok, err := s.rt.Trace(ctx, m.GetVoiceId(), today())
	if err != nil {
		return nil, err
	}
	c := callerOf(ctx)
	if !ok || !c.readsVoices(projections.VoiceGroups(tr)) { // one the caller may not read is as if there were none
		return nil, &domain.Error{Code: domain.CodeNotFound, Field: "voice_id", Message: "no such family voice", MessageFI: "perheiden ääntä ei ole kirjattu"}
	}
	// The voice is the caller's to read; the items that carried it may not
	// all be: of those, the hop shows where and when it went (the figures of
	// the trace), not what the item said or what was decided on it.
	ids := make([]string, 0, len(tr.GetHops()))
	for _, h := range tr.GetHops() {
		ids = append(ids, h.GetItemId())
	}
	access, err := s.itemAccess(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, h := range tr.GetHops() {
		if !seesItem(c, access, h.GetItemId()) {
			h.ItemTitle, h.DecisionText, h.Outcome = "", "", v1.Outcome_OUTCOME_UNSPECIFIED
		}
	}
	if tr.ToldBy != nil {
		told, err := s.visibleResponsibilities(ctx, c, []*v1.Responsibility{tr.ToldBy})
		if err != nil {
			return nil, err
		}
		if len(told) == 0 {
			tr.ToldBy = nil // families_told and told_on stay: they are figures
		}
	}
	return connect.NewResponse(tr), nil
}

func (s voiceService) VoiceReport(ctx context.Context, req *connect.Request[v1.VoiceReportRequest]) (*connect.Response[v1.VoiceReportResponse], error) {
	m := req.Msg
	f, err := voiceFilter(m.GetGroupId(), m.GetMunicipality(), m.GetFrom(), m.GetTo())
	if err != nil {
		return nil, err
	}
	day, err := asOf("as_of", m.GetAsOf())
	if err != nil {
		return nil, err
	}
	if err := s.waitRead(ctx, m.GetMinPosition()); err != nil {
		return nil, err
	}
	rep, err := s.rt.Report(ctx, f, day)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(rep), nil
}
