package api

import (
	"context"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// adminService implements ohjaamov1connect.AdminServiceHandler.
type adminService struct{ *Server }

func (s adminService) RebuildProjections(ctx context.Context, _ *connect.Request[v1.RebuildProjectionsRequest]) (*connect.Response[v1.RebuildProjectionsResponse], error) {
	st, err := s.rt.Rebuild(ctx)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.RebuildProjectionsResponse{Position: st.Position, EventsApplied: st.Events, Seconds: st.Took.Seconds()}), nil
}

func (s adminService) GetStatus(ctx context.Context, _ *connect.Request[v1.GetStatusRequest]) (*connect.Response[v1.GetStatusResponse], error) {
	last, err := s.store.LastSequence(ctx)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.GetStatusResponse{
		Stream: s.store.StreamName(), StreamPosition: last, ProjectionPosition: s.rt.Position(),
		SchemaFingerprint: s.rt.Fingerprint(), EmbeddedNats: s.store.Embedded(),
	}), nil
}

// ForgetPerson records the forgetting in the log, then erases the person's
// key: from then on their sealed name and e-mail open nowhere. A failure
// after the record leaves the key, and any retry erases it.
func (s adminService) ForgetPerson(ctx context.Context, req *connect.Request[v1.ForgetPersonRequest]) (*connect.Response[v1.ForgetPersonResponse], error) {
	m := req.Msg
	if err := domain.RequireID("person_id", m.GetPersonId()); err != nil {
		return nil, err
	}
	meta, err := commandMeta(ctx, m.GetRequestId(), req.Header())
	if err != nil {
		return nil, err
	}
	if err := s.requireKnownPerson(ctx, m.GetPersonId()); err != nil {
		return nil, err
	}
	already := false
	res, err := s.people.Execute(ctx, m.GetPersonId(), meta, nil, func(p *domain.Person) ([]proto.Message, error) {
		already = p.Forgotten
		return p.Forget(m.GetReason(), today())
	})
	if err != nil {
		return nil, err
	}
	if err := s.store.Keys().Forget(ctx, m.GetPersonId()); err != nil {
		return nil, err
	}
	out := writeResult(res)
	out.Replayed = out.GetReplayed() || already
	return connect.NewResponse(&v1.ForgetPersonResponse{Result: out}), nil
}
