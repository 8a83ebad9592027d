package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	"github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1/ohjaamov1connect"
)

// defaultServer is where `ohjaamo serve` listens by default.
const defaultServer = "http://127.0.0.1:8080"

// clientFlags are the flags every client command has.
type clientFlags struct {
	server, token, tokenFile, lang, requestID string
	json                                      bool
	minPosition                               uint64
}

func addClientFlags(fs *flag.FlagSet, write bool) *clientFlags {
	c := &clientFlags{}
	fs.StringVar(&c.server, "server", defaultServer, "URL of a running Ohjaamo server")
	fs.StringVar(&c.token, "token", "", "API token to call with (ohjaamo token create makes one); empty: the token file's")
	fs.StringVar(&c.tokenFile, "token-file", "data/admin-token", "file holding the API token when --token is empty (make run writes the first admin's there); missing: call anonymously")
	fs.StringVar(&c.lang, "lang", "", "language of error messages: fi or en (default from LANG)")
	fs.BoolVar(&c.json, "json", false, "print the response as JSON")
	if write {
		fs.StringVar(&c.requestID, "request-id", "", "idempotency key: repeat a command with the same id and it is applied once (default: a new id)")
	} else {
		fs.Uint64Var(&c.minPosition, "min-position", 0, "wait until the read models have reached this stream position")
	}
	return c
}

// header sets the credentials and language on a request.
func (c *clientFlags) header(h http.Header) {
	if t := c.bearer(); t != "" {
		h.Set("Authorization", "Bearer "+t)
	}
	lang := c.lang
	if lang == "" {
		lang = envLang()
	}
	h.Set("Accept-Language", lang)
}

// bearer is the API token to call with: --token, else the token file's.
func (c *clientFlags) bearer() string {
	if c.token == "" && c.tokenFile != "" {
		if b, err := os.ReadFile(c.tokenFile); err == nil {
			c.token = strings.TrimSpace(string(b))
		}
	}
	return c.token
}

func (c *clientFlags) reqID() string {
	if c.requestID != "" {
		return c.requestID
	}
	return uuid.Must(uuid.NewV7()).String()
}

// httpClient is shared by every client command.
var httpClient = http.DefaultClient

func (c *clientFlags) groups() ohjaamov1connect.GroupServiceClient {
	return ohjaamov1connect.NewGroupServiceClient(httpClient, strings.TrimRight(c.server, "/"))
}

func (c *clientFlags) admin() ohjaamov1connect.AdminServiceClient {
	return ohjaamov1connect.NewAdminServiceClient(httpClient, strings.TrimRight(c.server, "/"))
}

func request[T any](c *clientFlags, msg *T) *connect.Request[T] {
	r := connect.NewRequest(msg)
	c.header(r.Header())
	return r
}

// explain turns a Connect error into a line a person can act on.
func explain(err error) error {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return err
	}
	msg := fmt.Sprintf("%s: %s", ce.Code(), ce.Message())
	for _, d := range ce.Details() {
		if v, derr := d.Value(); derr == nil {
			if br, ok := v.(*errdetails.BadRequest); ok {
				for _, fv := range br.GetFieldViolations() {
					msg += fmt.Sprintf(" [field %s]", fv.GetField())
				}
			}
		}
	}
	return errors.New(msg)
}

func printJSON(w io.Writer, m proto.Message) error {
	b, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(m)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, string(b))
	return err
}

func printWrite(w io.Writer, c *clientFlags, m proto.Message, what string, r *v1.WriteResult) error {
	if c.json {
		return printJSON(w, m)
	}
	replay := ""
	if r.GetReplayed() {
		replay = " (request already applied; nothing new written)"
	}
	_, err := fmt.Fprintf(w, "%s\nposition %d, version %d%s\n", what, r.GetPosition(), r.GetVersion(), replay)
	return err
}

func projectionsCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usagef("projections: want rebuild or status")
	}
	fs := newFlags("projections "+args[0], stderr)
	c := addClientFlags(fs, false)
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	switch args[0] {
	case "rebuild":
		res, err := c.admin().RebuildProjections(ctx, request(c, &v1.RebuildProjectionsRequest{}))
		if err != nil {
			return explain(err)
		}
		if c.json {
			return printJSON(stdout, res.Msg)
		}
		fmt.Fprintf(stdout, "rebuilt: %d events applied in %.2fs, read models at position %d\n", res.Msg.GetEventsApplied(), res.Msg.GetSeconds(), res.Msg.GetPosition())
	case "status":
		res, err := c.admin().GetStatus(ctx, request(c, &v1.GetStatusRequest{}))
		if err != nil {
			return explain(err)
		}
		if c.json {
			return printJSON(stdout, res.Msg)
		}
		m := res.Msg
		tw := tabwriter.NewWriter(stdout, 0, 2, 2, ' ', 0)
		fmt.Fprintf(tw, "stream\t%s (embedded NATS: %v)\n", m.GetStream(), m.GetEmbeddedNats())
		fmt.Fprintf(tw, "stream position\t%d\n", m.GetStreamPosition())
		fmt.Fprintf(tw, "read-model position\t%d\n", m.GetProjectionPosition())
		fmt.Fprintf(tw, "schema fingerprint\t%s\n", m.GetSchemaFingerprint())
		return tw.Flush()
	default:
		return usagef("projections: unknown command %q (want rebuild or status)", args[0])
	}
	return nil
}
