// Command loan-payoff-quote is an SCF function (GET /v1/loans/payoff/{id});
// see serverless.yml for its trigger, shared/api for its HTTP contract and
// shared/payments for its behaviour.
package main

import (
	"github.com/wxlend/wxlend/shared/api"
	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/payments"
	"github.com/wxlend/wxlend/shared/scf"
)

func main() {
	a := app.MustLoad()
	d := payments.MustFromApp(a)
	scf.Start(scf.APIGateway(api.LoanPayoffQuote(a, d), a.Log))
}
