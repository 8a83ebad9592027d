package api

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	"github.com/ohjaamo/ohjaamo/internal/eventstore"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// Escalation up to the parent group and referral down to child groups. The
// received item is written to the receiving group's meetings with its
// lineage; the sending side needs no event of its own, since the read model
// joins the two ends. A referral to several groups is one write per group,
// each idempotent under the request id: a retry completes the ones missing.

// outgoing is an item about to be sent to another group, with who sends it and when.
type outgoing struct {
	meta   eventstore.Meta
	group  *domain.Group
	item   *domain.Item
	sentAt string
}

// sendable checks a request to send item itemID of groupID on: the request
// id, the item (not withdrawn, not a standard item) and the time it is sent.
func (s meetingService) sendable(ctx context.Context, h http.Header, requestID, groupID, itemID, sentAt string) (outgoing, error) {
	var out outgoing
	var err error
	if out.meta, err = commandMeta(ctx, requestID, h); err != nil {
		return out, err
	}
	if out.group, err = s.group(ctx, groupID); err != nil {
		return out, err
	}
	if err := domain.RequireID("item_id", itemID); err != nil {
		return out, err
	}
	ms, _, err := s.meetings.Get(ctx, groupID)
	if err != nil {
		return out, err
	}
	it, ok := ms.Item(itemID)
	switch {
	case !ok:
		return out, &domain.Error{Code: domain.CodeNotFound, Field: "item_id", Message: "no such item in this group", MessageFI: "ryhmällä ei ole tätä asiaa"}
	case it.Withdrawn:
		return out, &domain.Error{Code: domain.CodeFailedPrecondition, Field: "item_id", Message: "the item was withdrawn", MessageFI: "asia on poistettu esityslistalta"}
	case it.Standard() != v1.StandardItem_STANDARD_ITEM_UNSPECIFIED:
		return out, &domain.Error{Code: domain.CodeFailedPrecondition, Field: "item_id", Message: "a standard item is not sent to other groups",
			MessageFI: "vakioasiaa ei lähetetä muille ryhmille"}
	}
	out.item = it
	out.sentAt, err = pastTime("sent_at", sentAt)
	return out, err
}

// receive writes the item to groupID's meetings and answers where it went.
func (s meetingService) receive(ctx context.Context, req connect.AnyRequest, requestID, groupID, itemID, meetingID string,
	item *v1.AgendaItem, lineage *v1.Lineage) (string, eventstore.AppendResult, error) {
	var placed string
	res, _, err := s.write(ctx, req, requestID, groupID, nil, func(ms *domain.Meetings, _ *domain.Group, _ eventstore.Meta) ([]proto.Message, error) {
		return ms.Receive(itemID, meetingID, item, lineage, today())
	})
	if err != nil {
		return "", res, err
	}
	if ms, _, err := s.meetings.Get(ctx, groupID); err == nil {
		if it, ok := ms.Item(itemID); ok {
			placed = it.MeetingID
		}
	}
	return placed, res, nil
}

func (s meetingService) EscalateItem(ctx context.Context, req *connect.Request[v1.EscalateItemRequest]) (*connect.Response[v1.EscalateItemResponse], error) {
	m := req.Msg
	out, err := s.sendable(ctx, req.Header(), m.GetRequestId(), m.GetGroupId(), m.GetItemId(), m.GetSentAt())
	if err != nil {
		return nil, err
	}
	meta, g, it := out.meta, out.group, out.item
	if g.ParentID == "" {
		return nil, &domain.Error{Code: domain.CodeFailedPrecondition, Field: "group_id", Message: "the group has no parent group to escalate to",
			MessageFI: "ryhmällä ei ole ylempää ryhmää, jolle asian voisi viedä"}
	}
	if m.GetToMeetingId() != "" {
		if err := domain.RequireID("to_meeting_id", m.GetToMeetingId()); err != nil {
			return nil, err
		}
	}
	// The parent group's secretary prepares its own proposal; what the
	// sending group proposed and decided goes into the grounds.
	item := proto.CloneOf(it.Item)
	item.Preparer, item.Proposal = "", ""
	if it.Decision != nil {
		item.Grounds = strings.TrimSpace(fmt.Sprintf("%s\n\n%s, § %d: %s", item.GetGrounds(), g.Name.GetFi(), it.Section, it.Decision.GetText()))
	}
	lineage := &v1.Lineage{FromGroupId: g.ID, FromItemId: it.ID, Direction: v1.Direction_DIRECTION_UP, SentAt: out.sentAt, Note: m.GetNote()}
	// Scoped by the sending group: two child groups may send with the same request id.
	toItem := derivedID("escalated", g.ID, meta.RequestID)
	placed, res, err := s.receive(ctx, req, derivedID("escalate", g.ID, meta.RequestID), g.ParentID, toItem, m.GetToMeetingId(), item, lineage)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.EscalateItemResponse{ToGroupId: g.ParentID, ToItemId: toItem, ToMeetingId: placed, Result: writeResult(res)}), nil
}

func (s meetingService) ReferItem(ctx context.Context, req *connect.Request[v1.ReferItemRequest]) (*connect.Response[v1.ReferItemResponse], error) {
	m := req.Msg
	out, err := s.sendable(ctx, req.Header(), m.GetRequestId(), m.GetGroupId(), m.GetItemId(), m.GetSentAt())
	if err != nil {
		return nil, err
	}
	meta, g, it := out.meta, out.group, out.item
	switch it.Decision.GetOutcome() {
	case v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, v1.Outcome_OUTCOME_APPROVED_AS_AMENDED, v1.Outcome_OUTCOME_NOTED:
	default:
		return nil, &domain.Error{Code: domain.CodeFailedPrecondition, Field: "item_id",
			Message: "only a decision (approved or noted) is referred to child groups", MessageFI: "alemmille ryhmille ohjataan vain tehty päätös (hyväksytty tai tiedoksi merkitty)"}
	}
	if len(m.GetToGroupIds()) > 100 {
		return nil, domain.Invalid("to_group_ids", "at most 100 groups", "enintään 100 ryhmää")
	}
	// The child groups come from the read model: let it catch up with the
	// stream first, so that a group created just before is not missed
	// (waitRead with position 0 does not wait at all).
	if _, err := s.readModelsAtHead(ctx); err != nil {
		return nil, err
	}
	children, err := s.rt.ChildGroups(ctx, g.ID)
	if err != nil {
		return nil, err
	}
	targets := m.GetToGroupIds()
	if len(targets) == 0 {
		targets = children
	}
	if len(targets) == 0 {
		return nil, &domain.Error{Code: domain.CodeFailedPrecondition, Field: "group_id", Message: "the group has no child groups to refer to",
			MessageFI: "ryhmällä ei ole alempia ryhmiä, joille asian voisi ohjata"}
	}
	for i, id := range targets {
		field := fmt.Sprintf("to_group_ids[%d]", i)
		if err := domain.RequireID(field, id); err != nil {
			return nil, err
		}
		if child, _, err := s.groups.Get(ctx, id); err != nil {
			return nil, err
		} else if !child.Created || child.ParentID != g.ID {
			return nil, &domain.Error{Code: domain.CodeFailedPrecondition, Field: field, Message: "is not a child group of this group",
				MessageFI: "ei ole tämän ryhmän alempi ryhmä"}
		}
		if slices.Index(targets, id) != i {
			return nil, domain.Invalid(field, "is listed twice", "on listattu kahdesti")
		}
	}
	item := &v1.AgendaItem{Title: it.Item.GetTitle(), Openness: it.Item.GetOpenness(), LegalGround: it.Item.GetLegalGround(),
		Tags: it.Item.GetTags(), AttachmentUrls: it.Item.GetAttachmentUrls(), FamilyVoiceIds: it.Item.GetFamilyVoiceIds(),
		Grounds: fmt.Sprintf("%s, § %d: %s", g.Name.GetFi(), it.Section, it.Decision.GetText())}
	resp := &v1.ReferItemResponse{}
	for _, id := range targets {
		key := derivedID("refer", g.ID, meta.RequestID+"/"+id) // each group's write has its own request id
		toItem := derivedID("referred", g.ID, meta.RequestID+"/"+id)
		lineage := &v1.Lineage{FromGroupId: g.ID, FromItemId: it.ID, Direction: v1.Direction_DIRECTION_DOWN, SentAt: out.sentAt, Note: m.GetNote()}
		placed, res, err := s.receive(ctx, req, key, id, toItem, "", item, lineage)
		if err != nil {
			return nil, err
		}
		resp.Referrals = append(resp.Referrals, &v1.Referral{GroupId: id, ItemId: toItem, MeetingId: placed, Result: writeResult(res)})
	}
	return connect.NewResponse(resp), nil
}

func (s meetingService) ListInFlight(ctx context.Context, req *connect.Request[v1.ListInFlightRequest]) (*connect.Response[v1.ListInFlightResponse], error) {
	m := req.Msg
	if m.GetGroupId() != "" {
		if _, err := s.group(ctx, m.GetGroupId()); err != nil {
			return nil, err
		}
	}
	if err := s.waitRead(ctx, m.GetMinPosition()); err != nil {
		return nil, err
	}
	items, err := s.rt.InFlight(ctx, m.GetGroupId(), time.Now())
	if err != nil {
		return nil, err
	}
	// An item travels with its openness, but its copy may have been edited:
	// both ends must be visible.
	var ids []string
	for _, it := range items {
		ids = append(ids, it.GetFrom().GetItemId(), it.GetTo().GetItemId())
	}
	access, err := s.itemAccess(ctx, ids)
	if err != nil {
		return nil, err
	}
	c, visible := callerOf(ctx), items[:0:0]
	for _, it := range items {
		if seesLinked(c, access, it.GetFrom()) && seesLinked(c, access, it.GetTo()) {
			visible = append(visible, it)
		}
	}
	return connect.NewResponse(&v1.ListInFlightResponse{Items: visible}), nil
}

// group reads groupID's state, answering NotFound unless the group exists.
func (s *Server) group(ctx context.Context, groupID string) (*domain.Group, error) {
	if err := domain.RequireID("group_id", groupID); err != nil {
		return nil, err
	}
	g, _, err := s.groups.Get(ctx, groupID)
	if err != nil {
		return nil, err
	}
	if !g.Created {
		return nil, &domain.Error{Code: domain.CodeNotFound, Field: "group_id", Message: "no such group", MessageFI: "ryhmää ei ole"}
	}
	return g, nil
}
