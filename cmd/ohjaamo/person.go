package main

import (
	"context"
	"io"

	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// personCommand: ohjaamo person forget PERSON_ID --reason "...".
func personCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usagef("person: want forget")
	}
	fs := newFlags("person "+args[0], stderr)
	switch args[0] {
	case "forget":
		c := addClientFlags(fs, true)
		reason := fs.String("reason", "", "why the person is forgotten (stored in the log; no names)")
		id, err := parseWithArgs(fs, args[1:], "PERSON_ID")
		if err != nil {
			return err
		}
		res, err := c.admin().ForgetPerson(ctx, request(c, &v1.ForgetPersonRequest{RequestId: c.reqID(), PersonId: id[0], Reason: *reason}))
		if err != nil {
			return explain(err)
		}
		return printWrite(stdout, c, res.Msg, "forgot "+id[0]+": their name and contact details can no longer be read; outputs show their role and organisation",
			res.Msg.GetResult())
	default:
		return usagef("person: unknown command %q (want forget)", args[0])
	}
}
