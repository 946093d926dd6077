package mysql

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/wxlend/wxlend/shared/evidence"
)

// AppendEvidence appends a record to the evidence chain inside tx (the
// transaction that creates what it proves), at tx's instant. The head row
// lock orders concurrent appenders; the record and the head move together.
func (tx *Tx) AppendEvidence(ctx context.Context, kind evidence.Kind, subject, contentHash string) (evidence.Record, error) {
	var prev evidence.Record
	if err := tx.queryRow(ctx, `SELECT seq, hash, created_at FROM evidence_head WHERE id = 1 FOR UPDATE`).
		Scan(&prev.Seq, &prev.Hash, &prev.CreatedAt); err != nil {
		return evidence.Record{}, fmt.Errorf("evidence head: %w", err)
	}
	var p *evidence.Record
	if prev.Seq > 0 {
		p = &prev
	}
	r := evidence.Next(p, kind, subject, contentHash, tx.now)
	if err := r.Validate(); err != nil {
		return r, err
	}
	if _, err := tx.exec(ctx, `INSERT INTO evidence (seq, kind, subject_id, content_hash, prev_hash, hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		r.Seq, string(r.Kind), r.SubjectID, r.ContentHash, r.PrevHash, r.Hash, r.CreatedAt); err != nil {
		return r, fmt.Errorf("evidence append: %w", err)
	}
	_, err := tx.exec(ctx, `UPDATE evidence_head SET seq = ?, hash = ?, created_at = ? WHERE id = 1`, r.Seq, r.Hash, r.CreatedAt)
	return r, err
}

// evidencePage is how many records VerifyEvidence reads per query.
const evidencePage = 1000

// VerifyEvidence reads the whole chain in pages of evidencePage (ORDER BY
// seq) and returns the first break, if any; a chain whose last record is
// not the head (records deleted from the end) is a break too.
func VerifyEvidence(ctx context.Context, db *sql.DB) (*evidence.Break, error) {
	var v evidence.Verifier
	after := int64(-1 << 62)
	for page := 0; page < 1_000_000; page++ {
		rows, err := db.QueryContext(ctx, `SELECT seq, kind, subject_id, content_hash, prev_hash, hash, created_at FROM evidence WHERE seq > ? ORDER BY seq LIMIT ?`, after, evidencePage)
		if err != nil {
			return nil, err
		}
		n := 0
		for rows.Next() {
			var r evidence.Record
			if err := rows.Scan(&r.Seq, &r.Kind, &r.SubjectID, &r.ContentHash, &r.PrevHash, &r.Hash, &r.CreatedAt); err != nil {
				rows.Close()
				return nil, err
			}
			n, after = n+1, r.Seq
			if b := v.Add(r); b != nil {
				rows.Close()
				return b, nil
			}
		}
		rows.Close()
		if n < evidencePage {
			break
		}
	}
	var headSeq int64
	var headHash string
	if err := db.QueryRowContext(ctx, `SELECT seq, hash FROM evidence_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return nil, err
	}
	if seq, hash := v.Head(); seq != headSeq || (seq > 0 && hash != headHash) {
		return &evidence.Break{Seq: seq + 1, Kind: evidence.Deleted, Detail: fmt.Sprintf("chain ends at seq %d but the head is seq %d", seq, headSeq)}, nil
	}
	return nil, nil
}
