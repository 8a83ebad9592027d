package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	"github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1/ohjaamov1connect"
	"github.com/ohjaamo/ohjaamo/internal/testenv"
)

// cli runs one client command of the binary in-process.
func cli(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), code
}

// TestServeEndToEnd starts `ohjaamo serve` on port 0 with a fresh data
// directory (so the demo network loads), then drives it with the generated
// Connect client and with the CLI, then stops it as a signal would.
func TestServeEndToEnd(t *testing.T) {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "admin-token")
	t.Setenv("OHJAAMO_TOKEN_FILE", tokenFile) // client commands act as the first admin
	go func() {
		code := run(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--data", dir}, pw, io.Discard)
		pw.Close()
		done <- code
	}()
	urlLine := regexp.MustCompile(`API \(Connect, gRPC, gRPC-Web\): (http://\S+)`)
	tokenLine := regexp.MustCompile(`^  (ohj_[0-9a-f]{32}_[A-Za-z0-9_-]{43})$`)
	var url, printed string
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if m := tokenLine.FindStringSubmatch(sc.Text()); m != nil {
			printed = m[1]
		}
		if m := urlLine.FindStringSubmatch(sc.Text()); m != nil {
			url = m[1]
			break
		}
	}
	go io.Copy(io.Discard, pr) //nolint:errcheck // drain the rest of serve's output
	if url == "" {
		t.Fatal("serve printed no API URL")
	}
	// The first start prints the first admin's token once and writes it
	// to a file only its owner reads.
	if fi, err := os.Stat(tokenFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("admin token file: %v %v", fi, err)
	}
	if saved, _ := os.ReadFile(tokenFile); printed == "" || strings.TrimSpace(string(saved)) != printed {
		t.Fatalf("printed token %q, file holds %q", printed, saved)
	}

	// The generated client: the demo network is there once projected.
	groups := ohjaamov1connect.NewGroupServiceClient(http.DefaultClient, url)
	var network *v1.ListGroupsResponse
	testenv.Eventually(t, 20*time.Second, func() error {
		res, err := groups.ListGroups(ctx, connect.NewRequest(&v1.ListGroupsRequest{}))
		if err != nil {
			return err
		}
		if n := len(res.Msg.GetLinks()); n != 26 {
			return errors.New("demo network not projected yet")
		}
		network = res.Msg
		return nil
	})
	if len(network.GetRoots()) != 1 || len(network.GetRoots()[0].GetChildren()) != 3 {
		t.Fatalf("demo network: %d roots", len(network.GetRoots()))
	}
	locals := 0
	for _, r := range network.GetRoots()[0].GetChildren() {
		locals += len(r.GetChildren())
	}
	if locals != 23 {
		t.Fatalf("demo network has %d local groups, want Pirkanmaa's 23", locals)
	}
	province := network.GetRoots()[0].GetGroup().GetId()

	// The CLI, as a secretary would use it.
	out, errOut, code := cli(t, "group", "list", "--server", url)
	if code != 0 || !strings.Contains(out, "Tampereen perhekeskuksen ohjausryhmä") || !strings.Contains(out, "26 representation links") {
		t.Fatalf("group list: %d %s %s", code, out, errOut)
	}
	out, errOut, code = cli(t, "group", "create", "--server", url, "--name-fi", "Uusi koordinaatioryhmä", "--level", "alueellinen", "--parent", province, "--request-id", "e2e-create")
	m := regexp.MustCompile(`group (\S+)\nposition (\d+)`).FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("group create: %d %q %s", code, out, errOut)
	}
	regional, position := m[1], m[2]
	addArgs := []string{"group", "add-member", regional, "--server", url, "--name", "Testi Henkilö", "--org", "Ylöjärven kaupunki",
		"--actor", "kunta", "--role", "puheenjohtaja", "--term-start", "2026-01-01", "--request-id", "e2e-member"}
	out, errOut, code = cli(t, addArgs...)
	person := regexp.MustCompile(`\(person (\S+)\)`).FindStringSubmatch(out)
	if code != 0 || !strings.Contains(out, "membership ") || person == nil {
		t.Fatalf("add-member: %d %s %s", code, out, errOut)
	}
	out, _, code = cli(t, addArgs...)
	if code != 0 || !strings.Contains(out, "request already applied") {
		t.Fatalf("repeated add-member: %d %s", code, out)
	}
	pos := regexp.MustCompile(`position (\d+)`).FindStringSubmatch(out)[1]
	out, errOut, code = cli(t, "group", "show", regional, "--server", url, "--min-position", pos)
	if code != 0 || !strings.Contains(out, "Uusi koordinaatioryhmä") || !strings.Contains(out, "Testi Henkilö") || strings.Count(out, "Testi Henkilö") != 1 {
		t.Fatalf("group show: %d %s %s", code, out, errOut)
	}
	if position == pos {
		t.Fatalf("add-member answered the create's position %s", pos)
	}

	// Bad input: a clear error naming the field, in the user's language, exit 1.
	_, errOut, code = cli(t, "group", "create", "--server", url, "--name-fi", "Ilman yläryhmää", "--level", "local", "--municipality", "837", "--lang", "fi")
	if code != 1 || !strings.Contains(errOut, "invalid_argument") || !strings.Contains(errOut, "[field parent_id]") || !strings.Contains(errOut, "on pakollinen") {
		t.Fatalf("bad create: %d %s", code, errOut)
	}
	_, errOut, code = cli(t, "group", "create", "--server", url, "--level", "kunnallinen")
	if code != exitUsage || !strings.Contains(errOut, "--level") {
		t.Fatalf("unknown level: %d %s", code, errOut)
	}

	// A meeting, as a secretary runs it: schedule, agenda, open, decide, close.
	out, errOut, code = cli(t, "group", "show", regional, "--server", url)
	chair := regexp.MustCompile(`chair\s+Testi Henkilö.*\s(\S+)\n`).FindStringSubmatch(out)
	if code != 0 || chair == nil {
		t.Fatalf("chair's membership id: %s %s", out, errOut)
	}
	out, errOut, code = cli(t, "meeting", "schedule", regional, "--server", url, "--at", "2026-12-10T14:00:00+02:00", "--place", "Sali 3")
	meeting := regexp.MustCompile(`meeting (\S+)`).FindStringSubmatch(out)
	if code != 0 || meeting == nil {
		t.Fatalf("meeting schedule: %d %s %s", code, out, errOut)
	}
	out, errOut, code = cli(t, "meeting", "add-item", regional, meeting[1], "--server", url, "--title", "Toimintasuunnitelma", "--task", "T1,t3", "--proposal", "Hyväksytään.")
	itemID := regexp.MustCompile(`item (\S+)`).FindStringSubmatch(out)
	if code != 0 || itemID == nil {
		t.Fatalf("add-item: %d %s %s", code, out, errOut)
	}
	// edit-item changes only what its flags name: the proposal and tasks stay.
	out, errOut, code = cli(t, "meeting", "edit-item", regional, itemID[1], "--server", url, "--title", "Toimintasuunnitelma 2027")
	if code != 0 || !strings.Contains(out, "edited "+itemID[1]) {
		t.Fatalf("edit-item: %d %s %s", code, out, errOut)
	}
	pos = regexp.MustCompile(`position (\d+)`).FindStringSubmatch(out)[1]
	out, errOut, code = cli(t, "meeting", "show", regional, meeting[1], "--server", url, "--min-position", pos)
	if code != 0 || !regexp.MustCompile(`Toimintasuunnitelma 2027  \S+\n\s+proposal: Hyväksytään\.`).MatchString(out) {
		t.Fatalf("show after edit-item: %d\n%s\n%s", code, out, errOut)
	}
	_, errOut, code = cli(t, "meeting", "decide", regional, itemID[1], "--server", url, "--text", "Hyväksyttiin.", "--lang", "fi")
	if code != 1 || !strings.Contains(errOut, "failed_precondition") || !strings.Contains(errOut, "avatussa kokouksessa") {
		t.Fatalf("decide before opening: %d %s", code, errOut)
	}
	for _, args := range [][]string{
		{"meeting", "open", regional, meeting[1], "--lawful", "--quorate", "--present", chair[1]},
		{"meeting", "approve-agenda", regional, meeting[1]},
		{"meeting", "decide", regional, itemID[1], "--outcome", "hyväksytty", "--text", "Hyväksyttiin."},
		{"meeting", "close", regional, meeting[1]},
	} {
		if out, errOut, code = cli(t, append(args, "--server", url)...); code != 0 {
			t.Fatalf("%v: %d %s %s", args, code, out, errOut)
		}
	}
	pos = regexp.MustCompile(`position (\d+)`).FindStringSubmatch(out)[1]
	out, errOut, code = cli(t, "meeting", "show", regional, meeting[1], "--server", url, "--min-position", pos)
	if code != 0 || !strings.Contains(out, "closed,") || !strings.Contains(out, "§ 4   Toimintasuunnitelma 2027") || !strings.Contains(out, "decision (approved as proposed): Hyväksyttiin.") {
		t.Fatalf("meeting show: %d\n%s\n%s", code, out, errOut)
	}

	// The annual cycle, escalation and what is in flight between levels.
	out, errOut, code = cli(t, "meeting", "plan-year", regional, "--server", url, "--year", "2027", "--place", "Sali 3",
		"--at", "2027-02-09T13:00:00+02:00,2027-09-07T13:00:00+03:00", "--annual", "4=Toimintasuunnitelman katselmointi")
	if code != 0 || !strings.Contains(out, "planned 2027 with 2 meetings") {
		t.Fatalf("plan-year: %d %s %s", code, out, errOut)
	}
	pos = regexp.MustCompile(`position (\d+)`).FindStringSubmatch(out)[1]
	out, errOut, code = cli(t, "meeting", "cycle", regional, "--year", "2027", "--server", url, "--min-position", pos)
	if code != 0 || strings.Count(out, "Uusi koordinaatioryhmä") != 2 || !strings.Contains(out, "2027-09-07T13:00  2027-08-31  scheduled") ||
		!strings.Contains(out, "Toimintasuunnitelman katselmointi") {
		t.Fatalf("cycle: %d\n%s\n%s", code, out, errOut)
	}
	out, errOut, code = cli(t, "meeting", "cycle", "--year", "2026", "--server", url)
	if code != 0 || !strings.Contains(out, "Tampereen perhekeskuksen ohjausryhmä meets too late for the deadlines 2026-02-03") {
		t.Fatalf("network cycle: %d\n%s\n%s", code, out, errOut)
	}
	out, errOut, code = cli(t, "meeting", "escalate", regional, itemID[1], "--server", url, "--note", "Koskee koko maakuntaa.")
	if code != 0 || !strings.Contains(out, "escalated to group "+province) {
		t.Fatalf("escalate: %d %s %s", code, out, errOut)
	}
	pos = regexp.MustCompile(`position (\d+)`).FindStringSubmatch(out)[1]
	out, errOut, code = cli(t, "meeting", "in-flight", regional, "--server", url, "--min-position", pos)
	if code != 0 || !strings.Contains(out, "escalated up") || !strings.Contains(out, "Toimintasuunnitelma") || strings.Count(out, "\n") != 2 {
		t.Fatalf("in-flight: %d\n%s\n%s", code, out, errOut)
	}
	out, errOut, code = cli(t, "meeting", "in-flight", "--server", url)
	if code != 0 || strings.Count(out, "Asiakasraadin palaute: vauvaperheiden kotipalvelu") != 3 {
		t.Fatalf("network in-flight: %d\n%s\n%s", code, out, errOut)
	}

	// Family voices, communication responsibilities, the trace and the report.
	_, errOut, code = cli(t, "voice", "record", regional, "--server", url, "--channel", "asiakasraati", "--raised-on", "2026-11-02",
		"--summary", "Perhe 131052-308T toivoi iltavastaanottoa.", "--by", chair[1], "--lang", "fi")
	if code != 1 || !strings.Contains(errOut, "[field summary]") || !strings.Contains(errOut, "henkilötunnuksen") {
		t.Fatalf("voice with an identity code: %d %s", code, errOut)
	}
	out, errOut, code = cli(t, "voice", "record", regional, "--server", url, "--channel", "asiakasraati", "--raised-on", "2026-11-02",
		"--summary", "Perheet toivoivat iltavastaanottoa.", "--by", chair[1], "--task", "T7")
	voice := regexp.MustCompile(`recorded voice (\S+)`).FindStringSubmatch(out)
	if code != 0 || voice == nil {
		t.Fatalf("voice record: %d %s %s", code, out, errOut)
	}
	out, errOut, code = cli(t, "meeting", "list", regional, "--server", url)
	feb := regexp.MustCompile(`2027-02-09T13:00:00\+02:00\s+scheduled.*\s(\S+)\n`).FindStringSubmatch(out)
	if code != 0 || feb == nil {
		t.Fatalf("the planned February meeting: %d %s %s", code, out, errOut)
	}
	out, errOut, code = cli(t, "meeting", "add-item", regional, feb[1], "--server", url, "--title", "Iltavastaanotto", "--origin", "family-voice", "--voice", voice[1])
	if code != 0 {
		t.Fatalf("add-item taking up the voice: %d %s %s", code, out, errOut)
	}
	pos = regexp.MustCompile(`position (\d+)`).FindStringSubmatch(out)[1]
	// A voice is read by the members of the groups it reached (and auditors), not by the admin.
	out, errOut, code = cli(t, "token", "create", "--server", url, "--person", person[1], "--label", "e2e chair")
	chairToken := regexp.MustCompile(`(?m)^(ohj_\S+)$`).FindStringSubmatch(out)
	if code != 0 || chairToken == nil {
		t.Fatalf("the chair's token: %d %s %s", code, out, errOut)
	}
	out, errOut, code = cli(t, "voice", "trace", voice[1], "--server", url, "--min-position", pos, "--token", chairToken[1])
	if code != 0 || !regexp.MustCompile(`regional\s+Uusi koordinaatioryhmä\s+taken up\s+2027-02-09 \(not held yet\)`).MatchString(out) ||
		!strings.Contains(out, "families told: not yet") {
		t.Fatalf("voice trace: %d\n%s\n%s", code, out, errOut)
	}
	out, errOut, code = cli(t, "responsibility", "assign", regional, itemID[1], "--server", url, "--member", chair[1], "--audience", "perheet",
		"--channel", "perhekeskuksen verkkosivu", "--due", "2026-12-31")
	resp := regexp.MustCompile(`assigned responsibility (\S+)`).FindStringSubmatch(out)
	if code != 0 || resp == nil {
		t.Fatalf("responsibility assign: %d %s %s", code, out, errOut)
	}
	// The meeting was opened today, ahead of its date: its decisions were made today.
	todayFI := time.Now().In(helsinkiLoc()).Format(time.DateOnly)
	_, errOut, code = cli(t, "responsibility", "done", regional, resp[1], "--server", url, "--by", chair[1], "--on", todayFI)
	if code != 1 || !strings.Contains(errOut, "[field channel]") {
		t.Fatalf("done without how: %d %s", code, errOut)
	}
	out, errOut, code = cli(t, "responsibility", "done", regional, resp[1], "--server", url, "--by", chair[1], "--on", todayFI, "--channel", "verkkosivu")
	if code != 0 {
		t.Fatalf("responsibility done: %d %s %s", code, out, errOut)
	}
	pos = regexp.MustCompile(`position (\d+)`).FindStringSubmatch(out)[1]
	out, errOut, code = cli(t, "responsibility", "list", "--group", regional, "--server", url, "--min-position", pos)
	if code != 0 || !strings.Contains(out, "done "+todayFI) || !strings.Contains(out, "families via perhekeskuksen verkkosivu") {
		t.Fatalf("responsibility list: %d\n%s\n%s", code, out, errOut)
	}
	out, errOut, code = cli(t, "responsibility", "list", "--overdue", "--as-of", "2026-11-24", "--server", url)
	if code != 0 || strings.Count(out, "OVERDUE") != 3 {
		t.Fatalf("the demo's overdue responsibilities: %d\n%s\n%s", code, out, errOut)
	}
	out, errOut, code = cli(t, "voice", "report", "--from", "2026-01-01", "--to", "2026-12-31", "--as-of", "2026-11-24", "--format", "csv", "--server", url)
	if code != 0 || !strings.Contains(out, "voices,,,voices,6\n") || !strings.Contains(out, "voices,,,loop_closed,2\n") {
		t.Fatalf("voice report csv: %d\n%s\n%s", code, out, errOut)
	}

	// Subscriptions and the stream of decisions.
	out, errOut, code = cli(t, "subscription", "create", "--server", url, "--person", person[1], "--name", "Oman ryhmän päätökset",
		"--group", regional, "--children")
	subID := regexp.MustCompile(`subscription (\S+)`).FindStringSubmatch(out)
	if code != 0 || subID == nil {
		t.Fatalf("subscription create: %d %s %s", code, out, errOut)
	}
	pos = regexp.MustCompile(`position (\d+)`).FindStringSubmatch(out)[1]
	out, errOut, code = cli(t, "subscription", "list", "--person", person[1], "--server", url, "--min-position", pos)
	if code != 0 || !strings.Contains(out, "Oman ryhmän päätökset") || !strings.Contains(out, "and below") {
		t.Fatalf("subscription list: %d %s %s", code, out, errOut)
	}
	out, errOut, code = cli(t, "watch", "--subscription", subID[1], "--since", "2026-01-01", "--until-caught-up", "--server", url)
	if code != 0 || strings.Count(out, "\n") != 2 || !strings.Contains(out, "Uusi koordinaatioryhmä § 4/2026 Toimintasuunnitelma 2027 — decided: Hyväksyttiin.") ||
		!strings.Contains(out, "-- caught up at cursor") {
		t.Fatalf("watch: %d\n%s\n%s", code, out, errOut)
	}
	_, errOut, code = cli(t, "subscription", "create", "--server", url, "--person", person[1])
	if code != 1 || !strings.Contains(errOut, "[field filter]") {
		t.Fatalf("subscription without a filter: %d %s", code, errOut)
	}

	out, errOut, code = cli(t, "projections", "rebuild", "--server", url)
	if code != 0 || !strings.Contains(out, "rebuilt:") {
		t.Fatalf("projections rebuild: %d %s %s", code, out, errOut)
	}
	out, _, code = cli(t, "projections", "status", "--server", url)
	if code != 0 || !strings.Contains(out, "read-model position") {
		t.Fatalf("projections status: %d %s", code, out)
	}

	// Forgetting a person: the CLI then shows their role and organisation only.
	_, errOut, code = cli(t, "person", "forget", person[1], "--server", url)
	if code != exitUsage && code != 1 || !strings.Contains(errOut, "reason") {
		t.Fatalf("person forget without a reason: %d %s", code, errOut)
	}
	out, errOut, code = cli(t, "person", "forget", person[1], "--server", url, "--reason", "Valitusaika päättynyt", "--request-id", "e2e-forget")
	if code != 0 || !strings.Contains(out, "forgot "+person[1]) {
		t.Fatalf("person forget: %d %s %s", code, out, errOut)
	}
	pos = regexp.MustCompile(`position (\d+)`).FindStringSubmatch(out)[1]
	out, errOut, code = cli(t, "group", "show", regional, "--server", url, "--min-position", pos)
	if code != 0 || strings.Contains(out, "Testi Henkilö") || !strings.Contains(out, "(forgotten)") || !strings.Contains(out, "Ylöjärven kaupunki") {
		t.Fatalf("group show after forgetting: %d %s %s", code, out, errOut)
	}

	// Stopping (SIGINT/SIGTERM cancel this context in main) shuts down cleanly.
	stop()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d", code)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop within 20s")
	}
}

func TestEnvironmentSetsFlags(t *testing.T) {
	t.Setenv("OHJAAMO_SERVER", "http://127.0.0.1:1")
	_, errOut, code := cli(t, "group", "list")
	if code != 1 || !strings.Contains(errOut, "127.0.0.1:1") {
		t.Fatalf("OHJAAMO_SERVER was not used: %d %s", code, errOut)
	}
}
