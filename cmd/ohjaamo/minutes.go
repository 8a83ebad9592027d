package main

import (
	"context"
	"fmt"
	"io"
	"os"

	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// minutesCommand renders a meeting's minutes: `ohjaamo meeting minutes`.
func minutesCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("meeting minutes", stderr)
	c := addClientFlags(fs, false)
	fs.Lookup("lang").Usage = "language of the minutes: fi, sv or en (default fi); errors come in Finnish for fi, else in English"
	format := fs.String("format", "md", "md | html (printable, with a print stylesheet)")
	public := fs.Bool("public", false, "public minutes: secret items show only their § and legal ground")
	out := fs.String("out", "", "write the minutes to this file instead of standard output")
	ids, err := parseWithArgs(fs, args, "GROUP_ID", "MEETING_ID")
	if err != nil {
		return err
	}
	var f v1.MinutesFormat
	switch *format {
	case "md", "markdown":
		f = v1.MinutesFormat_MINUTES_FORMAT_MARKDOWN
	case "html":
		f = v1.MinutesFormat_MINUTES_FORMAT_HTML
	default:
		return usagef("--format %q: want md or html", *format)
	}
	res, err := c.meetings().GetMinutes(ctx, request(c, &v1.GetMinutesRequest{GroupId: ids[0], MeetingId: ids[1], Format: f,
		Language: c.lang, Public: *public, MinPosition: c.minPosition}))
	if err != nil {
		return explain(err)
	}
	if c.json {
		return printJSON(stdout, res.Msg)
	}
	if *out == "" {
		_, err = io.WriteString(stdout, res.Msg.GetText())
		return err
	}
	if err := os.WriteFile(*out, []byte(res.Msg.GetText()), 0o644); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "wrote %s (%s, %d bytes)\n", *out, res.Msg.GetContentType(), len(res.Msg.GetText()))
	return err
}
