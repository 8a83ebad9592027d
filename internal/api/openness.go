package api

import (
	"context"

	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	"github.com/ohjaamo/ohjaamo/projections"
)

// Openness on reads (issue 7): every read shows its caller only what they
// may see (caller.sees). Lists and searches leave out the items a caller
// may not see; a meeting keeps such an item in its place as a stub, only
// its §, position and openness (and a secret item's legal ground), which is
// what public minutes print of it, so the numbering of the § is whole and
// nothing more is told.

// redactMeeting cuts the items of a meeting that c may not see down to
// their stubs, and the items they came from or were sent to in other
// groups likewise, and drops the overdue responsibilities of such items.
func (s *Server) redactMeeting(ctx context.Context, c *caller, m *v1.MeetingView) error {
	if !c.readsInternal(m.GetGroupId()) {
		m.VideoLink = "" // for those invited, as in the calendar feeds
	}
	var linked []string
	for i, it := range m.GetItems() {
		if !c.sees(m.GetGroupId(), it.GetItem().GetOpenness()) {
			m.Items[i] = itemStub(it)
			continue
		}
		for _, l := range append([]*v1.LinkedItem{it.GetCameFrom()}, it.GetSentTo()...) {
			if l != nil {
				linked = append(linked, l.GetItemId())
			}
		}
		for _, h := range it.GetHistory() {
			linked = append(linked, h.GetItemId())
		}
	}
	access, err := s.itemAccess(ctx, linked)
	if err != nil {
		return err
	}
	for _, it := range m.GetItems() {
		for _, l := range append([]*v1.LinkedItem{it.GetCameFrom()}, it.GetSentTo()...) {
			if l != nil && !seesItem(c, access, l.GetItemId()) {
				l.Title, l.Decision = "", nil // where it went stays: that it went is the item's own record
			}
		}
		// An earlier handling keeps its own openness: a matter handled in
		// secret and brought back in the open does not open what was said then.
		for _, h := range it.GetHistory() {
			if !seesItem(c, access, h.GetItemId()) {
				h.Decision = nil
			}
		}
	}
	rs, err := s.visibleResponsibilities(ctx, c, m.GetOverdueResponsibilities())
	m.OverdueResponsibilities = rs
	return err
}

// itemStub is what of an item a caller who may not see it is shown.
func itemStub(it *v1.ItemView) *v1.ItemView {
	ai := &v1.AgendaItem{Openness: it.GetItem().GetOpenness()}
	if ai.Openness == v1.Openness_OPENNESS_SECRET {
		ai.LegalGround = it.GetItem().GetLegalGround()
	}
	return &v1.ItemView{Id: it.GetId(), Position: it.GetPosition(), Item: ai, Urgent: it.GetUrgent(), Withdrawn: it.GetWithdrawn(),
		Section: it.GetSection()}
}

// itemAccess looks up the group and openness of items that reads carry
// without their openness (responsibilities, links between levels, voice
// hops).
func (s *Server) itemAccess(ctx context.Context, ids []string) (map[string]projections.ItemAccess, error) {
	return s.rt.ItemOpenness(ctx, ids)
}

// seesItem tells whether c may see the item id, by what itemAccess found;
// an item not found (none named) is seen.
func seesItem(c *caller, access map[string]projections.ItemAccess, id string) bool {
	a, ok := access[id]
	return !ok || c.sees(a.GroupID, a.Openness)
}

// visibleResponsibilities keeps the responsibilities c may read: those of
// groups whose internal material c reads, and c's own, on items c may see.
func (s *Server) visibleResponsibilities(ctx context.Context, c *caller, rs []*v1.Responsibility) ([]*v1.Responsibility, error) {
	if len(rs) == 0 {
		return rs, nil
	}
	ids := make([]string, 0, len(rs))
	for _, r := range rs {
		ids = append(ids, r.GetItemId())
	}
	access, err := s.itemAccess(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := rs[:0:0]
	for _, r := range rs {
		mine := c.holdsMembership(r.GetGroupId(), r.GetMembershipId())
		if (mine || c.readsInternal(r.GetGroupId())) && seesItem(c, access, r.GetItemId()) {
			out = append(out, r)
		}
	}
	return out, nil
}

// seesLinked tells whether c may see a linked item (escalated, referred).
func seesLinked(c *caller, access map[string]projections.ItemAccess, l *v1.LinkedItem) bool {
	return l == nil || seesItem(c, access, l.GetItemId())
}

// seesEmails tells whether c may see the e-mail addresses of a group's
// members: its members, admins and auditors.
func seesEmails(c *caller, groupID string) bool {
	return c.system || c.Admin || c.Auditor || c.seat(groupID) != nil
}
