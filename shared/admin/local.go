//go:build wxlend_local

package admin

import "github.com/wxlend/wxlend/shared/staff/stafftest"

// The local stack's admin function creates the dev fixture accounts
// (README, "The back office") at cold start; production builds never link
// them, and a prod configuration refuses them anyway (Handler).
func init() {
	for _, f := range stafftest.Fixtures {
		devStaff = append(devStaff, devAccount{Member: f.Member, Password: f.Password, Secret: f.Secret})
	}
}
