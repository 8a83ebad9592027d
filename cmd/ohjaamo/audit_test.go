package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	"github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1/ohjaamov1connect"
)

// serveDemo starts `ohjaamo serve` on a fresh data directory (the demo
// loads) with its embedded NATS also on a loopback port, and answers the
// API URL and the NATS address.
func serveDemo(t *testing.T) (string, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	natsAddr := ln.Addr().String()
	ln.Close()
	ctx, stop := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	dir := t.TempDir()
	t.Setenv("OHJAAMO_TOKEN_FILE", filepath.Join(dir, "admin-token")) // client commands act as the first admin
	go func() {
		code := run(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--data", dir, "--nats-listen", natsAddr}, pw, io.Discard)
		pw.Close()
		done <- code
	}()
	t.Cleanup(func() {
		stop()
		if code := <-done; code != 0 {
			t.Errorf("serve exited %d", code)
		}
	})
	urlLine := regexp.MustCompile(`API \(Connect, gRPC, gRPC-Web\): (http://\S+)`)
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if m := urlLine.FindStringSubmatch(sc.Text()); m != nil {
			go io.Copy(io.Discard, pr) //nolint:errcheck // drain the rest of serve's output
			return m[1], natsAddr
		}
	}
	t.Fatal("serve printed no API URL")
	return "", ""
}

func TestAuditEndToEnd(t *testing.T) {
	url, natsAddr := serveDemo(t)
	ctx := context.Background()

	out, errOut, code := cli(t, "audit", "verify", "--server", url)
	if code != 0 || !regexp.MustCompile(`^\d{3,} events in \d+ aggregates, up to stream position \d+\nOK: every hash chain holds\n$`).MatchString(out) {
		t.Fatalf("audit verify on the demo: %d\n%s\n%s", code, out, errOut)
	}

	// History and evidence are for auditors: the admin makes one, with a token.
	out, errOut, code = cli(t, "user", "roles", "--auditor", "--org", "THL, arviointi", "--server", url)
	auditor := regexp.MustCompile(`^user (\S+): auditor\n`).FindStringSubmatch(out)
	if code != 0 || auditor == nil {
		t.Fatalf("user roles --auditor: %d %s %s", code, out, errOut)
	}
	out, errOut, code = cli(t, "token", "create", "--person", auditor[1], "--label", "arviointi", "--server", url)
	token := regexp.MustCompile(`(?m)^(ohj_[0-9a-f]{32}_\S{43})$`).FindStringSubmatch(out)
	if code != 0 || token == nil {
		t.Fatalf("token create: %d %s %s", code, out, errOut)
	}
	if _, errOut, code = cli(t, "audit", "history", "group", "00000000-0000-4000-8000-000000000001", "--server", url); code != 1 || !strings.Contains(errOut, "permission_denied") {
		t.Fatalf("history as the admin: %d %s", code, errOut)
	}

	network, err := ohjaamov1connect.NewGroupServiceClient(http.DefaultClient, url).ListGroups(ctx, connect.NewRequest(&v1.ListGroupsRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	province := network.Msg.GetRoots()[0].GetGroup().GetId()
	// The actor recorded is who the token says, whatever --as once claimed.
	out, errOut, code = cli(t, "group", "rename", province, "--server", url, "--name-fi", "Pirkanmaan ohjausryhmä", "--request-id", "audit-e2e-rename")
	if code != 0 {
		t.Fatalf("group rename: %d %s %s", code, out, errOut)
	}
	out, _, _ = cli(t, "whoami", "--server", url)
	admin := regexp.MustCompile(`^person (\S+): admin\n`).FindStringSubmatch(out)
	if admin == nil {
		t.Fatalf("whoami: %s", out)
	}
	out, errOut, code = cli(t, "audit", "history", "group", province, "--server", url, "--token", token[1])
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || !regexp.MustCompile(`^SEQ\s+VERSION\s+TIME\s+ACTOR\s+EVENT\s+REQUEST$`).MatchString(lines[0]) ||
		!regexp.MustCompile(`^1\s+1\s+\S+\s+demo-loader\s+GroupCreated\s+demo-province$`).MatchString(lines[1]) ||
		!regexp.MustCompile(`^\d+\s+\d+\s+\d{4}-\d\d-\d\dT\S+\s+person:`+admin[1]+`/token:[0-9a-f]{32}\s+GroupRenamed\s+audit-e2e-rename$`).MatchString(lines[len(lines)-2]) ||
		!regexp.MustCompile(`^\d+ events; chain OK$`).MatchString(lines[len(lines)-1]) {
		t.Fatalf("audit history: %d\n%s\n%s", code, out, errOut)
	}
	_, errOut, code = cli(t, "audit", "history", "meeting", province, "--server", url, "--token", token[1])
	if code != 1 || !strings.Contains(errOut, "[field aggregate_type]") {
		t.Fatalf("history of an unknown type: %d %s", code, errOut)
	}
	if _, _, code = cli(t, "audit", "history", "group"); code != exitUsage {
		t.Fatalf("history without an id: exit %d", code)
	}

	// An evidence pack for a voice, under the server's name in the current
	// directory, checks offline; one flipped character does not.
	list := connect.NewRequest(&v1.ListVoicesRequest{})
	list.Header().Set("Authorization", "Bearer "+token[1])
	voices, err := ohjaamov1connect.NewVoiceServiceClient(http.DefaultClient, url).ListVoices(ctx, list)
	if err != nil || len(voices.Msg.GetVoices()) == 0 {
		t.Fatalf("demo voices: %v", err)
	}
	t.Chdir(t.TempDir())
	voice := voices.Msg.GetVoices()[0].GetId()
	out, errOut, code = cli(t, "audit", "evidence", "--voice", voice, "--server", url, "--token", token[1])
	file := "evidence-voice-" + voice + ".json"
	if code != 0 || !strings.HasPrefix(out, "wrote "+file) {
		t.Fatalf("audit evidence: %d %s %s", code, out, errOut)
	}
	out, errOut, code = cli(t, "audit", "check-pack", file)
	if code != 0 || !strings.Contains(out, "OK: every hash, link and listed field matches the stored bytes") {
		t.Fatalf("check-pack: %d %s %s", code, out, errOut)
	}
	pack, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(pack), `"stored": "`) + len(`"stored": "`) + 40
	if pack[i] == 'A' {
		pack[i] = 'B'
	} else {
		pack[i] = 'A'
	}
	tampered := filepath.Join(t.TempDir(), "tampered.json")
	if err := os.WriteFile(tampered, pack, 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = cli(t, "audit", "check-pack", tampered)
	if code != 1 || !strings.Contains(out, "BROKEN") || !strings.Contains(out, "the stored bytes hash to") {
		t.Fatalf("check-pack of a tampered pack: %d %s %s", code, out, errOut)
	}
	if _, _, code = cli(t, "audit", "evidence", "--server", url); code != exitUsage {
		t.Fatalf("evidence of nothing: exit %d", code)
	}

	// A forged copy of the rename, published past the service, breaks the
	// chain: verify says where and exits 1.
	nc, err := nats.Connect("nats://" + natsAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	stream, err := js.Stream(ctx, "OHJAAMO")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := stream.GetLastMsgForSubject(ctx, "ohjaamo.group."+province)
	if err != nil {
		t.Fatal(err)
	}
	env := &v1.Envelope{}
	if err := proto.Unmarshal(raw.Data, env); err != nil {
		t.Fatal(err)
	}
	env.Payload, _ = proto.Marshal(&v1.GroupRenamed{Name: &v1.LocalizedName{Fi: "Väärennetty"}})
	data, _ := proto.Marshal(env)
	ack, err := js.Publish(ctx, raw.Subject, data)
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code = cli(t, "audit", "verify", "--server", url)
	first := regexp.MustCompile(`BROKEN: first at stream position (\d+) \((\S+)\)`).FindStringSubmatch(out)
	if code != 1 || first == nil || first[1] != strconv.FormatUint(ack.Sequence, 10) || first[2] != raw.Subject ||
		!strings.Contains(out, "prev_hash does not match") || !strings.Contains(errOut, "the hash chains do not hold") {
		t.Fatalf("audit verify after a forgery at %d: %d\n%s\n%s", ack.Sequence, code, out, errOut)
	}
	out, _, code = cli(t, "audit", "history", "group", province, "--server", url, "--token", token[1])
	if code != 1 || !strings.Contains(out, "chain BROKEN") {
		t.Fatalf("history of the forged group: %d\n%s", code, out)
	}
}
