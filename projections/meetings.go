package projections

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode"

	"google.golang.org/protobuf/proto"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	"github.com/ohjaamo/ohjaamo/internal/eventstore"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// meetingsProjection keeps meetings, attendance, agenda items and decisions.
type meetingsProjection struct{}

func (meetingsProjection) Name() string { return "meetings" }
func (meetingsProjection) Version() int { return 5 }

func (meetingsProjection) Apply(tx *Tx, ev *eventstore.Event) error {
	env := ev.Envelope
	if env.GetAggregateType() != domain.AggregateMeetings {
		return nil
	}
	group := env.GetAggregateId()
	var meeting string
	var err error
	switch e := ev.Payload.(type) {
	case *v1.MeetingScheduled:
		meeting = e.GetMeetingId()
		err = tx.Exec("meeting_insert", meeting, group, yearOf(e.GetStartsAt()), e.GetStartsAt(), e.GetPlace(), e.GetVideoLink(),
			e.GetAgendaDeadlineDays(), int32(v1.MeetingState_MEETING_STATE_SCHEDULED), env.GetAggregateVersion(), ev.Seq)
	case *v1.MeetingRescheduled:
		meeting = e.GetMeetingId()
		err = tx.Exec("meeting_reschedule", e.GetStartsAt(), yearOf(e.GetStartsAt()), e.GetPlace(), e.GetVideoLink(), meeting)
		if err == nil {
			err = tx.Exec("items_year", yearOf(e.GetStartsAt()), meeting)
		}
	case *v1.MeetingCancelled:
		meeting = e.GetMeetingId()
		err = tx.Exec("meeting_cancel", int32(v1.MeetingState_MEETING_STATE_CANCELLED), e.GetReason(), meeting)
	case *v1.MeetingOpened:
		meeting = e.GetMeetingId()
		err = tx.Exec("meeting_open", int32(v1.MeetingState_MEETING_STATE_OPEN), e.GetLawful(), e.GetQuorate(), meeting)
		for i, a := range e.GetAttendance() {
			if err == nil {
				err = tx.Exec("attendance_insert", meeting, i, a.GetMembershipId(), int32(a.GetStatus()), a.GetDeputyName())
			}
		}
	case *v1.AgendaApproved:
		meeting = e.GetMeetingId()
		err = tx.Exec("meeting_agenda_approved", meeting)
	case *v1.MeetingClosed:
		meeting = e.GetMeetingId()
		err = tx.Exec("meeting_state", int32(v1.MeetingState_MEETING_STATE_CLOSED), meeting)
	case *v1.ItemAdded:
		meeting = e.GetMeetingId()
		var blob []byte
		it, ln := e.GetItem(), e.GetLineage()
		if blob, err = proto.Marshal(it); err == nil {
			err = tx.Exec("item_insert", e.GetItemId(), group, it.GetTitle(), int32(it.GetOpenness()), e.GetUrgent(), blob, e.GetPreviousItemId(),
				int32(it.GetOrigin()), int32(it.GetStandard()), ln.GetFromItemId(), int32(ln.GetDirection()), ln.GetSentAt(),
				env.GetTime().AsTime().UTC().Format(time.RFC3339))
		}
		if err == nil && meeting != "" {
			err = placeItem(tx, e.GetItemId(), meeting, it.GetStandard())
		}
		if err == nil && e.GetPreviousItemId() != "" {
			err = tx.Exec("item_continued", e.GetItemId(), e.GetPreviousItemId())
		}
		if err == nil {
			err = tx.Exec("fts_insert", e.GetItemId(), it.GetTitle(), it.GetGrounds()+"\n"+it.GetProposal())
		}
		if err == nil {
			err = indexTags(tx, e.GetItemId(), it.GetTags().GetTasks(), it.GetTags().GetMunicipalities())
		}
	case *v1.ItemEdited:
		var blob []byte
		it := e.GetItem()
		if meeting, err = tx.queryString("item_meeting", e.GetItemId()); err == nil {
			if blob, err = proto.Marshal(it); err == nil {
				err = tx.Exec("item_edit", it.GetTitle(), int32(it.GetOpenness()), blob, e.GetItemId())
			}
		}
		if err == nil {
			err = tx.Exec("fts_edit", it.GetTitle(), it.GetGrounds()+"\n"+it.GetProposal(), e.GetItemId())
		}
		for _, name := range []string{"item_tasks_delete", "item_municipalities_delete"} {
			if err == nil {
				err = tx.Exec(name, e.GetItemId())
			}
		}
		if err == nil {
			err = indexTags(tx, e.GetItemId(), it.GetTags().GetTasks(), it.GetTags().GetMunicipalities())
		}
	case *v1.ItemMoved:
		meeting = e.GetMeetingId()
		var from string
		if from, err = tx.queryString("item_meeting", e.GetItemId()); err == nil {
			err = placeItem(tx, e.GetItemId(), meeting, v1.StandardItem_STANDARD_ITEM_UNSPECIFIED)
		}
		if err == nil && from != "" {
			err = tx.Exec("items_renumber", from)
		}
	case *v1.AgendaReordered:
		meeting = e.GetMeetingId()
		for i, id := range e.GetItemIds() {
			if err == nil {
				err = tx.Exec("item_position", i+1, id)
			}
		}
	case *v1.CyclePlanned:
		// The meetings follow as their own events; the plan itself is the
		// set of meetings, so nothing more to keep.
	case *v1.ItemWithdrawn:
		if meeting, err = tx.queryString("item_meeting", e.GetItemId()); err == nil {
			err = tx.Exec("item_withdraw", e.GetItemId())
		}
	case *v1.DecisionRecorded:
		var blob []byte
		if meeting, err = tx.queryString("item_meeting", e.GetItemId()); err == nil {
			d := e.GetDecision()
			if blob, err = proto.Marshal(d); err == nil {
				err = tx.Exec("item_decide", e.GetSection(), int32(d.GetOutcome()), blob, e.GetItemId())
			}
			if err == nil {
				err = tx.Exec("fts_decision", decisionText(d), e.GetItemId())
			}
			if err == nil {
				err = indexTags(tx, e.GetItemId(), d.GetAffects().GetTasks(), d.GetAffects().GetMunicipalities())
			}
		}
	case *v1.MinutesCheckersNamed:
		meeting = e.GetMeetingId()
		err = tx.Exec("meeting_checkers", strings.Join(e.GetMembershipIds(), ","), meeting)
	case *v1.MinutesChecked:
		meeting = e.GetMeetingId()
		err = tx.Exec("meeting_checked", e.GetMembershipId(), meeting)
	case *v1.MinutesApproved:
		meeting = e.GetMeetingId()
		err = tx.Exec("meeting_minutes_approved", meeting)
	case *v1.DecisionCorrected:
		var blob []byte
		if meeting, err = tx.queryString("item_meeting", e.GetItemId()); err == nil {
			if blob, err = proto.Marshal(e.GetDecision()); err == nil {
				err = tx.Exec("correction_insert", e.GetItemId(), blob, e.GetReason(), env.GetTime().AsTime().UTC().Format(time.RFC3339))
			}
			if err == nil {
				err = tx.Exec("item_correct", int32(e.GetDecision().GetOutcome()), blob, e.GetItemId())
			}
			if err == nil { // search finds the decision in force
				err = tx.Exec("fts_decision", decisionText(e.GetDecision()), e.GetItemId())
			}
		}
	default:
		return fmt.Errorf("meetings: unhandled event %s", env.GetType())
	}
	if err != nil {
		return err
	}
	return tx.Exec("meeting_touch", env.GetAggregateVersion(), ev.Seq, meeting)
}

// placeItem puts an item on a meeting's agenda before its closing items.
func placeItem(tx *Tx, itemID, meetingID string, kind v1.StandardItem) error {
	if err := tx.Exec("item_shift_closing", meetingID, int32(kind)); err != nil {
		return err
	}
	return tx.Exec("item_place", itemID, meetingID, int32(kind))
}

// decisionText is what search finds of a decision: its text, dissents and counter-proposals.
func decisionText(d *v1.Decision) string {
	parts := []string{d.GetText()}
	for _, ds := range d.GetDissents() {
		parts = append(parts, ds.GetText())
	}
	for _, cp := range d.GetCounterProposals() {
		parts = append(parts, cp.GetText())
	}
	return strings.Join(parts, "\n")
}

// indexTags records the tasks and municipalities an item can be filtered by.
func indexTags(tx *Tx, itemID string, tasks []v1.FamilyCentreTask, municipalities []string) error {
	for _, t := range tasks {
		if err := tx.Exec("item_task_insert", itemID, int32(t)); err != nil {
			return err
		}
	}
	for _, m := range municipalities {
		if err := tx.Exec("item_municipality_insert", itemID, m); err != nil {
			return err
		}
	}
	return nil
}

func yearOf(rfc3339 string) int {
	t, _ := time.Parse(time.RFC3339, rfc3339)
	return t.Year()
}

// Meetings reads a group's meetings (one by id, or all of a year, or all)
// with attendance, items and decisions.
func (rt *Runtime) Meetings(ctx context.Context, groupID, meetingID string, year int) ([]*v1.MeetingView, error) {
	var out []*v1.MeetingView
	err := rt.View(ctx, func(db *sql.DB) error {
		byID := map[string]*v1.MeetingView{}
		byItem := map[string]*v1.ItemView{}
		args := []any{groupID, meetingID, year}
		err := scanRows(ctx, db, q("meetings_select"), args, func(rows *sql.Rows) error {
			m := &v1.MeetingView{}
			var state int32
			var days int
			var checkers, checked string
			if err := rows.Scan(&m.Id, &m.GroupId, &m.GroupName, &m.StartsAt, &m.Place, &m.VideoLink, &days, &state,
				&m.AgendaApproved, &m.Lawful, &m.Quorate, &m.CancelReason, &m.Version, &checkers, &checked, &m.MinutesApproved); err != nil {
				return err
			}
			m.CheckerMembershipIds, m.CheckedByMembershipIds = splitIDs(checkers), splitIDs(checked)
			m.State = v1.MeetingState(state)
			if t, err := time.Parse(time.RFC3339, m.GetStartsAt()); err == nil {
				m.AgendaDeadline = t.AddDate(0, 0, -days).Format(domain.DateLayout)
			}
			out = append(out, m)
			byID[m.Id] = m
			return nil
		})
		if err != nil || len(out) == 0 {
			return err
		}
		err = scanRows(ctx, db, q("attendance_select"), args, func(rows *sql.Rows) error {
			a := &v1.Attendance{}
			var mid string
			var status int32
			if err := rows.Scan(&mid, &a.MembershipId, &status, &a.DeputyName); err != nil {
				return err
			}
			a.Status = v1.AttendanceStatus(status)
			byID[mid].Attendance = append(byID[mid].Attendance, a)
			return nil
		})
		if err != nil {
			return err
		}
		err = scanRows(ctx, db, q("items_select"), args, func(rows *sql.Rows) error {
			it := &v1.ItemView{Item: &v1.AgendaItem{}}
			var mid string
			var item, decision []byte
			if err := rows.Scan(&it.Id, &mid, &it.Position, &it.Urgent, &it.Withdrawn, &item, &it.Section, &decision, &it.PreviousItemId); err != nil {
				return err
			}
			if err := proto.Unmarshal(item, it.Item); err != nil {
				return err
			}
			if decision != nil {
				it.Decision = &v1.Decision{}
				if err := proto.Unmarshal(decision, it.Decision); err != nil {
					return err
				}
			}
			byID[mid].Items = append(byID[mid].Items, it)
			byItem[it.Id] = it
			return nil
		})
		if err != nil {
			return err
		}
		err = scanRows(ctx, db, q("corrections_select"), args, func(rows *sql.Rows) error {
			var itemID string
			var before, after []byte
			c := &v1.Correction{Before: &v1.Decision{}, After: &v1.Decision{}}
			if err := rows.Scan(&itemID, &before, &after, &c.Reason, &c.CorrectedAt); err != nil {
				return err
			}
			if err := proto.Unmarshal(before, c.Before); err != nil {
				return err
			}
			if err := proto.Unmarshal(after, c.After); err != nil {
				return err
			}
			byItem[itemID].Corrections = append(byItem[itemID].Corrections, c)
			return nil
		})
		if err != nil {
			return err
		}
		if err := addLineage(ctx, db, args, byItem); err != nil {
			return err
		}
		for _, it := range byItem {
			if it.GetPreviousItemId() == "" {
				continue
			}
			err := scanRows(ctx, db, q("history_select"), []any{it.GetId()}, func(rows *sql.Rows) error {
				h := &v1.EarlierHandling{}
				var decision []byte
				if err := rows.Scan(&h.ItemId, &h.MeetingId, &h.StartsAt, &h.Section, &decision); err != nil {
					return err
				}
				if decision != nil {
					h.Decision = &v1.Decision{}
					if err := proto.Unmarshal(decision, h.Decision); err != nil {
						return err
					}
				}
				it.History = append(it.History, h)
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

func splitIDs(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// SearchFilter narrows a search.
type SearchFilter struct {
	Query, GroupID, Municipality string
	Level                        v1.Level
	Year                         int
	Task                         v1.FamilyCentreTask
	Outcome                      v1.Outcome
	Limit                        int
}

// Search finds agenda items and decisions by words (all of them, as
// prefixes) and filters, the best matches (bm25) first; secret items are
// never found.
//
// With words it takes two steps in one read transaction (see search.sql):
// search_candidates ranks the matches that the filters let through and keeps
// the best few, and search_hits checks them against every condition in rank
// order; the snippets are made of the hits' text alone (see ftsQuery). So
// bm25 is computed only for items a filter lets through, and nothing else is
// read for the other matches. The candidates are more than asked for, as
// secret, withdrawn or pending items may be among them and a year narrows
// the ranking only to a rowid range; if the checks leave too few while more
// matches remain, the ranking is made again with four times as many, so the
// answer is always the best matches that pass.
func (rt *Runtime) Search(ctx context.Context, f SearchFilter) ([]*v1.SearchHit, error) {
	match, snippet := ftsQuery(f.Query)
	var hits []*v1.SearchHit
	if match == "" {
		err := rt.View(ctx, func(db *sql.DB) error {
			return scanRows(ctx, db, q("search_filters"), []any{match, f.GroupID, int32(f.Level), f.Year, int32(f.Task), f.Municipality, int32(f.Outcome), f.Limit},
				func(rows *sql.Rows) error {
					h := &v1.SearchHit{}
					var level, outcome int32
					if err := rows.Scan(&h.GroupId, &h.GroupName, &level, &h.MeetingId, &h.StartsAt, &h.ItemId, &h.Section, &h.Title, &outcome, &h.Snippet); err != nil {
						return err
					}
					h.Level, h.Outcome = v1.Level(level), v1.Outcome(outcome)
					hits = append(hits, h)
					return nil
				})
		})
		return hits, err
	}
	if f.Limit <= 0 {
		return nil, nil
	}

	// Step 1 narrows by the filters given, and only by them.
	var conds []string
	rankArgs := []any{sql.Named("match", match)}
	set := func(query string, arg sql.NamedArg) {
		conds = append(conds, "+f.rowid IN ("+strings.TrimSuffix(q(query), ";")+"\n)")
		rankArgs = append(rankArgs, arg)
	}
	if f.GroupID != "" {
		set("search_in_group", sql.Named("group", f.GroupID))
	}
	if f.Level != 0 {
		set("search_in_level", sql.Named("level", int32(f.Level)))
	}
	if f.Task != 0 {
		set("search_in_task", sql.Named("task", int32(f.Task)))
	}
	if f.Municipality != "" {
		set("search_in_municipality", sql.Named("municipality", f.Municipality))
	}
	if f.Outcome != 0 {
		set("search_in_outcome", sql.Named("outcome", int32(f.Outcome)))
	}
	if f.Year != 0 {
		year := strings.NewReplacer(":year", fmt.Sprint(f.Year))
		conds = append(conds, "f.rowid >= ("+year.Replace(q("search_year_first"))+"\n) AND f.rowid <= ("+year.Replace(q("search_year_last"))+"\n)")
	}
	rank := q("search_candidates")
	if len(conds) > 0 {
		rank = strings.Replace(rank, "/* filters */", "AND "+strings.Join(conds, "\n  AND "), 1)
	}
	checkArgs := []any{sql.Named("group", f.GroupID), sql.Named("level", int32(f.Level)), sql.Named("year", f.Year),
		sql.Named("task", int32(f.Task)), sql.Named("municipality", f.Municipality), sql.Named("outcome", int32(f.Outcome))}

	err := rt.View(ctx, func(db *sql.DB) error {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback() //nolint:errcheck // read only
		for n := f.Limit + f.Limit/2 + 10; ; n *= 4 {
			// The candidates' rowids, best first, as a JSON array for json_each.
			var candidates strings.Builder
			found := 0
			rows, err := tx.QueryContext(ctx, strings.Replace(rank, "LIMIT :n", "LIMIT "+fmt.Sprint(n), 1), rankArgs...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				candidates.WriteByte("[,"[min(found, 1)])
				fmt.Fprint(&candidates, id)
				found++
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			candidates.WriteByte(']')
			if found == 0 {
				return nil
			}
			hits = hits[:0]
			rows, err = tx.QueryContext(ctx, q("search_hits"), append(checkArgs[:len(checkArgs):len(checkArgs)], sql.Named("candidates", candidates.String()))...)
			if err != nil {
				return err
			}
			for len(hits) < f.Limit && rows.Next() {
				h := &v1.SearchHit{}
				var level, outcome int32
				var title, body, decision string
				if err := rows.Scan(&h.GroupId, &h.GroupName, &level, &h.MeetingId, &h.StartsAt, &h.ItemId, &h.Section, &h.Title, &outcome,
					&title, &body, &decision); err != nil {
					rows.Close()
					return err
				}
				h.Level, h.Outcome, h.Snippet = v1.Level(level), v1.Outcome(outcome), snippet(title, body, decision)
				hits = append(hits, h)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if len(hits) >= f.Limit || found < n {
				return nil
			}
		}
	})
	if err != nil {
		return nil, err
	}
	return hits, nil
}

// ftsQuery turns words into an FTS5 query matching all of them as
// prefixes; nothing of FTS5's own syntax gets through. It also answers how
// to make a hit's snippet from its title, body and decision columns: what
// snippet(items_fts, -1, '[', ']', '…', 12) makes of them for this query,
// done in Go because in SQL it costs another pass over every match.
func ftsQuery(words string) (string, func(cols ...string) string) {
	// fold is what FTS5's unicode61 tokenizer with remove_diacritics 2 makes
	// of a token: lower case, and Latin letters without their diacritics
	// (the table is FTS5's own for U+00C0-U+024F and U+1E00-U+1EFF, '.'
	// where it only lowers the case); combining marks are dropped.
	const latin1 = "aaaaaa.ceeeeiiii.nooooo..uuuuy..aaaaaa.ceeeeiiii.nooooo..uuuuy.yaaaaaaccccccccdd..eeeeeeeeeegggggggghh..iiiiiiii....jjkk.llllll....nnnnnn...oooooo..rrrrrrsssssssstttt..uuuuuuuuuuuuwwyyyzzzzzzs................................oo.............uu............................aaiioouuuuuuuuuu.aa......ggkkoooo..j...gg..nnaa....aaaaeeeeiiiioooorrrruuuusstt..hh......aaeeooooooooyy............................"
	const latinX = "aabbbbbbccddddddddddeeeeeeeeeeffgghhhhhhhhhhiiiikkkkkkllllllllmmmmmmnnnnnnnnoooooooopppprrrrrrrrssssssssssttttttttuuuuuuuuuuvvvvwwwwwwwwwwxxxxyyzzzzzzhtwy.s....aaaaaaaaaaaaaaaaaaaaaaaaeeeeeeeeeeeeeeeeiiiioooooooooooooooooooooooouuuuuuuuuuuuuuyyyyyyyy......"
	// fold appends to dst what it makes of s, stopping once dst holds limit
	// bytes (a word is matched as a prefix, so the rest is never needed).
	fold := func(dst []byte, s string, limit int) []byte {
		for _, r := range s {
			if len(dst) >= limit {
				break
			}
			switch {
			case r < 0x80:
				if 'A' <= r && r <= 'Z' {
					r += 'a' - 'A'
				}
				dst = append(dst, byte(r))
			case r >= 0xC0 && r < 0xC0+rune(len(latin1)) && latin1[r-0xC0] != '.':
				dst = append(dst, latin1[r-0xC0])
			case r >= 0x1E00 && r < 0x1E00+rune(len(latinX)) && latinX[r-0x1E00] != '.':
				dst = append(dst, latinX[r-0x1E00])
			case unicode.Is(unicode.Mn, r):
			default:
				dst = append(dst, string(unicode.ToLower(r))...)
			}
		}
		return dst
	}
	var terms, folded []string
	longest := 0
	for _, w := range strings.FieldsFunc(words, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		terms = append(terms, `"`+w+`"*`)
		folded = append(folded, string(fold(nil, w, len(w)*4)))
		longest = max(longest, len(folded[len(folded)-1]))
	}
	// isToken tells the characters unicode61 makes tokens of.
	isToken := func(r rune) bool {
		if r < 0x80 {
			return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
		}
		return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Co, r)
	}

	// snippet follows FTS5's snippet() step by step: the best window of 12
	// tokens scores 1000 for each word it has and 1 for each repeat, and a
	// window beginning a sentence scores 100 more (120 at the very start);
	// the window is centred on its words, [ ] mark them, and … stands for
	// the text left out. (Should it find none of the words, it shows the
	// title's beginning, where FTS5 would show the unindexed item id.)
	snippet := func(cols ...string) string {
		const nToken = 12
		type token struct{ start, end int }
		type inst struct{ phrase, pos int }
		toks := make([][]token, len(cols))
		insts := make([][]inst, len(cols))
		var buf []byte
		for c, text := range cols {
			start := -1
			end := func(i int) {
				buf = fold(buf[:0], text[start:i], longest)
				for ph, w := range folded {
					if len(buf) >= len(w) && string(buf[:len(w)]) == w {
						insts[c] = append(insts[c], inst{ph, len(toks[c])})
					}
				}
				toks[c] = append(toks[c], token{start, i})
				start = -1
			}
			for i, r := range text {
				switch {
				case isToken(r):
					if start < 0 {
						start = i
					}
				case start >= 0:
					end(i)
				}
			}
			if start >= 0 {
				end(len(text))
			}
		}
		score := func(c, from int) (int, int) {
			seen := make([]bool, len(folded))
			n, first, last := 0, -1, 0
			for _, in := range insts[c] {
				if in.pos < from || in.pos >= from+nToken {
					continue
				}
				if seen[in.phrase] {
					n++
				} else {
					n += 1000
				}
				seen[in.phrase] = true
				if first < 0 {
					first = in.pos
				}
				last = in.pos + 1
			}
			adj := first - (nToken-(last-first))/2
			if adj+nToken > len(toks[c]) {
				adj = len(toks[c]) - nToken
			}
			return n, max(adj, 0)
		}
		best, bestCol, bestStart := 0, 0, 0
		for c, text := range cols {
			var firsts []int // tokens that begin a sentence
			for i, t := range toks[c] {
				j := t.start - 1
				for j >= 0 && strings.IndexByte(" \t\n\r", text[j]) >= 0 {
					j--
				}
				if i == 0 || (j != t.start-1 && j >= 0 && (text[j] == '.' || text[j] == ':')) {
					firsts = append(firsts, i)
				}
			}
			for _, in := range insts[c] {
				if n, adj := score(c, in.pos); n > best {
					best, bestCol, bestStart = n, c, adj
				}
				if len(firsts) > 0 && len(toks[c]) > nToken {
					jj := 0
					for jj < len(firsts)-1 && firsts[jj+1] <= in.pos {
						jj++
					}
					if firsts[jj] < in.pos {
						n, _ := score(c, firsts[jj])
						if firsts[jj] == 0 {
							n += 120
						} else {
							n += 100
						}
						if n > best {
							best, bestCol, bestStart = n, c, firsts[jj]
						}
					}
				}
			}
		}

		text, tk, in := cols[bestCol], toks[bestCol], insts[bestCol]
		var b strings.Builder
		if bestStart > 0 {
			b.WriteString("…")
		}
		// The words' positions, runs of overlapping ones as one.
		next, from, to := 0, -1, -1
		advance := func() {
			from, to = -1, -1
			for ; next < len(in); next++ {
				if from < 0 {
					from, to = in[next].pos, in[next].pos
				} else if in[next].pos > to {
					break
				}
			}
		}
		advance()
		for from >= 0 && from < bestStart {
			advance()
		}
		end, off, open := bestStart+nToken-1, 0, false
		for pos, t := range tk {
			if pos < bestStart || pos > end {
				continue
			}
			if bestStart > 0 && pos == bestStart {
				off = t.start
			}
			if open && (pos <= from || from < 0) && t.start > off {
				b.WriteString("]")
				open = false
			}
			if pos == from && !open {
				b.WriteString(text[off:t.start])
				b.WriteString("[")
				off, open = t.start, true
			}
			if pos == to {
				if !open {
					b.WriteString("[")
					open = true
				}
				b.WriteString(text[off:t.end])
				off = t.end
				advance()
			}
			if pos == end {
				if open {
					if from >= 0 && pos >= from {
						b.WriteString(text[off:t.end])
						off = t.end
					}
					b.WriteString("]")
					open = false
				}
				b.WriteString(text[off:t.end])
				off = t.end
			}
		}
		if open {
			b.WriteString("]")
		}
		if end >= len(tk)-1 {
			b.WriteString(text[off:])
		} else {
			b.WriteString("…")
		}
		return b.String()
	}
	return strings.Join(terms, " "), snippet
}
