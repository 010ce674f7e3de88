package sandbox

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	_ "modernc.org/sqlite" // pure-Go SQLite: `go install` needs no C compiler

	"github.com/myapihq/myapihq-mcp/internal/randid"
)

// store is the sandbox's only persistence path. With no file it is an
// in-memory SQLite database, so tests and the embedded sandbox run the same
// SQL as a shared state file does.
type store struct {
	db     *sql.DB
	path   string
	jwtKey []byte
	// Statements on every request's path (authentication), prepared once.
	// They must be prepared before any transaction: with one connection a
	// Prepare inside a transaction would wait for itself.
	accountByID, accountByKey *sql.Stmt
}

// openStore opens (and creates, if needed) the state at path; "" means memory.
//
// Every transaction is BEGIN IMMEDIATE: it takes the write lock up front, so
// two processes on one file serialise instead of failing with SQLITE_BUSY
// half-way through (busy_timeout makes the other one wait). synchronous=FULL
// with WAL means a 2xx is on disk before it is sent.
func openStore(path string) (*store, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(15000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	name := ":memory:"
	if path != "" {
		if err := prepareStateFile(path); err != nil {
			return nil, err
		}
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(FULL)")
		name = "file:" + (&url.URL{Path: path}).EscapedPath()
	}
	db, err := sql.Open("sqlite", name+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open sandbox state: %w", err)
	}
	// One connection per process: an in-memory database lives in exactly one
	// connection, and for a file it turns in-process contention into a plain
	// Go queue while busy_timeout handles the other processes.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)

	s := &store{db: db, path: path}
	if err := s.migrate(context.Background()); err != nil {
		db.Close()
		if path != "" {
			return nil, stateError(path, err)
		}
		return nil, err
	}
	if s.accountByID, err = db.Prepare(`SELECT ` + accountCols + ` FROM accounts WHERE id = ?`); err == nil {
		s.accountByKey, err = db.Prepare(`SELECT ` + prefixCols("a.", accountCols) + ` FROM api_keys k JOIN accounts a ON a.id = k.account_id
			WHERE k.key_hash = ? AND k.revoked_at IS NULL`)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sandbox state: prepare: %w", err)
	}
	return s, nil
}

func (s *store) Close() error { return s.db.Close() }

// prepareStateFile creates the state's folder (0700) and file (0600) if
// they are missing, and takes group and other access away from an existing
// file: it holds webhook signing secrets and the key that signs tokens.
// SQLite gives its -wal and -shm files the main file's permissions. Its
// errors say what is wrong with the path: none of them is sandbox data to
// move aside (stateError is for that).
func prepareStateFile(path string) error {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("sandbox state %s is a directory: the state names a file (created if missing), e.g. %s",
			path, filepath.Join(path, "sandbox.db"))
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("the folder %s of the sandbox state file cannot be created (%v): choose a state file in a folder you can write", dir, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("sandbox state file %s cannot be opened for writing (%v): choose another state file", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return stateError(path, err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return f.Chmod(fi.Mode().Perm() &^ 0o077)
	}
	return nil
}

// stateError names a state file that exists but cannot be used as one,
// and the way out: the state is only sandbox data, so starting afresh is
// always possible.
func stateError(path string, err error) error {
	return fmt.Errorf("sandbox state file %s cannot be used (%v): it holds only sandbox data, so move it aside or delete it "+
		"(with its -wal and -shm files) to start a fresh sandbox, or choose another state file", path, err)
}

// tx runs fn in one immediate transaction and commits unless fn fails.
func (s *store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

const schema = `
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
	id TEXT PRIMARY KEY,
	kind TEXT NOT NULL,              -- agent | human
	label TEXT NOT NULL DEFAULT '',
	email TEXT UNIQUE,
	password_hash TEXT,
	pin_hash TEXT UNIQUE,
	verified INTEGER NOT NULL DEFAULT 0,
	balance_cents INTEGER NOT NULL DEFAULT 0,
	payment_method TEXT,
	created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS api_keys (
	id TEXT PRIMARY KEY,
	account_id TEXT NOT NULL REFERENCES accounts(id),
	name TEXT NOT NULL,
	key_hash TEXT NOT NULL UNIQUE,
	prefix TEXT NOT NULL,
	last4 TEXT NOT NULL,
	scopes TEXT NOT NULL DEFAULT '[]',
	created_at INTEGER NOT NULL,
	revoked_at INTEGER
);
CREATE TABLE IF NOT EXISTS refresh_tokens (
	hash TEXT PRIMARY KEY,
	account_id TEXT NOT NULL REFERENCES accounts(id),
	expires_at INTEGER NOT NULL,
	used INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS email_tokens (
	token TEXT PRIMARY KEY,
	kind TEXT NOT NULL,              -- verify | link
	account_id TEXT NOT NULL REFERENCES accounts(id),
	email TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	used_by TEXT
);
CREATE TABLE IF NOT EXISTS outbox (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	id TEXT NOT NULL UNIQUE,
	to_addr TEXT NOT NULL,
	kind TEXT NOT NULL,
	subject TEXT NOT NULL,
	body TEXT NOT NULL,
	link TEXT NOT NULL,
	token TEXT NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS links (
	agent_id TEXT PRIMARY KEY REFERENCES accounts(id),
	human_id TEXT NOT NULL REFERENCES accounts(id),
	linked_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS orgs (
	id TEXT PRIMARY KEY,
	account_id TEXT NOT NULL REFERENCES accounts(id),
	data TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS orgs_by_account ON orgs(account_id, created_at);
CREATE TABLE IF NOT EXISTS webhooks (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	url TEXT NOT NULL,
	name TEXT NOT NULL DEFAULT '',
	description TEXT NOT NULL DEFAULT '',
	secret TEXT NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	id TEXT NOT NULL UNIQUE,
	webhook_id TEXT NOT NULL,
	org_id TEXT NOT NULL,
	event TEXT NOT NULL,
	url TEXT NOT NULL,
	payload TEXT NOT NULL,
	status TEXT NOT NULL,            -- pending | delivered | failed
	attempts INTEGER NOT NULL DEFAULT 0,
	last_status INTEGER,
	last_error TEXT,
	next_attempt_at INTEGER NOT NULL,
	lease_until INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	delivered_at INTEGER
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries(status, next_attempt_at);
CREATE TABLE IF NOT EXISTS billing_events (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	id TEXT NOT NULL UNIQUE,
	account_id TEXT NOT NULL REFERENCES accounts(id),
	type TEXT NOT NULL,              -- topup | charge | refund
	amount_cents INTEGER NOT NULL,   -- signed: charges are negative
	balance_after_cents INTEGER NOT NULL,
	description TEXT NOT NULL,
	ref TEXT,
	created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS billing_by_account ON billing_events(account_id, seq);
CREATE TABLE IF NOT EXISTS checkout_sessions (
	id TEXT PRIMARY KEY,
	account_id TEXT NOT NULL REFERENCES accounts(id),
	created_at INTEGER NOT NULL,
	completed_at INTEGER,
	payment_method TEXT
);
CREATE TABLE IF NOT EXISTS imports (
	id TEXT PRIMARY KEY,
	account_id TEXT NOT NULL REFERENCES accounts(id),
	domain TEXT NOT NULL,
	auto_accept INTEGER NOT NULL,
	state TEXT NOT NULL,             -- pending (derived from time) | awaiting_confirmation | completed | failed
	brand TEXT NOT NULL,
	org_id TEXT,
	error TEXT,
	charge_cents INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS idempotency (
	scope TEXT NOT NULL,
	key TEXT NOT NULL,
	fingerprint TEXT NOT NULL,
	status INTEGER NOT NULL,
	headers TEXT NOT NULL,
	body BLOB NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (scope, key)
);
`

// migrate creates the schema and the JWT signing key. Both are idempotent, so
// every process sharing a file may run it; the first one's key wins, which
// keeps tokens valid across processes and restarts.
func (s *store) migrate(ctx context.Context) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		for _, stmt := range strings.Split(schema, ";\n") {
			if strings.TrimSpace(stmt) == "" {
				continue
			}
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("sandbox schema: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO meta(k, v) VALUES ('jwt_key', ?)`, randid.Hex(32)); err != nil {
			return err
		}
		var stored string
		if err := tx.QueryRowContext(ctx, `SELECT v FROM meta WHERE k = 'jwt_key'`).Scan(&stored); err != nil {
			return err
		}
		k, err := hex.DecodeString(stored)
		if err != nil || len(k) < 32 {
			return errors.New("sandbox state: corrupt jwt_key")
		}
		s.jwtKey = k
		return nil
	})
}
