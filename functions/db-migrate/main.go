// Command db-migrate applies the embedded migrations. It is invoked by the
// deploy pipeline (and the local runner), never on other functions' cold
// starts; its event is ignored.
package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"

	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/scf"
)

func main() {
	log := scf.NewLogger(os.Stdout, slog.LevelInfo)
	cfg, err := app.LoadDB(os.Getenv)
	if err != nil {
		log.Error("configuration", "error", err.Error())
		os.Exit(2)
	}
	scf.Start(func(ctx context.Context, _ json.RawMessage) (map[string]any, error) {
		db, err := mysql.Open(ctx, cfg.MySQLDSN, cfg.MySQLMaxOpen)
		if err != nil {
			return nil, err
		}
		defer db.Close()
		mode := mysql.Immutability(cfg.LedgerImmutability)
		applied, err := mysql.MigrateWith(ctx, db, mysql.MigrateOptions{Ledger: mode})
		log.InfoContext(ctx, "migrate", "applied", applied)
		if err == nil {
			err = mysql.CheckLedgerImmutable(ctx, db, mode) // an ERROR log: the alarm pages a person
		}
		return map[string]any{"applied": applied}, err
	})
}
