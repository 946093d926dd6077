package mysqltest

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"sync/atomic"
	"testing"

	mysqldriver "github.com/go-sql-driver/mysql"

	"github.com/wxlend/wxlend/shared/mysql"
)

// Faults arms failures of a pool opened by (*DB).WithFaults.
type Faults struct {
	commits atomic.Int32 // commits still to fail
	failed  atomic.Int32 // commits failed so far
}

// FailCommits makes the pool's next n transaction commits fail as InnoDB
// fails a deadlock victim: the transaction is rolled back and the caller
// gets MySQL error 1213, so mysql.InTx reruns it for real.
func (f *Faults) FailCommits(n int) { f.commits.Store(int32(n)) }

// FailedCommits is how many commits the pool failed so far.
func (f *Faults) FailedCommits() int { return int(f.failed.Load()) }

// ErrDeadlock is the error a failed commit returns.
var ErrDeadlock = &mysqldriver.MySQLError{Number: 1213, SQLState: [5]byte{'4', '0', '0', '0', '1'},
	Message: "Deadlock found when trying to get lock; try restarting transaction"}

// WithFaults opens a second pool on d's database whose failures the
// returned Faults arm; statements outside transactions are never failed.
// The pool is closed at cleanup.
func (d *DB) WithFaults(t testing.TB) (*sql.DB, *Faults) {
	t.Helper()
	c, err := mysql.NewConnector(d.DSN)
	if err != nil {
		t.Fatalf("mysqltest: %v", err)
	}
	f := &Faults{}
	db, err := mysql.OpenConnector(context.Background(), faultyConnector{c, f}, 8)
	if err != nil {
		t.Fatalf("mysqltest: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db, f
}

type faultyConnector struct {
	driver.Connector
	f *Faults
}

func (c faultyConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &faultyConn{conn: conn, f: c.f}, nil
}

// faultyConn forwards everything the MySQL driver's connection does, so
// database/sql takes the same paths as on a plain pool.
type faultyConn struct {
	conn driver.Conn
	f    *Faults
}

func (c *faultyConn) Prepare(q string) (driver.Stmt, error) { return c.conn.Prepare(q) }
func (c *faultyConn) Close() error                          { return c.conn.Close() }

func (c *faultyConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *faultyConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	tx, err := c.conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return faultyTx{tx, c.f}, nil
}

func (c *faultyConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	return c.conn.(driver.ConnPrepareContext).PrepareContext(ctx, q)
}

func (c *faultyConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	return c.conn.(driver.ExecerContext).ExecContext(ctx, q, args)
}

func (c *faultyConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	return c.conn.(driver.QueryerContext).QueryContext(ctx, q, args)
}

func (c *faultyConn) Ping(ctx context.Context) error { return c.conn.(driver.Pinger).Ping(ctx) }

func (c *faultyConn) ResetSession(ctx context.Context) error {
	return c.conn.(driver.SessionResetter).ResetSession(ctx)
}

func (c *faultyConn) IsValid() bool { return c.conn.(driver.Validator).IsValid() }

func (c *faultyConn) CheckNamedValue(nv *driver.NamedValue) error {
	return c.conn.(driver.NamedValueChecker).CheckNamedValue(nv)
}

type faultyTx struct {
	driver.Tx
	f *Faults
}

// Commit fails an armed commit after rolling the transaction back.
func (t faultyTx) Commit() error {
	for {
		n := t.f.commits.Load()
		if n <= 0 {
			return t.Tx.Commit()
		}
		if t.f.commits.CompareAndSwap(n, n-1) {
			break
		}
	}
	t.f.failed.Add(1)
	if err := t.Tx.Rollback(); err != nil {
		return err
	}
	return ErrDeadlock
}
