// Command disburse is an asynchronous SCF function invoked by the outbox
// with {"loan_id": N} when a loan becomes signed; see shared/payments.
package main

import (
	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/payments"
	"github.com/wxlend/wxlend/shared/scf"
)

func main() {
	a := app.MustLoad()
	d := payments.MustFromApp(a)
	scf.Start(scf.Async(a.Log, payments.DisburseJob(d)))
}
