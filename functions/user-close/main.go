// Command user-close is an SCF function; see serverless.yml for its trigger and
// shared/api for its behaviour.
package main

import (
	"github.com/wxlend/wxlend/shared/api"
	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/scf"
)

func main() {
	a := app.MustLoad()
	scf.Start(scf.APIGateway(api.Close(a), a.Log))
}
