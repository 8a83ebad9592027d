package projections

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	"github.com/ohjaamo/ohjaamo/internal/eventstore"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// meetingsProjection keeps meetings, attendance, agenda items and decisions.
type meetingsProjection struct{}

func (meetingsProjection) Name() string { return "meetings" }
func (meetingsProjection) Version() int { return 1 }

func (meetingsProjection) Apply(tx *Tx, ev *eventstore.Event) error {
	env := ev.Envelope
	if env.GetAggregateType() != domain.AggregateMeetings {
		return nil
	}
	group := env.GetAggregateId()
	var meeting string
	var err error
	switch e := ev.Payload.(type) {
	case *v1.MeetingScheduled:
		meeting = e.GetMeetingId()
		err = tx.Exec("meeting_insert", meeting, group, yearOf(e.GetStartsAt()), e.GetStartsAt(), e.GetPlace(), e.GetVideoLink(),
			e.GetAgendaDeadlineDays(), int32(v1.MeetingState_MEETING_STATE_SCHEDULED), env.GetAggregateVersion(), ev.Seq)
	case *v1.MeetingRescheduled:
		meeting = e.GetMeetingId()
		err = tx.Exec("meeting_reschedule", e.GetStartsAt(), yearOf(e.GetStartsAt()), e.GetPlace(), e.GetVideoLink(), meeting)
	case *v1.MeetingCancelled:
		meeting = e.GetMeetingId()
		err = tx.Exec("meeting_cancel", int32(v1.MeetingState_MEETING_STATE_CANCELLED), e.GetReason(), meeting)
	case *v1.MeetingOpened:
		meeting = e.GetMeetingId()
		err = tx.Exec("meeting_open", int32(v1.MeetingState_MEETING_STATE_OPEN), e.GetLawful(), e.GetQuorate(), meeting)
		for i, a := range e.GetAttendance() {
			if err == nil {
				err = tx.Exec("attendance_insert", meeting, i, a.GetMembershipId(), int32(a.GetStatus()), a.GetDeputyName())
			}
		}
	case *v1.AgendaApproved:
		meeting = e.GetMeetingId()
		err = tx.Exec("meeting_agenda_approved", meeting)
	case *v1.MeetingClosed:
		meeting = e.GetMeetingId()
		err = tx.Exec("meeting_state", int32(v1.MeetingState_MEETING_STATE_CLOSED), meeting)
	case *v1.ItemAdded:
		meeting = e.GetMeetingId()
		var blob []byte
		if blob, err = proto.Marshal(e.GetItem()); err == nil {
			err = tx.Exec("item_insert", e.GetItemId(), meeting, group, e.GetItem().GetTitle(), int32(e.GetItem().GetOpenness()), e.GetUrgent(), blob)
		}
	case *v1.ItemWithdrawn:
		if meeting, err = tx.queryString("item_meeting", e.GetItemId()); err == nil {
			err = tx.Exec("item_withdraw", e.GetItemId())
		}
	case *v1.DecisionRecorded:
		var blob []byte
		if meeting, err = tx.queryString("item_meeting", e.GetItemId()); err == nil {
			if blob, err = proto.Marshal(e.GetDecision()); err == nil {
				err = tx.Exec("item_decide", e.GetSection(), int32(e.GetDecision().GetOutcome()), blob, e.GetItemId())
			}
		}
	default:
		return fmt.Errorf("meetings: unhandled event %s", env.GetType())
	}
	if err != nil {
		return err
	}
	return tx.Exec("meeting_touch", env.GetAggregateVersion(), ev.Seq, meeting)
}

func yearOf(rfc3339 string) int {
	t, _ := time.Parse(time.RFC3339, rfc3339)
	return t.Year()
}

// Meetings reads a group's meetings (one by id, or all of a year, or all)
// with attendance, items and decisions.
func (rt *Runtime) Meetings(ctx context.Context, groupID, meetingID string, year int) ([]*v1.MeetingView, error) {
	var out []*v1.MeetingView
	err := rt.View(ctx, func(db *sql.DB) error {
		byID := map[string]*v1.MeetingView{}
		args := []any{groupID, meetingID, year}
		err := scanRows(ctx, db, q("meetings_select"), args, func(rows *sql.Rows) error {
			m := &v1.MeetingView{}
			var state int32
			var days int
			if err := rows.Scan(&m.Id, &m.GroupId, &m.GroupName, &m.StartsAt, &m.Place, &m.VideoLink, &days, &state,
				&m.AgendaApproved, &m.Lawful, &m.Quorate, &m.CancelReason, &m.Version); err != nil {
				return err
			}
			m.State = v1.MeetingState(state)
			if t, err := time.Parse(time.RFC3339, m.GetStartsAt()); err == nil {
				m.AgendaDeadline = t.AddDate(0, 0, -days).Format(domain.DateLayout)
			}
			out = append(out, m)
			byID[m.Id] = m
			return nil
		})
		if err != nil || len(out) == 0 {
			return err
		}
		err = scanRows(ctx, db, q("attendance_select"), args, func(rows *sql.Rows) error {
			a := &v1.Attendance{}
			var mid string
			var status int32
			if err := rows.Scan(&mid, &a.MembershipId, &status, &a.DeputyName); err != nil {
				return err
			}
			a.Status = v1.AttendanceStatus(status)
			byID[mid].Attendance = append(byID[mid].Attendance, a)
			return nil
		})
		if err != nil {
			return err
		}
		return scanRows(ctx, db, q("items_select"), args, func(rows *sql.Rows) error {
			it := &v1.ItemView{Item: &v1.AgendaItem{}}
			var mid string
			var item, decision []byte
			if err := rows.Scan(&it.Id, &mid, &it.Position, &it.Urgent, &it.Withdrawn, &item, &it.Section, &decision); err != nil {
				return err
			}
			if err := proto.Unmarshal(item, it.Item); err != nil {
				return err
			}
			if decision != nil {
				it.Decision = &v1.Decision{}
				if err := proto.Unmarshal(decision, it.Decision); err != nil {
					return err
				}
			}
			byID[mid].Items = append(byID[mid].Items, it)
			return nil
		})
	})
	return out, err
}
