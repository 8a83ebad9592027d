package projections

import (
	"context"
	"database/sql"
	"time"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// Cycle reads a year's annual cycle (vuosikello): the meetings of groupID
// (with its child groups when includeChildren), or of the whole network
// when groupID is empty, and for each meeting of a group that has child
// groups whether each child meets between the group's previous meeting and
// this meeting's agenda deadline, so that what the child brings up can
// reach this meeting. Of the annual items, only those v may see are named.
func (rt *Runtime) Cycle(ctx context.Context, groupID string, year int, includeChildren bool, v Viewer) (*v1.ListCycleResponse, error) {
	out := &v1.ListCycleResponse{}
	err := rt.View(ctx, func(db *sql.DB) error {
		type meeting struct {
			view   *v1.CycleMeeting
			parent string
			year   int
			at     time.Time
		}
		var all []*meeting
		byID := map[string]*meeting{}
		err := scanRows(ctx, db, q("cycle_meetings"), []any{year}, func(rows *sql.Rows) error {
			m := &meeting{view: &v1.CycleMeeting{}}
			var level, state int32
			var days int
			v := m.view
			if err := rows.Scan(&v.GroupId, &v.GroupName, &level, &m.parent, &v.MeetingId, &v.StartsAt, &v.Place, &v.VideoLink, &days, &state, &m.year); err != nil {
				return err
			}
			v.Level, v.State = v1.Level(level), v1.MeetingState(state)
			m.at, _ = time.Parse(time.RFC3339, v.StartsAt)
			v.AgendaDeadline = m.at.AddDate(0, 0, -days).Format(domain.DateLayout)
			all = append(all, m)
			byID[v.MeetingId] = m
			return nil
		})
		if err != nil {
			return err
		}
		err = scanRows(ctx, db, q("cycle_annual_items"), []any{year}, func(rows *sql.Rows) error {
			var id, title, group string
			var openness int32
			if err := rows.Scan(&id, &title, &group, &openness); err != nil {
				return err
			}
			if m, ok := byID[id]; ok && v.Sees(group, v1.Openness(openness)) {
				m.view.AnnualItems = append(m.view.AnnualItems, title)
			}
			return nil
		})
		if err != nil {
			return err
		}
		children := map[string][][2]string{} // parent -> (id, name)
		err = scanRows(ctx, db, q("cycle_groups"), nil, func(rows *sql.Rows) error {
			var id, name, parent string
			if err := rows.Scan(&id, &name, &parent); err != nil {
				return err
			}
			if parent != "" {
				children[parent] = append(children[parent], [2]string{id, name})
			}
			return nil
		})
		if err != nil {
			return err
		}
		selected := func(m *meeting) bool {
			return groupID == "" || m.view.GroupId == groupID || (includeChildren && m.parent == groupID)
		}
		cancelled := func(m *meeting) bool { return m.view.State == v1.MeetingState_MEETING_STATE_CANCELLED }
		for _, m := range all {
			if m.year != year || !selected(m) {
				continue
			}
			out.Meetings = append(out.Meetings, m.view)
			kids := children[m.view.GroupId]
			if len(kids) == 0 || cancelled(m) {
				continue
			}
			// The window opens at the group's previous meeting (none: a year before).
			from := m.at.AddDate(-1, 0, 0)
			for _, o := range all {
				if o.view.GroupId == m.view.GroupId && !cancelled(o) && o.at.Before(m.at) && o.at.After(from) {
					from = o.at
				}
			}
			deadline := m.view.AgendaDeadline
			for _, kid := range kids {
				a := &v1.CycleAlignment{GroupId: m.view.GroupId, MeetingId: m.view.MeetingId, AgendaDeadline: deadline,
					ChildGroupId: kid[0], ChildGroupName: kid[1]}
				for _, o := range all {
					if o.view.GroupId == kid[0] && !cancelled(o) && o.at.After(from) && o.at.Format(domain.DateLayout) <= deadline {
						a.ChildMeetingId, a.ChildStartsAt, a.Aligned = o.view.MeetingId, o.view.StartsAt, true
					}
				}
				out.Alignment = append(out.Alignment, a)
			}
		}
		return nil
	})
	return out, err
}
