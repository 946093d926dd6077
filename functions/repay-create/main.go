// Command repay-create is an SCF function (POST /v1/loans/repay/{id});
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
	scf.Start(scf.APIGateway(api.RepayCreate(a, d), a.Log))
}
