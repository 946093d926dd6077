package app

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
)

// devValues are SHA-256 fingerprints of the public development settings:
// the README's local settings, the local gateway's (scripts/internal/gateway
// DevEnv) and the fakes' keys (wxpaytest, tcloudtest). They are published,
// so a production that runs with one has no secret at all. With
// WXLEND_ENV=prod every setting the loader reads is checked against them;
// scripts/internal/gateway's TestProductionRefusesEveryDevValue derives
// the list's completeness from those sources. Fingerprints rather than
// the values, so production binaries do not carry the dev keys.
var devValues = map[string]string{
	"8ce3d75703b8bef07adbd265a13a0ffaf38c18506ad1b1992e7fc4525e59ac9d": "the dev AUTH_SECRET",
	"28f86f516ac4c0e1070a3b03e1b8cb69e4b90f6cfabed69f3b316f6ba750684d": "the dev PII_INDEX_KEY",
	"f7ccba26fb8b9e00badf2d107a44fa21be3fbf62834b95e123dd5ff9b04b3bac": "the dev KMS key id",
	"db14eb097da04e06ccf91d8b93ad17b510363aca8c5b28c4fbf7def6102ec6d7": "the dev mini-program AppID",
	"e053a174badcaea29d94648eef4cfd444ba44f0fac5db064a1e430ca676bf279": "the dev mini-program secret",
	"600a8cec67e6ac91d472a30a320bf4e81e6d0e8758d687bb00d086ddb1214aba": "the dev WeChat Pay merchant private key",
	"5efbecd41432e5237ab41636311497616aa8f51f9c41da2dc8b79ecfc661cab5": "the dev WeChat Pay APIv3 key",
	"6900a003e22b5e472f4c9b53d640ecf77aac86d5424f6ce05b4f5c27d80bca20": "the dev WeChat Pay platform public key",
	"d054a0217a36ff45943cd6da1574968453ba3ca644938d85498db0932646f158": "the dev WeChat Pay certificate serial",
	"1e404694a1ce6f831d1327874fce99a96a5c5d9329512de68c844be4d96b6ccd": "the dev WeChat Pay public key id",
	"5c0fb5d7c556ad3538b3f96ebbe604fdd10145475499819516f63fae98ac9b24": "the dev WeChat Pay merchant number",
	"4c498c209a4e8ed8b4af79f3a10e7767ce13fa5730e1b7e92c436257b1dceb73": "the dev e-sign callback token",
	"25cbf3f25f37524fa084fcd1e31a0cdd9d87f94664dc39042a50414b809edd37": "the dev e-sign callback key",
	"9cce67b49bd29ff4b5a47508465f6d1242c89ed0b5ea1d0eba8f23aef5dc0c9d": "the dev e-sign operator",
	"0c04b8262a21ff6f8706becb773bc22bccab6d4df2ec9354af53e3beba5e5aa7": "the dev lender's credit code",
	"e47de20ac5a0dcf23d7b3f763e0729ba3a09199d4c838587a059d9b39e329238": "the dev Tencent Cloud SecretId",
	"731d54320bffae11640e23405b2d270435c5b882204fc271dc0b09828ff12fb7": "the dev Tencent Cloud SecretKey",
	"4d1af178bae42930fa51b6e8b793d59eaaf3e21412c18a5b0ed502ed9d74a124": "the dev captcha AppSecretKey",
}

// DevValue names the development setting v is, or "" (for tools such as
// the deploy dry-run, which check a stage's variables the same way).
func DevValue(v string) string {
	sum := sha256.Sum256([]byte(v))
	return devValues[hex.EncodeToString(sum[:])]
}

// refuseDevValues adds an error for every setting read that holds a
// published development value.
func (e *env) refuseDevValues() {
	names := make([]string, 0, len(e.seen))
	for n := range e.seen {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if what := DevValue(e.seen[n]); what != "" {
			e.errs = append(e.errs, fmt.Errorf("%s holds %s (published in README's local settings): WXLEND_ENV=prod needs the lender's own", n, what))
		}
	}
}
