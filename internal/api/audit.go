package api

import (
	"github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1/ohjaamov1connect"
)

// auditService implements ohjaamov1connect.AuditServiceHandler: chain
// verification, aggregate history and evidence packs, read from the stream.
type auditService struct {
	*Server
	ohjaamov1connect.UnimplementedAuditServiceHandler
}
