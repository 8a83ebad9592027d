package api

import (
	"context"
	"unicode/utf8"

	"connectrpc.com/connect"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	"github.com/ohjaamo/ohjaamo/projections"
)

// SearchItems searches agenda items and decisions across the network.
func (s meetingService) SearchItems(ctx context.Context, req *connect.Request[v1.SearchItemsRequest]) (*connect.Response[v1.SearchItemsResponse], error) {
	m := req.Msg
	f := projections.SearchFilter{Query: m.GetQuery(), GroupID: m.GetGroupId(), Municipality: m.GetMunicipality(), Level: m.GetLevel(),
		Year: int(m.GetYear()), Task: m.GetTask(), Outcome: m.GetOutcome(), Limit: int(m.GetLimit()), Viewer: callerOf(ctx).viewer()}
	if f.GroupID != "" {
		if err := domain.RequireID("group_id", f.GroupID); err != nil {
			return nil, err
		}
	}
	if err := checkYear(f.Year); err != nil {
		return nil, err
	}
	switch {
	case utf8.RuneCountInString(f.Query) > 200:
		return nil, domain.Invalid("query", "is too long (at most 200 characters)", "on liian pitkä (enintään 200 merkkiä)")
	case f.Level < 0 || f.Level > v1.Level_LEVEL_PROVINCIAL:
		return nil, domain.Invalid("level", "must be local, regional or provincial", "pitää olla paikallinen, alueellinen tai maakunnallinen")
	case f.Task < 0 || f.Task > v1.FamilyCentreTask_FAMILY_CENTRE_TASK_T7_MEETING_PLACE:
		return nil, domain.Invalid("task", "must be one of the family-centre tasks T1-T7", "pitää olla jokin perhekeskuksen tehtävistä T1–T7")
	case f.Municipality != "" && !domain.ValidMunicipalityCode(f.Municipality):
		return nil, domain.Invalid("municipality", "must be an official three-digit municipality code", "pitää olla virallinen kolminumeroinen kuntanumero")
	case f.Outcome < 0 || f.Outcome > v1.Outcome_OUTCOME_REJECTED:
		return nil, domain.Invalid("outcome", "is not a known outcome", "ei ole tunnettu päätöstyyppi")
	case f.Limit > 200:
		return nil, domain.Invalid("limit", "is at most 200", "on enintään 200")
	}
	if f.Limit == 0 {
		f.Limit = 20
	}
	if err := s.waitRead(ctx, m.GetMinPosition()); err != nil {
		return nil, err
	}
	hits, err := s.rt.Search(ctx, f)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.SearchItemsResponse{Hits: hits}), nil
}

// checkYear accepts a calendar year filter, 0 meaning every year.
func checkYear(y int) error {
	if y != 0 && (y < 2000 || y > 2100) {
		return domain.Invalid("year", "must be a year between 2000 and 2100, or 0 for all", "pitää olla vuosi 2000–2100 tai 0 (kaikki)")
	}
	return nil
}
