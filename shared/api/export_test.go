package api_test

import "github.com/wxlend/wxlend/shared/auth"

var authSignature = auth.Signature
