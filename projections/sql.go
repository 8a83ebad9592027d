// Package projections turns the event stream into SQLite read models: the
// projector runtime (ordered consumption, checkpoint in the same
// transaction, read-your-writes, rebuild and swap) and the models with their SQL.
package projections

import (
	"bufio"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed sql/migrations/*.sql sql/queries/*.sql
var sqlFiles embed.FS

// migrations returns the schema files in order.
func migrations() ([]string, []string, error) {
	names, err := fs.Glob(sqlFiles, "sql/migrations/*.sql")
	if err != nil {
		return nil, nil, err
	}
	sort.Strings(names)
	var bodies []string
	for _, n := range names {
		b, err := sqlFiles.ReadFile(n)
		if err != nil {
			return nil, nil, err
		}
		bodies = append(bodies, string(b))
	}
	return names, bodies, nil
}

// queries maps a name to its SQL, from the "-- name: x" blocks of sql/queries.
var queries = mustLoadQueries()

func mustLoadQueries() map[string]string {
	out := map[string]string{}
	names, err := fs.Glob(sqlFiles, "sql/queries/*.sql")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		b, err := sqlFiles.ReadFile(n)
		if err != nil {
			panic(err)
		}
		var cur string
		var sb strings.Builder
		flush := func() {
			if cur != "" {
				out[cur] = strings.TrimSpace(sb.String())
			}
			sb.Reset()
		}
		sc := bufio.NewScanner(strings.NewReader(string(b)))
		for sc.Scan() {
			line := sc.Text()
			if name, ok := strings.CutPrefix(line, "-- name: "); ok {
				flush()
				cur = strings.TrimSpace(name)
				if _, dup := out[cur]; dup {
					panic(fmt.Sprintf("query %s defined twice", cur))
				}
				continue
			}
			sb.WriteString(line)
			sb.WriteByte('\n')
		}
		flush()
	}
	return out
}

func q(name string) string {
	s, ok := queries[name]
	if !ok {
		panic("projections: no query named " + name)
	}
	return s
}

// fingerprint identifies the schema and the projection code versions: when
// it changes, the read models are rebuilt from the stream.
func fingerprint(projs []Projection) string {
	h := sha256.New()
	_, bodies, err := migrations()
	if err != nil {
		panic(err)
	}
	for _, b := range bodies {
		h.Write([]byte(b))
	}
	for _, p := range projs {
		fmt.Fprintf(h, "%s:%d\n", p.Name(), p.Version())
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Schema is the SQL that creates an empty read-model file (the bookkeeping
// table and every migration), for tools that build the same tables by hand,
// such as the benchmark's raw baseline.
func Schema() (string, error) {
	_, bodies, err := migrations()
	if err != nil {
		return "", err
	}
	return metaSchema + "\n" + strings.Join(bodies, "\n"), nil
}
