// Package stafftest holds the back office's dev fixture accounts (README,
// "The back office"): linked into local builds only (-tags wxlend_local)
// and refused by a production configuration.
package stafftest

import (
	"time"

	"github.com/wxlend/wxlend/shared/staff"
)

// Fixture is a dev staff account with its password and TOTP secret.
type Fixture struct {
	staff.Member
	Password string
	Secret   string // base32, for an authenticator app
}

// Fixtures are the dev accounts: a maker who proposes (risk analyst), a
// checker who approves (risk manager) and a viewer.
var Fixtures = []Fixture{
	{Member: staff.Member{Username: "dev-maker", DisplayName: "开发-发起人", Role: staff.RiskAnalyst},
		Password: "dev-maker-password-1", Secret: "O54GYZLOMQQGIZLWEBWWC23FOIQDAMBR"},
	{Member: staff.Member{Username: "dev-checker", DisplayName: "开发-复核人", Role: staff.RiskManager},
		Password: "dev-checker-password-1", Secret: "O54GYZLOMQQGIZLWEBRWQZLDNNSXEIBR"},
	{Member: staff.Member{Username: "dev-viewer", DisplayName: "开发-只读", Role: staff.Viewer},
		Password: "dev-viewer-password-1", Secret: "O54GYZLOMQQGIZLWEB3GSZLXMVZCAMBR"},
}

// Get returns the fixture named username.
func Get(username string) Fixture {
	for _, f := range Fixtures {
		if f.Username == username {
			return f
		}
	}
	panic("no staff fixture " + username)
}

// Code is f's TOTP code at t (what the authenticator app shows).
func (f Fixture) Code(t time.Time) string {
	c, err := staff.TOTPCode(f.Secret, t)
	if err != nil {
		panic(err)
	}
	return c
}
