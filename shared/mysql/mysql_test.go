package mysql_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/mysql/mysqltest"
)

func TestMigrationsAreNumberedAndRerunnable(t *testing.T) {
	ms, err := mysql.Migrations()
	if err != nil || len(ms) == 0 {
		t.Fatal(err, len(ms))
	}
	db := mysqltest.New(t)
	applied, err := mysql.Migrate(context.Background(), db.DB)
	if err != nil || len(applied) != 0 {
		t.Fatalf("second run applied %v, %v", applied, err)
	}
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM schema_migrations").Scan(&n); err != nil || n != len(ms) {
		t.Fatalf("recorded %d of %d: %v", n, len(ms), err)
	}
	// An applied migration whose file changed is refused.
	if _, err := db.Exec("UPDATE schema_migrations SET checksum = REPEAT('0', 64) WHERE version = 1"); err != nil {
		t.Fatal(err)
	}
	if _, err := mysql.Migrate(context.Background(), db.DB); err == nil {
		t.Fatal("an edited migration went unnoticed")
	}
}

func TestFindOrCreateRace(t *testing.T) {
	db := mysqltest.New(t)
	users := mysql.Users{DB: db.DB}
	var wg sync.WaitGroup
	var created atomic.Int32
	ids := make(chan int64, 50)
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u, c, err := users.FindOrCreate(context.Background(), "oRACE", "", time.Now().UTC())
			if err != nil {
				t.Error(err)
				return
			}
			if c {
				created.Add(1)
			}
			ids <- u.ID
		}()
	}
	wg.Wait()
	close(ids)
	first := int64(0)
	for id := range ids {
		if first == 0 {
			first = id
		}
		if id != first {
			t.Fatalf("two ids %d and %d for one openid", first, id)
		}
	}
	if created.Load() != 1 {
		t.Fatalf("created %d times", created.Load())
	}
}

// TestInTxRetriesDeadlocks makes two transactions lock two rows in opposite
// orders; InTx must rerun the victim so both finally commit.
func TestInTxRetriesDeadlocks(t *testing.T) {
	db := mysqltest.New(t)
	ctx := context.Background()
	if _, err := db.Exec("CREATE TABLE counters (id INT PRIMARY KEY, n INT NOT NULL) ENGINE=InnoDB"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("INSERT INTO counters VALUES (1, 0), (2, 0)"); err != nil {
		t.Fatal(err)
	}
	var attempts atomic.Int32
	barrier := make(chan struct{})
	var once sync.Once
	run := func(first, second int) error {
		return mysql.InTx(ctx, db.DB, time.Now(), func(tx *mysql.Tx) error {
			attempts.Add(1)
			if _, err := tx.Exec("UPDATE counters SET n = n + 1 WHERE id = ?", first); err != nil {
				return err
			}
			once.Do(func() { close(barrier) })
			<-barrier
			time.Sleep(50 * time.Millisecond)
			_, err := tx.Exec("UPDATE counters SET n = n + 1 WHERE id = ?", second)
			return err
		})
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for _, order := range [][2]int{{1, 2}, {2, 1}} {
		wg.Add(1)
		go func(o [2]int) { defer wg.Done(); errs <- run(o[0], o[1]) }(order)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var sum int
	if err := db.QueryRow("SELECT SUM(n) FROM counters").Scan(&sum); err != nil || sum != 4 {
		t.Fatalf("sum %d (%v): a transaction was lost or doubled", sum, err)
	}
	if attempts.Load() < 3 {
		t.Fatalf("%d attempts: the opposite-order locks should have deadlocked once", attempts.Load())
	}
}

func TestInTxDoesNotRetryOtherErrors(t *testing.T) {
	db := mysqltest.New(t)
	calls := 0
	boom := errors.New("business rule")
	err := mysql.InTx(context.Background(), db.DB, time.Now(), func(*mysql.Tx) error { calls++; return boom })
	if !errors.Is(err, boom) || calls != 1 {
		t.Fatalf("err %v after %d calls", err, calls)
	}
}

// A commit that fails as a deadlock victim's does reruns the whole
// closure; only the attempt that commits leaves its writes.
func TestInTxRerunsAfterAFailedCommit(t *testing.T) {
	db := mysqltest.New(t)
	if _, err := db.Exec("CREATE TABLE counters (id INT PRIMARY KEY, n INT NOT NULL) ENGINE=InnoDB"); err != nil {
		t.Fatal(err)
	}
	faulty, faults := db.WithFaults(t)
	faults.FailCommits(2)
	calls := 0
	err := mysql.InTx(context.Background(), faulty, time.Now(), func(tx *mysql.Tx) error {
		calls++
		_, err := tx.Exec("INSERT INTO counters VALUES (1, 1) ON DUPLICATE KEY UPDATE n = n + 1")
		return err
	})
	var n int
	if err := db.QueryRow("SELECT n FROM counters WHERE id = 1").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if err != nil || calls != 3 || faults.FailedCommits() != 2 || n != 1 {
		t.Fatalf("err %v, %d calls, %d failed commits, counter %d", err, calls, faults.FailedCommits(), n)
	}
}
