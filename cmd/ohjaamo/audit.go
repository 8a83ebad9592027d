package main

import (
	"context"
	"io"
)

func auditCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return usagef("audit: not built yet")
}
