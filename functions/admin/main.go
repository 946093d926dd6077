// Command admin is an SCF function: the whole back office (/admin/*: the
// JSON API under /admin/v1/ and the console), routed inside shared/admin.
package main

import (
	"github.com/wxlend/wxlend/shared/admin"
	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/scf"
)

func main() {
	a := app.MustLoad()
	scf.Start(scf.APIGateway(admin.Handler(a), a.Log))
}
