package api

import (
	"context"
	"errors"

	"connectrpc.com/connect"

	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// GetMinutes renders a meeting's minutes. Not built yet.
func (s meetingService) GetMinutes(context.Context, *connect.Request[v1.GetMinutesRequest]) (*connect.Response[v1.GetMinutesResponse], error) {
	return nil, connect.NewError(connect.CodeUnimplemented, errors.New("minutes are not rendered yet"))
}
