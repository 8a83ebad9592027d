package projections

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	"github.com/ohjaamo/ohjaamo/internal/eventstore"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// meetingsProjection keeps meetings, attendance, agenda items and decisions.
type meetingsProjection struct{}

func (meetingsProjection) Name() string { return "meetings" }
func (meetingsProjection) Version() int { return 5 }

func (meetingsProjection) Apply(tx *Tx, ev *eventstore.Event) error {
	env := ev.Envelope
	if env.GetAggregateType() != domain.AggregateMeetings || communicationEvent(ev.Payload) {
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
		if err == nil {
			err = tx.Exec("items_year", yearOf(e.GetStartsAt()), meeting)
		}
	case *v1.MeetingCancelled:
		meeting = e.GetMeetingId()
		err = tx.Exec("meeting_cancel", int32(v1.MeetingState_MEETING_STATE_CANCELLED), e.GetReason(), meeting)
	case *v1.MeetingOpened:
		meeting = e.GetMeetingId()
		err = tx.Exec("meeting_open", int32(v1.MeetingState_MEETING_STATE_OPEN), e.GetLawful(), e.GetQuorate(), e.GetOpenedAt(), meeting)
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
		it, ln := e.GetItem(), e.GetLineage()
		if blob, err = proto.Marshal(it); err == nil {
			err = tx.Exec("item_insert", e.GetItemId(), group, it.GetTitle(), int32(it.GetOpenness()), e.GetUrgent(), blob, e.GetPreviousItemId(),
				int32(it.GetOrigin()), int32(it.GetStandard()), ln.GetFromItemId(), int32(ln.GetDirection()), ln.GetSentAt(),
				env.GetTime().AsTime().UTC().Format(time.RFC3339))
		}
		if err == nil && meeting != "" {
			err = placeItem(tx, e.GetItemId(), meeting, it.GetStandard())
		}
		if err == nil && e.GetPreviousItemId() != "" {
			err = tx.Exec("item_continued", e.GetItemId(), e.GetPreviousItemId())
		}
		if err == nil {
			err = tx.Exec("fts_insert", e.GetItemId(), it.GetTitle(), it.GetGrounds()+"\n"+it.GetProposal())
		}
		if err == nil {
			err = indexTags(tx, e.GetItemId(), it.GetTags().GetTasks(), it.GetTags().GetMunicipalities())
		}
	case *v1.ItemEdited:
		var blob []byte
		it := e.GetItem()
		if meeting, err = tx.queryString("item_meeting", e.GetItemId()); err == nil {
			if blob, err = proto.Marshal(it); err == nil {
				err = tx.Exec("item_edit", it.GetTitle(), int32(it.GetOpenness()), blob, e.GetItemId())
			}
		}
		if err == nil {
			err = tx.Exec("fts_edit", it.GetTitle(), it.GetGrounds()+"\n"+it.GetProposal(), e.GetItemId())
		}
		for _, name := range []string{"item_tasks_delete", "item_municipalities_delete"} {
			if err == nil {
				err = tx.Exec(name, e.GetItemId())
			}
		}
		if err == nil {
			err = indexTags(tx, e.GetItemId(), it.GetTags().GetTasks(), it.GetTags().GetMunicipalities())
		}
	case *v1.ItemMoved:
		meeting = e.GetMeetingId()
		var from string
		if from, err = tx.queryString("item_meeting", e.GetItemId()); err == nil {
			err = placeItem(tx, e.GetItemId(), meeting, v1.StandardItem_STANDARD_ITEM_UNSPECIFIED)
		}
		if err == nil && from != "" {
			err = tx.Exec("items_renumber", from)
		}
	case *v1.AgendaReordered:
		meeting = e.GetMeetingId()
		for i, id := range e.GetItemIds() {
			if err == nil {
				err = tx.Exec("item_position", i+1, id)
			}
		}
	case *v1.CyclePlanned:
		// The meetings follow as their own events; the plan itself is the
		// set of meetings, so nothing more to keep.
	case *v1.ItemWithdrawn:
		if meeting, err = tx.queryString("item_meeting", e.GetItemId()); err == nil {
			err = tx.Exec("item_withdraw", e.GetItemId())
		}
	case *v1.DecisionRecorded:
		var blob []byte
		if meeting, err = tx.queryString("item_meeting", e.GetItemId()); err == nil {
			d := e.GetDecision()
			if blob, err = proto.Marshal(d); err == nil {
				err = tx.Exec("item_decide", e.GetSection(), int32(d.GetOutcome()), blob, e.GetItemId())
			}
			if err == nil {
				err = tx.Exec("fts_decision", decisionText(d), e.GetItemId())
			}
			if err == nil {
				err = indexTags(tx, e.GetItemId(), d.GetAffects().GetTasks(), d.GetAffects().GetMunicipalities())
			}
		}
	case *v1.MinutesCheckersNamed:
		meeting = e.GetMeetingId()
		err = tx.Exec("meeting_checkers", strings.Join(e.GetMembershipIds(), ","), meeting)
	case *v1.MinutesChecked:
		meeting = e.GetMeetingId()
		err = tx.Exec("meeting_checked", e.GetMembershipId(), meeting)
	case *v1.MinutesApproved:
		meeting = e.GetMeetingId()
		err = tx.Exec("meeting_minutes_approved", meeting)
	case *v1.DecisionCorrected:
		var blob []byte
		if meeting, err = tx.queryString("item_meeting", e.GetItemId()); err == nil {
			if blob, err = proto.Marshal(e.GetDecision()); err == nil {
				err = tx.Exec("correction_insert", e.GetItemId(), blob, e.GetReason(), env.GetTime().AsTime().UTC().Format(time.RFC3339))
			}
			if err == nil {
				err = tx.Exec("item_correct", int32(e.GetDecision().GetOutcome()), blob, e.GetItemId())
			}
			if err == nil { // search finds the decision in force
				err = tx.Exec("fts_decision", decisionText(e.GetDecision()), e.GetItemId())
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

// placeItem puts an item on a meeting's agenda before its closing items.
func placeItem(tx *Tx, itemID, meetingID string, kind v1.StandardItem) error {
	if err := tx.Exec("item_shift_closing", meetingID, int32(kind)); err != nil {
		return err
	}
	return tx.Exec("item_place", itemID, meetingID, int32(kind))
}

// decisionText is what search finds of a decision: its text, dissents and counter-proposals.
func decisionText(d *v1.Decision) string {
	parts := []string{d.GetText()}
	for _, ds := range d.GetDissents() {
		parts = append(parts, ds.GetText())
	}
	for _, cp := range d.GetCounterProposals() {
		parts = append(parts, cp.GetText())
	}
	return strings.Join(parts, "\n")
}

// indexTags records the tasks and municipalities an item can be filtered by.
func indexTags(tx *Tx, itemID string, tasks []v1.FamilyCentreTask, municipalities []string) error {
	for _, t := range tasks {
		if err := tx.Exec("item_task_insert", itemID, int32(t)); err != nil {
			return err
		}
	}
	for _, m := range municipalities {
		if err := tx.Exec("item_municipality_insert", itemID, m); err != nil {
			return err
		}
	}
	return nil
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
		byItem := map[string]*v1.ItemView{}
		args := []any{groupID, meetingID, year}
		err := scanRows(ctx, db, q("meetings_select"), args, func(rows *sql.Rows) error {
			m := &v1.MeetingView{}
			var state int32
			var days int
			var checkers, checked string
			if err := rows.Scan(&m.Id, &m.GroupId, &m.GroupName, &m.StartsAt, &m.Place, &m.VideoLink, &days, &state,
				&m.AgendaApproved, &m.Lawful, &m.Quorate, &m.CancelReason, &m.Version, &checkers, &checked, &m.MinutesApproved); err != nil {
				return err
			}
			m.CheckerMembershipIds, m.CheckedByMembershipIds = splitIDs(checkers), splitIDs(checked)
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
		err = scanRows(ctx, db, q("items_select"), args, func(rows *sql.Rows) error {
			it := &v1.ItemView{Item: &v1.AgendaItem{}}
			var mid string
			var item, decision []byte
			if err := rows.Scan(&it.Id, &mid, &it.Position, &it.Urgent, &it.Withdrawn, &item, &it.Section, &decision, &it.PreviousItemId); err != nil {
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
			byItem[it.Id] = it
			return nil
		})
		if err != nil {
			return err
		}
		err = scanRows(ctx, db, q("corrections_select"), args, func(rows *sql.Rows) error {
			var itemID string
			var before, after []byte
			c := &v1.Correction{Before: &v1.Decision{}, After: &v1.Decision{}}
			if err := rows.Scan(&itemID, &before, &after, &c.Reason, &c.CorrectedAt); err != nil {
				return err
			}
			if err := proto.Unmarshal(before, c.Before); err != nil {
				return err
			}
			if err := proto.Unmarshal(after, c.After); err != nil {
				return err
			}
			byItem[itemID].Corrections = append(byItem[itemID].Corrections, c)
			return nil
		})
		if err != nil {
			return err
		}
		if err := addLineage(ctx, db, args, byItem); err != nil {
			return err
		}
		for _, it := range byItem {
			if it.GetPreviousItemId() == "" {
				continue
			}
			err := scanRows(ctx, db, q("history_select"), []any{it.GetId()}, func(rows *sql.Rows) error {
				h := &v1.EarlierHandling{}
				var decision []byte
				if err := rows.Scan(&h.ItemId, &h.MeetingId, &h.StartsAt, &h.Section, &decision); err != nil {
					return err
				}
				if decision != nil {
					h.Decision = &v1.Decision{}
					if err := proto.Unmarshal(decision, h.Decision); err != nil {
						return err
					}
				}
				it.History = append(it.History, h)
				return nil
			})
			if err != nil {
				return err
			}
		}
		if meetingID == "" {
			return nil
		}
		// One meeting not yet opened: the standing item it will take up.
		for _, m := range out {
			if m.GetState() != v1.MeetingState_MEETING_STATE_SCHEDULED {
				continue
			}
			rs, err := responsibilities(ctx, db, ResponsibilityFilter{GroupID: groupID, OverdueOnly: true, AsOf: day(m.GetStartsAt())})
			if err != nil {
				return err
			}
			m.OverdueResponsibilities = rs
		}
		return nil
	})
	return out, err
}

func splitIDs(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
