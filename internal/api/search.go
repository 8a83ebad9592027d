package api

import (
	"context"
	"errors"

	"connectrpc.com/connect"

	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// SearchItems searches agenda items and decisions. Not built yet.
func (s meetingService) SearchItems(context.Context, *connect.Request[v1.SearchItemsRequest]) (*connect.Response[v1.SearchItemsResponse], error) {
	return nil, connect.NewError(connect.CodeUnimplemented, errors.New("search is not built yet"))
}
