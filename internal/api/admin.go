package api

import (
	"context"

	"connectrpc.com/connect"

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
