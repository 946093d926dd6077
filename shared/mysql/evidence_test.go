package mysql_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/evidence"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/mysql/mysqltest"
)

func chain(t *testing.T, n int) *mysqltest.DB {
	db := mysqltest.New(t)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) { // concurrent appenders still make one gapless chain
			defer wg.Done()
			err := mysql.InTx(context.Background(), db.DB, time.Now(), func(tx *mysql.Tx) error {
				_, err := tx.AppendEvidence(context.Background(), evidence.Contract, fmt.Sprintf("contract:%d", i), fmt.Sprintf("%064x", i+1))
				return err
			})
			if err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	if b, err := mysql.VerifyEvidence(context.Background(), db.DB); err != nil || b != nil {
		t.Fatalf("fresh chain: %v %v", b, err)
	}
	return db
}

func TestEvidenceChainFindsEditsDeletesAndReorders(t *testing.T) {
	cases := []struct {
		name string
		sql  []string
		kind evidence.BreakKind
		seq  int64
	}{
		{"edited", []string{"UPDATE evidence SET content_hash = REPEAT('a', 64) WHERE seq = 17"}, evidence.Edited, 17},
		{"deleted", []string{"DELETE FROM evidence WHERE seq = 23"}, evidence.Deleted, 23},
		{"deleted at the end", []string{"DELETE FROM evidence WHERE seq = 40"}, evidence.Deleted, 40},
		{"reordered", []string{
			"UPDATE evidence SET seq = 1000 WHERE seq = 30",
			"UPDATE evidence SET seq = 30 WHERE seq = 31",
			"UPDATE evidence SET seq = 31 WHERE seq = 1000"}, "", 30},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db := chain(t, 40)
			for _, q := range tc.sql {
				if _, err := db.Exec(q); err != nil {
					t.Fatal(err)
				}
			}
			b, err := mysql.VerifyEvidence(context.Background(), db.DB)
			if err != nil || b == nil || b.Seq != tc.seq || (tc.kind != "" && b.Kind != tc.kind) {
				t.Fatalf("break %+v %v, want %s at %d", b, err, tc.kind, tc.seq)
			}
		})
	}
}
