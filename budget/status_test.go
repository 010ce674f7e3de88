package budget

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/myapihq/myapihq-mcp/internal/fsx"
)

// Status is read on every get_balance: it must see what was reserved, and
// not wait while another server holds the ledger's lock.
func TestStatusReadsWithoutWaitingForTheLock(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "spend.json")
	ctx := context.Background()
	b := Open(Options{Limit: 1000, Path: path})
	if _, err := b.Reserve(ctx, 300); err != nil {
		t.Fatal(err)
	}
	unlock, err := fsx.Lock(path + ".lock") // another server, mid-reservation
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	done := make(chan Status, 1)
	go func() {
		st, err := Open(Options{Limit: 1000, Path: path}).Status(ctx)
		if err != nil {
			t.Error(err)
		}
		done <- st
	}()
	select {
	case st := <-done:
		if st.Spent != 300 || st.Left != 700 {
			t.Fatalf("status %+v, want 300 spent, 700 left", st)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Status waited for another holder's lock")
	}
}

// A read creates nothing: no folder, no lock file, no ledger.
func TestStatusOfNoLedgerCreatesNothing(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "spend")
	st, err := Open(Options{Limit: 1000, Path: filepath.Join(dir, "x.json")}).Status(context.Background())
	if err != nil || st.Spent != 0 || st.Left != 1000 {
		t.Fatalf("status %+v %v", st, err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("a status read created %s: %v", dir, err)
	}
}
