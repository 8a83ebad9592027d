package api

import (
	"context"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	"github.com/ohjaamo/ohjaamo/internal/eventstore"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// groupService implements ohjaamov1connect.GroupServiceHandler.
type groupService struct{ *Server }

func (s groupService) CreateGroup(ctx context.Context, req *connect.Request[v1.CreateGroupRequest]) (*connect.Response[v1.CreateGroupResponse], error) {
	m := req.Msg
	meta, err := commandMeta(ctx, m.GetRequestId(), req.Header())
	if err != nil {
		return nil, err
	}
	var parent *domain.Group
	if domain.ValidID(m.GetParentId()) {
		if parent, _, err = s.groups.Get(ctx, m.GetParentId()); err != nil {
			return nil, err
		}
	}
	id := derivedID("group", "", meta.RequestID)
	cmd := domain.CreateGroup{Name: m.GetName(), Level: m.GetLevel(), ParentID: m.GetParentId(), County: m.GetWellbeingCounty(),
		Municipalities: m.GetMunicipalities(), Mode: m.GetMode()}
	res, err := s.groups.Execute(ctx, id, meta, nil, func(g *domain.Group) ([]proto.Message, error) {
		return g.Create(cmd, parent)
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.CreateGroupResponse{GroupId: id, Result: writeResult(res)}), nil
}

func (s groupService) RenameGroup(ctx context.Context, req *connect.Request[v1.RenameGroupRequest]) (*connect.Response[v1.RenameGroupResponse], error) {
	m := req.Msg
	meta, err := s.groupCommand(ctx, m.GetRequestId(), m.GetGroupId(), req)
	if err != nil {
		return nil, err
	}
	res, err := s.groups.Execute(ctx, m.GetGroupId(), meta, m.ExpectedVersion, func(g *domain.Group) ([]proto.Message, error) {
		return g.Rename(m.GetName())
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.RenameGroupResponse{Result: writeResult(res)}), nil
}

func (s groupService) AddMember(ctx context.Context, req *connect.Request[v1.AddMemberRequest]) (*connect.Response[v1.AddMemberResponse], error) {
	m := req.Msg
	meta, err := s.groupCommand(ctx, m.GetRequestId(), m.GetGroupId(), req)
	if err != nil {
		return nil, err
	}
	represented, err := s.representedGroup(ctx, m.GetRepresentsGroupId())
	if err != nil {
		return nil, err
	}
	cmd := domain.AddMember{
		MembershipID: derivedID("membership", m.GetGroupId(), meta.RequestID), PersonID: m.GetPersonId(), PersonName: m.GetPersonName(),
		Email: m.GetEmail(), Organisation: m.GetOrganisation(), ActorType: m.GetActorType(), Role: m.GetRole(),
		TermStart: m.GetTermStart(), TermEnd: m.GetTermEnd(), Represents: m.GetRepresentsGroupId(),
	}
	if cmd.PersonID == "" {
		cmd.PersonID = derivedID("person", m.GetGroupId(), meta.RequestID)
	}
	if cmd.TermStart == "" {
		cmd.TermStart = today()
	}
	if err := s.forgottenCheck(ctx, m.GetPersonId()); err != nil {
		return nil, err
	}
	res, err := s.groups.Execute(ctx, m.GetGroupId(), meta, m.ExpectedVersion, func(g *domain.Group) ([]proto.Message, error) {
		// The domain checks the name and e-mail in the clear; the event
		// carries them only sealed with the person's key.
		events, err := g.AddMember(cmd, represented)
		if err != nil {
			return nil, err
		}
		for _, ev := range events {
			if added, ok := ev.(*v1.MemberAdded); ok {
				if added.SealedPersonal, err = s.sealPersonal(ctx, added.GetPersonId(), added.GetPersonName(), added.GetEmail()); err != nil {
					return nil, err
				}
				added.PersonName, added.Email = "", ""
			}
		}
		return events, nil
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.AddMemberResponse{MembershipId: cmd.MembershipID, PersonId: cmd.PersonID, Result: writeResult(res)}), nil
}

func (s groupService) ChangeMember(ctx context.Context, req *connect.Request[v1.ChangeMemberRequest]) (*connect.Response[v1.ChangeMemberResponse], error) {
	m := req.Msg
	meta, err := s.groupCommand(ctx, m.GetRequestId(), m.GetGroupId(), req)
	if err != nil {
		return nil, err
	}
	represented, err := s.representedGroup(ctx, m.GetRepresentsGroupId())
	if err != nil {
		return nil, err
	}
	cmd := domain.ChangeMember{MembershipID: m.GetMembershipId(), Organisation: m.Organisation, ActorType: m.ActorType,
		Role: m.Role, TermEnd: m.TermEnd, Represents: m.RepresentsGroupId}
	res, err := s.groups.Execute(ctx, m.GetGroupId(), meta, m.ExpectedVersion, func(g *domain.Group) ([]proto.Message, error) {
		return g.ChangeMember(cmd, represented)
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.ChangeMemberResponse{Result: writeResult(res)}), nil
}

func (s groupService) EndMember(ctx context.Context, req *connect.Request[v1.EndMemberRequest]) (*connect.Response[v1.EndMemberResponse], error) {
	m := req.Msg
	meta, err := s.groupCommand(ctx, m.GetRequestId(), m.GetGroupId(), req)
	if err != nil {
		return nil, err
	}
	endedOn := m.GetEndedOn()
	if endedOn == "" {
		endedOn = today()
	}
	res, err := s.groups.Execute(ctx, m.GetGroupId(), meta, m.ExpectedVersion, func(g *domain.Group) ([]proto.Message, error) {
		return g.EndMember(m.GetMembershipId(), endedOn, m.GetReason())
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.EndMemberResponse{Result: writeResult(res)}), nil
}

func (s groupService) GetGroup(ctx context.Context, req *connect.Request[v1.GetGroupRequest]) (*connect.Response[v1.GetGroupResponse], error) {
	if err := domain.RequireID("group_id", req.Msg.GetGroupId()); err != nil {
		return nil, err
	}
	if err := s.waitRead(ctx, req.Msg.GetMinPosition()); err != nil {
		return nil, err
	}
	g, err := s.rt.Group(ctx, req.Msg.GetGroupId(), req.Msg.GetIncludeEnded())
	if err != nil {
		return nil, err
	}
	// E-mails are shown (or not) with the names, by showPeople.
	return connect.NewResponse(&v1.GetGroupResponse{Group: g}), nil
}

func (s groupService) ListGroups(ctx context.Context, req *connect.Request[v1.ListGroupsRequest]) (*connect.Response[v1.ListGroupsResponse], error) {
	if err := s.waitRead(ctx, req.Msg.GetMinPosition()); err != nil {
		return nil, err
	}
	out, err := s.rt.Network(ctx, req.Msg.GetWellbeingCounty())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(out), nil
}

// groupCommand checks what every command on an existing group needs.
func (s groupService) groupCommand(ctx context.Context, requestID, groupID string, req connect.AnyRequest) (meta eventstore.Meta, err error) {
	if err := domain.RequireID("group_id", groupID); err != nil {
		return meta, err
	}
	return commandMeta(ctx, requestID, req.Header())
}

func (s groupService) representedGroup(ctx context.Context, id string) (*domain.Group, error) {
	if !domain.ValidID(id) {
		return nil, nil // the domain names the field if it is malformed
	}
	g, _, err := s.groups.Get(ctx, id)
	return g, err
}
