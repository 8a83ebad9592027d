package projections_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
	"google.golang.org/protobuf/proto"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	"github.com/ohjaamo/ohjaamo/internal/eventstore"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	"github.com/ohjaamo/ohjaamo/internal/testenv"
	"github.com/ohjaamo/ohjaamo/projections"
)

// network writes a provincial group with n regional children, each with a
// few members, some changed and ended: every kind of group event.
func network(t *testing.T, store *eventstore.Store, n int) uint64 {
	t.Helper()
	ctx := context.Background()
	repo := testenv.Groups(store)
	var last uint64
	exec := func(id, rid string, decide func(*domain.Group) ([]proto.Message, error)) {
		t.Helper()
		res, err := repo.Execute(ctx, id, eventstore.Meta{RequestID: rid}, nil, decide)
		if err != nil {
			t.Fatalf("%s: %v", rid, err)
		}
		last = res.LastSeq
	}
	top := "00000000-0000-4000-8000-000000000000"
	exec(top, "top", func(g *domain.Group) ([]proto.Message, error) {
		return g.Create(domain.CreateGroup{Name: &v1.LocalizedName{Fi: "Maakunnallinen"}, Level: v1.Level_LEVEL_PROVINCIAL, County: "Pirkanmaan hyvinvointialue"}, nil)
	})
	parent, _, _ := repo.Get(ctx, top)
	for i := range n {
		id := fmt.Sprintf("00000000-0000-4000-8000-%012d", i+1)
		exec(id, "c"+id, func(g *domain.Group) ([]proto.Message, error) {
			return g.Create(domain.CreateGroup{Name: &v1.LocalizedName{Fi: fmt.Sprintf("Alue %d", i)}, Level: v1.Level_LEVEL_REGIONAL, ParentID: top}, parent)
		})
		child, _, _ := repo.Get(ctx, id)
		mid := fmt.Sprintf("10000000-0000-4000-8000-%012d", i+1)
		exec(top, "m"+id, func(g *domain.Group) ([]proto.Message, error) {
			return g.AddMember(domain.AddMember{MembershipID: mid, PersonID: mid, PersonName: fmt.Sprintf("Edustaja %d", i),
				Organisation: "Hyvinvointialue", ActorType: v1.ActorType_ACTOR_TYPE_WELLBEING_COUNTY, Role: v1.Role_ROLE_MEMBER,
				TermStart: "2025-01-01", Represents: id}, child)
		})
		org := "Uusi järjestö"
		exec(top, "x"+id, func(g *domain.Group) ([]proto.Message, error) {
			return g.ChangeMember(domain.ChangeMember{MembershipID: mid, Organisation: &org}, nil)
		})
		if i%3 == 0 {
			exec(top, "e"+id, func(g *domain.Group) ([]proto.Message, error) {
				return g.EndMember(mid, "2026-06-30", "kausi päättyi")
			})
		}
		exec(id, "r"+id, func(g *domain.Group) ([]proto.Message, error) {
			return g.Rename(&v1.LocalizedName{Fi: fmt.Sprintf("Alue %d (uusi nimi)", i), Sv: "Region"})
		})
	}
	return last
}

// dump renders every read-model row in a fixed order.
func dump(t *testing.T, rt *projections.Runtime) string {
	t.Helper()
	var b strings.Builder
	err := rt.View(context.Background(), func(db *sql.DB) error {
		for _, q := range []string{
			`SELECT * FROM groups ORDER BY id`,
			`SELECT * FROM group_municipalities ORDER BY group_id, code`,
			`SELECT * FROM memberships ORDER BY id`,
		} {
			rows, err := db.Query(q)
			if err != nil {
				return err
			}
			cols, _ := rows.Columns()
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					rows.Close()
					return err
				}
				fmt.Fprintln(&b, vals...)
			}
			rows.Close()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestProjectorCrashedMidBatchEqualsRebuild(t *testing.T) {
	store := testenv.Store(t, "")
	last := network(t, store, 40)
	ctx := context.Background()
	dir := t.TempDir()

	// The first run fails in the middle of a batch, again and again.
	crashAt := last / 2
	var failures atomic.Int64
	rt, err := projections.Open(ctx, store, dir, projections.Options{Logger: testenv.Logger(t), Fault: func(seq uint64) error {
		if seq == crashAt {
			failures.Add(1)
			return errors.New("injected crash")
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 10*time.Second, func() error {
		if failures.Load() == 0 {
			return errors.New("the fault has not fired yet")
		}
		return nil
	})
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}
	// Nothing of the failed batch is visible: the file holds exactly the
	// groups created at or before its checkpoint.
	checkpoint, groups := fileState(t, dir)
	if checkpoint >= crashAt {
		t.Fatalf("checkpoint %d is at or past the failed event %d", checkpoint, crashAt)
	}
	if want := createdUpTo(t, store, checkpoint); groups != want {
		t.Fatalf("file has %d groups at checkpoint %d; the stream created %d by then", groups, checkpoint, want)
	}

	// Restarted without the fault, it catches up and equals a fresh rebuild.
	resumed := testenv.Projections(t, store, dir, projections.Options{})
	if err := resumed.WaitFor(ctx, last, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	fresh := testenv.Projections(t, store, "", projections.Options{})
	if err := fresh.WaitFor(ctx, last, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if a, b := dump(t, resumed), dump(t, fresh); a != b {
		t.Fatalf("resumed read models differ from a fresh rebuild:\n%s\n---\n%s", a, b)
	}
}

// fileState reads the checkpoint and the number of groups straight from the file.
func fileState(t *testing.T, dir string) (uint64, int) {
	t.Helper()
	name, err := os.ReadFile(filepath.Join(dir, "CURRENT"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, strings.TrimSpace(string(name)))+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var pos uint64
	var n int
	if err := db.QueryRow(`SELECT CAST(value AS INTEGER) FROM ohjaamo_meta WHERE key = 'position'`).Scan(&pos); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM groups`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return pos, n
}

// createdUpTo counts GroupCreated events at or before seq, straight from the stream.
func createdUpTo(t *testing.T, store *eventstore.Store, seq uint64) int {
	t.Helper()
	n := 0
	for i := uint64(1); i <= seq; i++ {
		raw, err := store.JetStream().Stream(context.Background(), store.StreamName())
		if err != nil {
			t.Fatal(err)
		}
		m, err := raw.GetMsg(context.Background(), i)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := eventstore.Decode(m.Sequence, m.Subject, m.Data)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := ev.Payload.(*v1.GroupCreated); ok {
			n++
		}
	}
	return n
}

func TestReadYourWrites(t *testing.T) {
	store := testenv.Store(t, "")
	rt := testenv.Projections(t, store, "", projections.Options{})
	ctx := context.Background()
	repo := testenv.Groups(store)
	id := "00000000-0000-4000-8000-00000000abcd"
	res, err := repo.Execute(ctx, id, eventstore.Meta{RequestID: "1"}, nil, func(g *domain.Group) ([]proto.Message, error) {
		return g.Create(domain.CreateGroup{Name: &v1.LocalizedName{Fi: "Juuri kirjoitettu"}, Level: v1.Level_LEVEL_PROVINCIAL, County: "X"}, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.WaitFor(ctx, res.LastSeq, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	g, err := rt.Group(ctx, id, false)
	if err != nil {
		t.Fatalf("read after waiting for position %d: %v", res.LastSeq, err)
	}
	if g.GetName().GetFi() != "Juuri kirjoitettu" || g.GetVersion() != 1 {
		t.Fatalf("read %v", g)
	}
	// A position the stream has not reached answers Unavailable after the bound.
	err = rt.WaitFor(ctx, res.LastSeq+100, 50*time.Millisecond)
	if domain.ErrorCode(err) != domain.CodeUnavailable {
		t.Fatalf("waiting for a future position: %v, want unavailable", err)
	}
}

// renamedProjection is the groups projection under a new version number, as
// after a code change.
type renamedProjection struct{ projections.Projection }

func (renamedProjection) Version() int { return 99 }

func TestSchemaChangeRebuildsAndOnlineRebuildSwaps(t *testing.T) {
	store := testenv.Store(t, "")
	last := network(t, store, 5)
	ctx := context.Background()
	dir := t.TempDir()
	rt := testenv.Projections(t, store, dir, projections.Options{})
	if err := rt.WaitFor(ctx, last, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	before := dump(t, rt)
	oldName, _ := os.ReadFile(filepath.Join(dir, "CURRENT"))

	// Online: rebuild while serving, then keep projecting new events.
	st, err := rt.Rebuild(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Position != last || st.File == strings.TrimSpace(string(oldName)) {
		t.Fatalf("rebuild: %+v (old file %s, last %d)", st, oldName, last)
	}
	if got := dump(t, rt); got != before {
		t.Fatalf("rebuilt read models differ:\n%s\n---\n%s", got, before)
	}
	if _, err := os.Stat(filepath.Join(dir, strings.TrimSpace(string(oldName)))); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("old file %s left behind: %v", oldName, err)
	}
	more := network2(t, store)
	if err := rt.WaitFor(ctx, more, 5*time.Second); err != nil {
		t.Fatalf("the swapped-in projector does not follow the stream: %v", err)
	}
	want := dump(t, rt)
	rt.Close()

	// A changed projection version makes Open rebuild into a new file.
	cur, _ := os.ReadFile(filepath.Join(dir, "CURRENT"))
	changed := testenv.Projections(t, store, dir, projections.Options{Projections: []projections.Projection{renamedProjection{projections.All()[0]}}})
	if err := changed.WaitFor(ctx, more, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	now, _ := os.ReadFile(filepath.Join(dir, "CURRENT"))
	if string(now) == string(cur) {
		t.Fatal("a changed projection version did not rebuild into a new file")
	}
	if got := dump(t, changed); got != want {
		t.Fatalf("after the schema-change rebuild:\n%s\n---\n%s", got, want)
	}
}

// network2 adds one more provincial group after the rebuild.
func network2(t *testing.T, store *eventstore.Store) uint64 {
	res, err := testenv.Groups(store).Execute(context.Background(), "20000000-0000-4000-8000-000000000000", eventstore.Meta{RequestID: "late"}, nil,
		func(g *domain.Group) ([]proto.Message, error) {
			return g.Create(domain.CreateGroup{Name: &v1.LocalizedName{Fi: "Myöhäinen"}, Level: v1.Level_LEVEL_PROVINCIAL, County: "X"}, nil)
		})
	if err != nil {
		t.Fatal(err)
	}
	return res.LastSeq
}
