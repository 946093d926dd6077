// Command risk-decide is a step of the risk chain, invoked asynchronously with
// {"application_id": N}; see shared/underwriting.
package main

import (
	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/scf"
	"github.com/wxlend/wxlend/shared/underwriting"
)

func main() {
	a := app.MustLoad()
	scf.Start(scf.Async(a.Log, underwriting.Step(underwriting.New(a, app.DataProvider(a)), underwriting.StepDecide)))
}
