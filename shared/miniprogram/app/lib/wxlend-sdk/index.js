// wxlend mini-program SDK: one method per api.md endpoint (paths live in
// routes.js only), plus the payment helpers fed by the API's answers.
//
//   const sdk = require('./sdk/index.js')
//   const api = sdk.createClient({ baseURL: 'https://api.example.com', wx })
//   await api.login()
//   const q = await api.quote({ amount_fen: 100000, term_months: 3, method: 'equal_installment' })
//   const loan = await api.createLoan(q.quote_id)
//
// Every method answers the endpoint's JSON or throws a typed error
// (sdk.errors); see README "Front end".
'use strict'
const { Client, SESSION_KEY } = require('./client.js')
const errors = require('./errors.js')
const routes = require('./routes.js')
const crypto = require('./crypto.js')

class Api extends Client {
  me() { return this.call('me') }
  agreements() { return this.call('agreements') }
  acceptConsent(agreement, version) { return this.call('acceptConsent', { body: { agreement: agreement, version: version } }) }
  // phoneCode is getPhoneNumber's e.detail.code.
  bindPhone(phoneCode) { return this.call('bindPhone', { body: { code: phoneCode } }) }
  verifyIdentity(name, idNumber) { return this.call('verifyIdentity', { body: { name: name, id_number: idNumber } }) }
  startLiveness() { return this.call('startLiveness', { body: {} }) }
  livenessResult(bizToken) { return this.call('livenessResult', { params: { biz_token: bizToken } }) }
  bindBankCard(cardNumber, phone) { return this.call('bindBankCard', { body: { card_number: cardNumber, phone: phone } }) }
  // captcha is the Tencent Cloud Captcha result {ticket, randstr}.
  applyCredit(device, captcha) { return this.call('applyCredit', { body: { device: device, captcha: captcha } }) }
  creditApplication(id) { return this.call('creditApplication', { params: { id: id } }) }
  creditLine() { return this.call('creditLine') }
  quote(req) { return this.call('quote', { body: { amount_fen: req.amount_fen, term_months: req.term_months, method: req.method } }) }
  // createLoan turns a quote into a loan; its Idempotency-Key belongs to
  // the quote, so any retry (even after a restart) cannot draw twice.
  createLoan(quoteId, opts) {
    return this.keyed('loan:' + quoteId, 'createLoan', Object.assign({ body: { quote_id: quoteId } }, opts))
  }
  loans() { return this.call('loans') }
  loan(id) { return this.call('loan', { params: { id: id } }) }
  contract(loanId) { return this.call('contract', { params: { id: loanId } }) }
  signContract(loanId) { return this.call('signContract', { params: { id: loanId }, body: {} }) }
  cancelLoan(loanId) { return this.call('cancelLoan', { params: { id: loanId }, body: {} }) }
  payoffQuote(loanId) { return this.call('payoffQuote', { params: { id: loanId } }) }
  // repay creates a repayment (kind due | payoff | amount); the key is the
  // operation's (loan, kind, amount) until the server answers for good.
  repay(loanId, kind, amountFen, opts) {
    const body = { kind: kind }
    if (kind === 'amount') body.amount_fen = amountFen
    const op = 'repay:' + loanId + ':' + kind + ':' + (body.amount_fen || '')
    return this.keyed(op, 'repay', Object.assign({ params: { id: loanId }, body: body }, opts))
  }
  subscribeMessages(templateIds, results) { return this.call('subscribeMessages', { body: { template_ids: templateIds, results: results } }) }
  exportData() { return this.call('exportData') }
  closeAccount(body) { return this.call('closeAccount', { body: body || {} }) }

  // payRepayment opens WeChat Pay's sheet with a repayment's pay_params
  // (from repay) and resolves once the borrower has paid; the loan shows
  // it when WeChat Pay's notification is applied (poll loan()).
  payRepayment(repayment) {
    const p = repayment && repayment.pay_params
    if (!p || !p.package) throw new TypeError('payRepayment needs the answer of repay()')
    return this.wxCall('requestPayment', { timeStamp: p.timeStamp, nonceStr: p.nonceStr, package: p.package, signType: p.signType, paySign: p.paySign }, errors.PaymentError)
  }

  // confirmReceipt opens wx.requestMerchantTransfer for a loan whose
  // disbursement waits for the borrower (loan.disbursement.confirm).
  // Resolves false when nothing is waiting.
  async confirmReceipt(loan) {
    const c = loan && loan.disbursement && loan.disbursement.confirm
    if (!c) return false
    await this.wxCall('requestMerchantTransfer', { mchId: c.mch_id, appId: c.app_id, package: c.package_info }, errors.PaymentError)
    return true
  }
}

function createClient(opts) { return new Api(opts) }

module.exports = { createClient: createClient, Api: Api, errors: errors, routes: routes.routes, signature: crypto.signature, SESSION_KEY: SESSION_KEY }
