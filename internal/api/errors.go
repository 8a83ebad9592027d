// Package api serves Ohjaamo over Connect, gRPC and gRPC-Web: the handlers,
// the mapping of domain errors to Connect codes, and the wiring of the
// server. It is the only package that knows Connect.
package api

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"

	"github.com/ohjaamo/ohjaamo/internal/domain"
)

// connectCodes is the one table from domain error codes to Connect codes.
var connectCodes = map[domain.Code]connect.Code{
	domain.CodeInvalid:            connect.CodeInvalidArgument,
	domain.CodeNotFound:           connect.CodeNotFound,
	domain.CodeAlreadyExists:      connect.CodeAlreadyExists,
	domain.CodeFailedPrecondition: connect.CodeFailedPrecondition,
	domain.CodeConflict:           connect.CodeAborted,
	domain.CodePermissionDenied:   connect.CodePermissionDenied,
	domain.CodeUnauthenticated:    connect.CodeUnauthenticated,
	domain.CodeUnavailable:        connect.CodeUnavailable,
	domain.CodeInternal:           connect.CodeInternal,
}

// toConnect turns a handler's error into a Connect error: a domain error
// keeps its message (in Finnish when the caller prefers it) and names its
// field in a BadRequest detail; anything else is logged and hidden as Internal.
func toConnect(ctx context.Context, log *slog.Logger, procedure string, lang string, err error) error {
	if err == nil {
		return nil
	}
	var ce *connect.Error
	if errors.As(err, &ce) {
		return err
	}
	if errors.Is(err, context.Canceled) {
		return connect.NewError(connect.CodeCanceled, err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return connect.NewError(connect.CodeDeadlineExceeded, err)
	}
	var de *domain.Error
	if !errors.As(err, &de) || de.Code == domain.CodeInternal {
		log.ErrorContext(ctx, "request failed", "procedure", procedure, "err", err)
		return connect.NewError(connect.CodeInternal, errors.New("internal error"))
	}
	msg := de.Message
	if lang == "fi" && de.MessageFI != "" {
		msg = de.MessageFI
	}
	if de.Field != "" {
		msg = de.Field + ": " + msg
	}
	out := connect.NewError(connectCodes[de.Code], errors.New(msg))
	if de.Field != "" {
		if detail, derr := connect.NewErrorDetail(&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{
			{Field: de.Field, Description: msg},
		}}); derr == nil {
			out.AddDetail(detail)
		}
	}
	return out
}

// preferredLanguage picks "fi" or "en" from an Accept-Language header.
func preferredLanguage(header string) string {
	for _, part := range strings.Split(header, ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		switch {
		case strings.HasPrefix(tag, "fi"):
			return "fi"
		case strings.HasPrefix(tag, "en"), strings.HasPrefix(tag, "sv"):
			return "en"
		}
	}
	return "en"
}

// errorInterceptor maps every handler error in one place, for unary and
// streaming handlers alike.
func errorInterceptor(log *slog.Logger) connect.Interceptor { return errorMapper{log} }

type errorMapper struct{ log *slog.Logger }

func (e errorMapper) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		res, err := next(ctx, req)
		if err != nil {
			return nil, toConnect(ctx, e.log, req.Spec().Procedure, preferredLanguage(req.Header().Get("Accept-Language")), err)
		}
		return res, nil
	}
}

func (e errorMapper) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		if err := next(ctx, conn); err != nil {
			return toConnect(ctx, e.log, conn.Spec().Procedure, preferredLanguage(conn.RequestHeader().Get("Accept-Language")), err)
		}
		return nil
	}
}

func (errorMapper) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}
