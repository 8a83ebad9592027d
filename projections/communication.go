package projections

import (
	"context"
	"database/sql"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	"github.com/ohjaamo/ohjaamo/internal/eventstore"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// communicationProjection keeps the communication responsibilities of the
// groups' decisions and the representatives' answers to upward asks.
type communicationProjection struct{}

func (communicationProjection) Name() string { return "communication" }
func (communicationProjection) Version() int { return 1 }

func (communicationProjection) Apply(tx *Tx, ev *eventstore.Event) error {
	if ev.Envelope.GetAggregateType() != domain.AggregateMeetings {
		return nil
	}
	group := ev.Envelope.GetAggregateId()
	switch e := ev.Payload.(type) {
	case *v1.ResponsibilityAssigned:
		blob, err := proto.Marshal(e.GetAudience())
		if err != nil {
			return err
		}
		st := v1.ResponsibilityState_RESPONSIBILITY_STATE_ASSIGNED
		if e.GetProposed() {
			st = v1.ResponsibilityState_RESPONSIBILITY_STATE_PROPOSED
		}
		return tx.Exec("resp_insert", e.GetResponsibilityId(), group, e.GetItemId(), e.GetMembershipId(), blob,
			int32(e.GetAudience().GetKind()), e.GetAudience().GetGroupId(), e.GetDueOn(), int32(st))
	case *v1.ResponsibilitiesConfirmed:
		for _, id := range e.GetResponsibilityIds() {
			if err := tx.Exec("resp_confirm", int32(v1.ResponsibilityState_RESPONSIBILITY_STATE_ASSIGNED), id,
				int32(v1.ResponsibilityState_RESPONSIBILITY_STATE_PROPOSED)); err != nil {
				return err
			}
		}
	case *v1.ResponsibilityReassigned:
		return tx.Exec("resp_reassign", e.GetMembershipId(), e.GetDueOn(), e.GetResponsibilityId())
	case *v1.ResponsibilityWaived:
		return tx.Exec("resp_waive", int32(v1.ResponsibilityState_RESPONSIBILITY_STATE_WAIVED), e.GetReason(), e.GetResponsibilityId())
	case *v1.ResponsibilityDone:
		blob, err := proto.Marshal(e)
		if err != nil {
			return err
		}
		return tx.Exec("resp_done", int32(v1.ResponsibilityState_RESPONSIBILITY_STATE_DONE), blob, e.GetDoneOn(), e.GetResponsibilityId())
	case *v1.UpwardAnswered:
		return tx.Exec("upward_insert", e.GetMeetingId(), e.GetMembershipId(), e.GetRepresentsGroupId(), e.GetItemId())
	}
	return nil
}

// communicationEvent tells whether an event of a group's meetings belongs
// to the communication projection rather than the meetings one.
func communicationEvent(m proto.Message) bool {
	switch m.(type) {
	case *v1.ResponsibilityAssigned, *v1.ResponsibilitiesConfirmed, *v1.ResponsibilityReassigned, *v1.ResponsibilityWaived,
		*v1.ResponsibilityDone, *v1.UpwardAnswered:
		return true
	}
	return false
}

// ResponsibilityFilter narrows ListResponsibilities; empty fields match
// all. ItemID, when given, is the only filter used.
type ResponsibilityFilter struct {
	GroupID, MembershipID, PersonName, PersonID, ItemID string
	OpenOnly, OverdueOnly                               bool
	// AsOf is the date (YYYY-MM-DD) overdue is computed for.
	AsOf string
}

// Responsibilities lists communication responsibilities by due date.
func (rt *Runtime) Responsibilities(ctx context.Context, f ResponsibilityFilter) ([]*v1.Responsibility, error) {
	var out []*v1.Responsibility
	err := rt.View(ctx, func(db *sql.DB) error {
		var err error
		out, err = responsibilities(ctx, db, f)
		return err
	})
	return out, err
}

func responsibilities(ctx context.Context, db *sql.DB, f ResponsibilityFilter) ([]*v1.Responsibility, error) {
	var out []*v1.Responsibility
	query, args := q("resp_list"), []any{f.GroupID, f.MembershipID, f.PersonName, f.OpenOnly, f.OverdueOnly, f.AsOf, f.PersonID}
	if f.ItemID != "" {
		query, args = q("resp_for_item"), []any{f.ItemID}
	}
	err := scanRows(ctx, db, query, args, func(rows *sql.Rows) error {
		r := &v1.Responsibility{}
		var audience, done []byte
		var heldAt string
		var state int32
		if err := rows.Scan(&r.Id, &r.GroupId, &r.GroupName, &r.ItemId, &r.ItemTitle, &r.Section, &r.MeetingId, &heldAt,
			&r.MembershipId, &r.PersonName, &r.Organisation, &audience, &r.DueOn, &state, &done, &r.WaivedReason, &r.AudienceGroupName); err != nil {
			return err
		}
		r.State = v1.ResponsibilityState(state)
		if len(heldAt) >= len(domain.DateLayout) {
			r.DecidedOn = heldAt[:len(domain.DateLayout)]
		}
		r.Audience = &v1.Audience{}
		if err := proto.Unmarshal(audience, r.Audience); err != nil {
			return err
		}
		if done != nil {
			r.Done = &v1.ResponsibilityDone{}
			if err := proto.Unmarshal(done, r.Done); err != nil {
				return err
			}
		}
		open := r.State == v1.ResponsibilityState_RESPONSIBILITY_STATE_PROPOSED || r.State == v1.ResponsibilityState_RESPONSIBILITY_STATE_ASSIGNED
		switch {
		case open && r.DueOn < f.AsOf:
			r.Overdue, r.DaysLate = true, daysBetween(r.DueOn, f.AsOf)
		case r.Done != nil && r.Done.GetDoneOn() > r.DueOn:
			r.DaysLate = daysBetween(r.DueOn, r.Done.GetDoneOn())
		}
		out = append(out, r)
		return nil
	})
	return out, err
}

// daysBetween is the whole days from a to b (dates YYYY-MM-DD); 0 when either is not a date.
func daysBetween(a, b string) int32 {
	ta, err1 := time.Parse(domain.DateLayout, a)
	tb, err2 := time.Parse(domain.DateLayout, b)
	if err1 != nil || err2 != nil {
		return 0
	}
	return int32(tb.Sub(ta).Hours() / 24)
}

// UpwardAsks lists the representatives in groupID asked before meetingID
// what their own group brings, with their answers.
func (rt *Runtime) UpwardAsks(ctx context.Context, groupID, meetingID string) ([]*v1.UpwardAsk, error) {
	var out []*v1.UpwardAsk
	err := rt.View(ctx, func(db *sql.DB) error {
		byMember := map[string]*v1.UpwardAsk{}
		return scanRows(ctx, db, q("upward_asks"), []any{groupID, meetingID}, func(rows *sql.Rows) error {
			a := &v1.UpwardAsk{}
			var item sql.NullString
			if err := rows.Scan(&a.MembershipId, &a.PersonName, &a.RepresentsGroupId, &a.RepresentsGroupName, &item, &a.ItemTitle); err != nil {
				return err
			}
			a.Answered, a.ItemId = item.Valid, item.String
			if _, seen := byMember[a.MembershipId]; seen && a.ItemId == "" {
				return nil // "nothing" besides items brought: the items say more
			}
			byMember[a.MembershipId] = a
			out = append(out, a)
			return nil
		})
	})
	return out, err
}
