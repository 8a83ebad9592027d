package projections

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode"

	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// SearchFilter narrows a search.
type SearchFilter struct {
	Query, GroupID, Municipality string
	Level                        v1.Level
	Year                         int
	Task                         v1.FamilyCentreTask
	Outcome                      v1.Outcome
	Limit                        int
	// Viewer is who searches: internal and secret items are found only by
	// those who may see them.
	Viewer Viewer
}

// Search finds agenda items and decisions by words (all of them, as
// prefixes) and filters, the best matches (bm25) first; internal and secret
// items only for a viewer who may see them.
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
	checkArgs := append([]any{sql.Named("group", f.GroupID), sql.Named("level", int32(f.Level)), sql.Named("year", f.Year),
		sql.Named("task", int32(f.Task)), sql.Named("municipality", f.Municipality), sql.Named("outcome", int32(f.Outcome))}, f.Viewer.args()...)
	if match == "" {
		if f.Limit <= 0 {
			return nil, nil
		}
		err := rt.View(ctx, func(db *sql.DB) error {
			return scanRows(ctx, db, strings.Replace(q("search_filters"), "LIMIT :n", "LIMIT "+fmt.Sprint(f.Limit), 1), checkArgs,
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
