package projections

import (
	"context"
	"database/sql"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// linkedCols are the columns of a LinkedItem in the lineage queries.
type linkedCols struct {
	item        *v1.LinkedItem
	level       int32
	decision    []byte
	continuedBy string
}

func newLinked() *linkedCols { return &linkedCols{item: &v1.LinkedItem{}} }

func (l *linkedCols) dest() []any {
	it := l.item
	return []any{&it.ItemId, &it.GroupId, &it.GroupName, &l.level, &it.MeetingId, &it.StartsAt, &it.Title, &it.Section, &l.decision, &l.continuedBy}
}

// finish decodes the decision and follows a tabled or returned item to its
// later handling, so the answer shown is the one in force.
func (l *linkedCols) finish(ctx context.Context, db *sql.DB) error {
	for hops := 0; l.continuedBy != "" && hops < 50; hops++ {
		next := newLinked()
		err := scanRows(ctx, db, q("lineage_continuation"), []any{l.continuedBy}, func(rows *sql.Rows) error { return rows.Scan(next.dest()...) })
		if err != nil {
			return err
		}
		if next.item.ItemId == "" {
			break
		}
		next.item.Direction, next.item.SentAt = l.item.Direction, l.item.SentAt
		*l = *next
	}
	l.item.Level = v1.Level(l.level)
	if l.decision != nil {
		l.item.Decision = &v1.Decision{}
		return proto.Unmarshal(l.decision, l.item.Decision)
	}
	return nil
}

// final tells whether a decision ends the item's journey: anything but
// no decision yet, tabled or returned for preparation.
func final(d *v1.Decision) bool { return domain.FinalOutcome(d.GetOutcome()) }

// addLineage fills came_from and sent_to of the items read by Meetings.
func addLineage(ctx context.Context, db *sql.DB, args []any, byItem map[string]*v1.ItemView) error {
	for _, query := range []string{"lineage_came_from", "lineage_sent_to"} {
		err := scanRows(ctx, db, q(query), args, func(rows *sql.Rows) error {
			var id string
			var dir int32
			l := newLinked()
			if err := rows.Scan(append([]any{&id, &dir, &l.item.SentAt}, l.dest()...)...); err != nil {
				return err
			}
			l.item.Direction = v1.Direction(dir)
			if err := l.finish(ctx, db); err != nil {
				return err
			}
			it, ok := byItem[id]
			if !ok {
				return nil
			}
			if query == "lineage_came_from" {
				it.CameFrom = l.item
			} else {
				it.SentTo = append(it.SentTo, l.item)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// InFlight lists the items sent between levels (from or to groupID, or
// anywhere) that the receiving group has not finally decided, oldest first,
// with the whole days each has waited by now.
func (rt *Runtime) InFlight(ctx context.Context, groupID string, now time.Time) ([]*v1.InFlightItem, error) {
	var out []*v1.InFlightItem
	err := rt.View(ctx, func(db *sql.DB) error {
		var sent [][2]*linkedCols // from, to
		err := scanRows(ctx, db, q("lineage_in_flight"), []any{groupID}, func(r *sql.Rows) error {
			var dir int32
			var sentAt string
			from, to := newLinked(), newLinked()
			if err := r.Scan(append(append([]any{&dir, &sentAt}, from.dest()...), to.dest()...)...); err != nil {
				return err
			}
			for _, l := range []*linkedCols{from, to} {
				l.item.Direction, l.item.SentAt = v1.Direction(dir), sentAt
			}
			sent = append(sent, [2]*linkedCols{from, to})
			return nil
		})
		if err != nil {
			return err
		}
		for _, pair := range sent {
			for _, l := range pair {
				if err := l.finish(ctx, db); err != nil {
					return err
				}
			}
			row := &v1.InFlightItem{Direction: pair[1].item.GetDirection(), From: pair[0].item, To: pair[1].item}
			if final(row.To.GetDecision()) {
				continue
			}
			if at, err := time.Parse(time.RFC3339, row.To.GetSentAt()); err == nil && now.After(at) {
				row.WaitedDays = uint32(now.Sub(at).Hours() / 24)
			}
			out = append(out, row)
		}
		return nil
	})
	return out, err
}
