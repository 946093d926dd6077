package mysqltest

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"sync/atomic"

	"github.com/wxlend/wxlend/shared/mysql"
)

// Counts is what a counting pool sent to the server: statements (every
// query or exec the code issued, however the driver sends it), commits,
// and prepares (extra round trips of statements sent as server-side
// prepared statements, which interpolateParams avoids).
type Counts struct {
	statements, commits, prepares atomic.Int64
}

// Snapshot is a reading of Counts.
type Snapshot struct{ Statements, Commits, Prepares int64 }

// Read returns the counts so far.
func (c *Counts) Read() Snapshot {
	return Snapshot{c.statements.Load(), c.commits.Load(), c.prepares.Load()}
}

// Sub is s minus an earlier reading.
func (s Snapshot) Sub(o Snapshot) Snapshot {
	return Snapshot{s.Statements - o.Statements, s.Commits - o.Commits, s.Prepares - o.Prepares}
}

// OpenCounting opens a pool on dsn (mysql.NewConnector's settings) that
// counts what it sends (benchmarks and tests: statements per operation).
func OpenCounting(ctx context.Context, dsn string, maxOpen int) (*sql.DB, *Counts, error) {
	c, err := mysql.NewConnector(dsn)
	if err != nil {
		return nil, nil, err
	}
	counts := &Counts{}
	db, err := mysql.OpenConnector(ctx, countingConnector{c, counts}, maxOpen)
	return db, counts, err
}

type countingConnector struct {
	driver.Connector
	n *Counts
}

func (c countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &countingConn{faultyConn: faultyConn{conn: conn, f: &Faults{}}, n: c.n}, nil
}

// countingConn is a faultyConn with no faults armed that counts. A
// statement the driver cannot send as text (ErrSkip) comes back through
// PrepareContext, so it is counted once, at its execution.
type countingConn struct {
	faultyConn
	n *Counts
}

func (c *countingConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	r, err := c.faultyConn.ExecContext(ctx, q, args)
	if err != driver.ErrSkip {
		c.n.statements.Add(1)
	}
	return r, err
}

func (c *countingConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	r, err := c.faultyConn.QueryContext(ctx, q, args)
	if err != driver.ErrSkip {
		c.n.statements.Add(1)
	}
	return r, err
}

func (c *countingConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	s, err := c.faultyConn.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	c.n.prepares.Add(1)
	return countingStmt{s, c.n}, nil
}

func (c *countingConn) Prepare(q string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), q)
}

func (c *countingConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	tx, err := c.faultyConn.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return countingTx{tx, c.n}, nil
}

type countingTx struct {
	driver.Tx
	n *Counts
}

func (t countingTx) Commit() error {
	t.n.commits.Add(1)
	return t.Tx.Commit()
}

type countingStmt struct {
	driver.Stmt
	n *Counts
}

func (s countingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	s.n.statements.Add(1)
	return s.Stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (s countingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	s.n.statements.Add(1)
	return s.Stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
}
