package projections

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"

	_ "github.com/mattn/go-sqlite3" // registers the sqlite3 driver
)

// DB is one read-model file: one writer connection and a pool of read-only ones.
type DB struct {
	Path string
	w    *sql.DB
	r    *sql.DB

	mu    sync.Mutex
	stmts map[string]*sql.Stmt // prepared on the writer
}

// prepare prepares every named query on the writer connection. It runs
// before the projector starts: the writer has one connection, which a
// transaction holds, so nothing can be prepared from inside one.
func (db *DB) prepare(ctx context.Context) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.stmts != nil {
		return nil
	}
	stmts := map[string]*sql.Stmt{}
	for name, query := range queries {
		s, err := db.w.PrepareContext(ctx, query)
		if err != nil {
			for _, p := range stmts {
				p.Close()
			}
			return fmt.Errorf("prepare %s: %w", name, err)
		}
		stmts[name] = s
	}
	db.stmts = stmts
	return nil
}

// stmt returns the named query prepared on the writer connection.
func (db *DB) stmt(name string) (*sql.Stmt, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	s, ok := db.stmts[name]
	if !ok {
		return nil, fmt.Errorf("projections: no prepared query named %s", name)
	}
	return s, nil
}

const metaSchema = `
CREATE TABLE IF NOT EXISTS ohjaamo_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;`

// openDB opens (creating if needed) the file at path and applies the schema
// when the file is new.
func openDB(ctx context.Context, path string, projs []Projection) (*DB, error) {
	_, statErr := os.Stat(path)
	fresh := errors.Is(statErr, os.ErrNotExist)
	// synchronous=NORMAL in WAL mode may lose the last transactions on power
	// loss but never corrupts; rows and checkpoint are committed together, so
	// the projector simply resumes from an earlier position.
	w, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL&_synchronous=NORMAL&_busy_timeout=5000&_foreign_keys=on&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	db := &DB{Path: path, w: w}
	if _, err := w.ExecContext(ctx, metaSchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("meta schema %s: %w", path, err)
	}
	if fresh {
		if err := db.migrate(ctx, projs); err != nil {
			db.Close()
			return nil, err
		}
	}
	// Read connections: database/sql never shares one between goroutines, so
	// SQLite's own per-connection mutex is dead weight (a search takes it
	// tens of thousands of times); statements (the searches' included) are
	// kept prepared per connection; and the page cache holds the full-text
	// index with its prefix indexes (16 MiB per connection, as pages are read).
	r, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout=5000&_query_only=1&_mutex=no&_stmt_cache_size=32&_cache_size=-16384")
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s read-only: %w", path, err)
	}
	r.SetMaxOpenConns(max(4, 2*runtime.GOMAXPROCS(0)))
	r.SetMaxIdleConns(max(4, 2*runtime.GOMAXPROCS(0)))
	db.r = r
	return db, nil
}

func (db *DB) migrate(ctx context.Context, projs []Projection) error {
	names, bodies, err := migrations()
	if err != nil {
		return err
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	for i, body := range bodies {
		if _, err := tx.ExecContext(ctx, body); err != nil {
			return fmt.Errorf("migration %s: %w", names[i], err)
		}
	}
	for k, v := range map[string]string{"fingerprint": fingerprint(projs), "position": "0"} {
		if _, err := tx.ExecContext(ctx, `INSERT INTO ohjaamo_meta (key, value) VALUES (?, ?)`, k, v); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func (db *DB) meta(ctx context.Context, key string) (string, error) {
	var v string
	err := db.w.QueryRowContext(ctx, `SELECT value FROM ohjaamo_meta WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// checkpoint is the stream position the file has applied.
func (db *DB) checkpoint(ctx context.Context) (uint64, error) {
	v, err := db.meta(ctx, "position")
	if err != nil || v == "" {
		return 0, err
	}
	var n uint64
	_, err = fmt.Sscan(v, &n)
	return n, err
}

// Close checkpoints the WAL into the main file and closes both pools.
func (db *DB) Close() error {
	var errs []error
	if db.r != nil {
		errs = append(errs, db.r.Close())
	}
	db.mu.Lock()
	for _, s := range db.stmts {
		errs = append(errs, s.Close())
	}
	db.stmts = nil
	db.mu.Unlock()
	if db.w != nil {
		_, _ = db.w.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
		errs = append(errs, db.w.Close())
	}
	return errors.Join(errs...)
}
