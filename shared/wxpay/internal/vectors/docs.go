package vectors

// Examples from WeChat Pay's documentation. Where a documented example
// carries a signature, the key behind it is not published, so those
// signatures can be parsed but not verified; the formats are what is
// pinned here.

// DocRequest is the worked example of 签名生成 (request signature): a GET
// of /v3/certificates, its signing string and the Authorization header
// the page shows (signed with a merchant key that is not published).
// Source: https://pay.weixin.qq.com/wiki/doc/apiv3/wechatpay/wechatpay4_0.shtml
// (also https://wechatpay-api.gitbook.io/wechatpay-api-v3/qian-ming-zhi-nan-1/qian-ming-sheng-cheng).
var DocRequest = struct {
	Method, URL, Timestamp, Nonce, Body string
	Message                             string
	Authorization                       string
	MchID, Serial, Signature            string
}{
	Method: "GET", URL: "/v3/certificates", Timestamp: "1554208460", Nonce: "593BEC0C930BF1AFEB40B4A08C8FB242", Body: "",
	Message: "GET\n/v3/certificates\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n",
	Authorization: `WECHATPAY2-SHA256-RSA2048 mchid="1900009191",nonce_str="593BEC0C930BF1AFEB40B4A08C8FB242",` +
		`signature="` + docRequestSignature + `",timestamp="1554208460",serial_no="1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C"`,
	MchID: "1900009191", Serial: "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C", Signature: docRequestSignature,
}

const docRequestSignature = "uOVRnA4qG/MNnYzdQxJanN+zU+lTgIcnU9BxGw5dKjK+VdEUz2FeIoC+D5sB/LN+nGzX3hfZg6r5wT1pl2ZobmIc6p0ldN7J6" +
	"yDgUzbX8Uk3sD4a4eZVPTBvqNDoUqcYMlZ9uuDdCvNv4TM3c1WzsXUrExwVkI1XO5jCNbgDJ25nkT/c1gIFvqoogl7MdSFGc4W4xZsqCItnqbypR3R" +
	"uGIlR9h9vlRsy7zJR9PBI83X8alLDIfR1ukt1P7tMnmogZ0cuDY8cZsd8ZlCgLadmvej58SLsIkVxFJ8XyUgx9FmutKSYTmYtWBZ0+tNvfGmbXU7co" +
	"b8H/4nLBiCwIUFluw=="

// SDKAuthorizationOrder is the parameter order both official SDKs write
// (the documentation says the order does not matter).
// Source: github.com/wechatpay-apiv3/wechatpay-go core/auth/credentials/wechat_pay_credential_test.go
// and github.com/wechatpay-apiv3/wechatpay-java
// core/src/test/java/com/wechat/pay/java/core/auth/WechatPay2CredentialTest.java.
var SDKAuthorizationOrder = []string{"mchid", "nonce_str", "timestamp", "serial_no", "signature"}

// DocAnswer is the worked example of 签名验证 (answer signature): the
// headers of a /v3/certificates answer whose verification string is
// "1554209980\nc5ac7061fccab6bf3e254dcf98995b8c\n<body>\n"; an empty body
// (204) leaves a last line of just "\n". The platform key is not published.
// Source: https://pay.weixin.qq.com/wiki/doc/apiv3/wechatpay/wechatpay4_1.shtml
var DocAnswer = struct{ Timestamp, Nonce, Serial string }{
	Timestamp: "1554209980", Nonce: "c5ac7061fccab6bf3e254dcf98995b8c", Serial: "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
}

// Event is a documented notification: its envelope example (ciphertext
// and nonce elided, associated_data as the page shows it) and the
// documented example of its decrypted resource.
type Event struct {
	Name, EnvelopeSource, PlaintextSource string
	Envelope, Plaintext                   string
}

// docEnvelope is the envelope every notification page shows, its fields in
// the pages' order; only these values differ between events.
func docEnvelope(createTime, eventType, summary, originalType, associatedData string) string {
	return `{"id":"EV-2018022511223320873","create_time":"` + createTime + `","resource_type":"encrypt-resource",` +
		`"event_type":"` + eventType + `","summary":"` + summary + `","resource":{"original_type":"` + originalType + `",` +
		`"algorithm":"AEAD_AES_256_GCM","ciphertext":"...","associated_data":"` + associatedData + `","nonce":"..."}}`
}

// DocTransaction is 支付成功回调通知 (TRANSACTION.SUCCESS). The plaintext
// is the page's example less promotion_detail.
var DocTransaction = Event{Name: "TRANSACTION.SUCCESS",
	EnvelopeSource:  "https://pay.weixin.qq.com/docs/merchant/apis/h5-payment/payment-notice.html (normal payments, JSAPI included)",
	PlaintextSource: "https://pay.weixin.qq.com/wiki/doc/apiv3/apis/chapter3_1_5.shtml",
	Envelope:        docEnvelope("2015-05-20T13:29:35+08:00", "TRANSACTION.SUCCESS", "支付成功", "transaction", ""),
	Plaintext: `{"transaction_id":"1217752501201407033233368018","amount":{"payer_total":100,"total":100,"currency":"CNY",` +
		`"payer_currency":"CNY"},"mchid":"1230000109","trade_state":"SUCCESS","bank_type":"CMC",` +
		`"success_time":"2018-06-08T10:34:56+08:00","payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},` +
		`"out_trade_no":"1217752501201407033233368018","appid":"wxd678efh567hg6787","trade_state_desc":"支付成功",` +
		`"trade_type":"MICROPAY","attach":"自定义数据","scene_info":{"device_id":"013467007045764"}}`,
}

// DocRefund is 退款结果通知 (REFUND.SUCCESS).
var DocRefund = Event{Name: "REFUND.SUCCESS",
	EnvelopeSource:  "https://pay.weixin.qq.com/wiki/doc/apiv3/apis/chapter3_5_11.shtml",
	PlaintextSource: "https://pay.weixin.qq.com/wiki/doc/apiv3/apis/chapter3_5_11.shtml",
	Envelope:        docEnvelope("2018-06-08T10:34:56+08:00", "REFUND.SUCCESS", "退款成功", "refund", ""),
	Plaintext: `{"mchid":"1900000100","transaction_id":"1008450740201411110005820873","out_trade_no":"20150806125346",` +
		`"refund_id":"50200207182018070300011301001","out_refund_no":"7752501201407033233368018","refund_status":"SUCCESS",` +
		`"success_time":"2018-06-08T10:34:56+08:00","user_received_account":"招商银行信用卡0403",` +
		`"amount":{"total":999,"refund":999,"payer_total":999,"payer_refund":999}}`,
}

// DocTransfer is 商家转账回调通知 (MCHTRANSFER.BILL.FINISHED, user
// confirmation mode). The page shows associated_data "mch_payment". The
// plaintext example (state ACCEPTED, update_time "example_update_time")
// was read from the wechatpay.js.org mirror of the page, as the official
// page's own text was not reachable in full.
var DocTransfer = Event{Name: "MCHTRANSFER.BILL.FINISHED",
	EnvelopeSource:  "https://pay.weixin.qq.com/docs/merchant/apis/batch-transfer-to-balance/callback-notice.html",
	PlaintextSource: "https://pay.weixin.qq.com/doc/v3/merchant/4012712115 via https://wechatpay.js.org/webhook/v3/MCHTRANSFER.BILL.FINISHED",
	Envelope:        docEnvelope("2015-05-20T13:29:35+08:00", "MCHTRANSFER.BILL.FINISHED", "商家转账单据终态通知", "mch_payment", "mch_payment"),
	Plaintext: `{"mchid":"1900001109","out_bill_no":"plfk2020042013","transfer_bill_no":"1330000071100999991182020050700019480001",` +
		`"state":"ACCEPTED","transfer_amount":400000,"fail_reason":"PAYEE_ACCOUNT_ABNORMAL","openid":"o-MYE42l80oelYMDE34nYD456Xoy",` +
		`"create_time":"2015-05-20T13:29:35.120+08:00","update_time":"example_update_time"}`,
}

// DocEvents are the documented notifications wxlend handles.
var DocEvents = []Event{DocTransaction, DocRefund, DocTransfer}
