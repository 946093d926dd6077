// A borrower from sign-in to a repaid loan through the SDK alone, against
// a real local stack (scripts/sdk-test.sh starts it and names its fixtures
// file in WXLEND_SDK_STACK). wx.request runs over fetch; wx.login, the
// phone code, liveness, e-signing and the payment sheets are played
// through the local fixtures (testkit/wxshim.js).
'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('fs')
const sdk = require('../sdk/index.js')
const { createWx } = require('../testkit/wxshim.js')

const stackFile = process.env.WXLEND_SDK_STACK
const stack = stackFile ? JSON.parse(fs.readFileSync(stackFile, 'utf8')) : null
const skip = stack ? false : 'WXLEND_SDK_STACK is not set: run scripts/sdk-test.sh'
const PHONE = '13912345678'
const CONSENTS = ['privacy_policy', 'identity_verification', 'biometric_processing', 'credit_query_authorization', 'financial_account']

async function poll(what, fn) {
  for (let i = 0; i < 400; i++) {
    const v = await fn()
    if (v) return v
    await new Promise(function (r) { setTimeout(r, 50) })
  }
  throw new Error(what + ': not done within 20 s')
}

let users = 0
function borrower() {
  const wx = createWx(stack.url, 'sdk' + process.pid + 'u' + (++users))
  return { wx: wx, api: sdk.createClient({ baseURL: stack.url, wx: wx }) }
}

// onboard signs in, accepts the consents (current versions, texts served
// by the API), binds the phone and verifies identity and liveness.
async function onboard(b, idNumber) {
  const { api, wx } = b
  await api.login()
  const { agreements } = await api.agreements()
  for (const code of CONSENTS) {
    const a = agreements.find(function (x) { return x.agreement === code })
    assert.ok(a && a.text.length > 0, 'agreement ' + code + ' has a text')
    await api.acceptConsent(code, a.version)
  }
  assert.match((await api.bindPhone('phone:' + PHONE + '.' + process.pid + '-' + users + '-' + Date.now())).phone_masked, /^139\*+5678$/)
  assert.equal((await api.verifyIdentity('王小明', idNumber)).status, 'verified')
  const live = await api.startLiveness()
  await wx._local('/_local/faceid/' + live.biz_token + '?result=pass')
  assert.equal((await api.livenessResult(live.biz_token)).status, 'verified')
  assert.equal((await api.bindBankCard(stack.card, PHONE)).status, 'verified')
}

async function decide(api) {
  const device = { fingerprint_id: 'device-sdk-' + process.pid + '-' + users }
  const app = await api.applyCredit(device, { ticket: 'dev-pass-' + process.pid + '-' + users, randstr: '@sdk' })
  assert.equal(app.status, 'pending')
  return poll('credit decision', async function () {
    const a = await api.creditApplication(app.application_id)
    return a.status !== 'pending' && a
  })
}

test('a borrower goes from sign-in to a repaid loan through the SDK', { skip: skip }, async function () {
  const b = borrower()
  const { api, wx } = b
  await onboard(b, stack.approved_id)
  const decision = await decide(api)
  assert.equal(decision.status, 'approved', JSON.stringify(decision))
  assert.ok(decision.limit_fen >= 100000)
  const me = await api.me()
  assert.equal(me.credit_line.available_fen, decision.limit_fen)

  const q = await api.quote({ amount_fen: 100000, term_months: 3, method: 'equal_installment' })
  assert.ok(q.apr_bp > 0)
  assert.equal(q.installments.length, 3)
  assert.equal(q.installments.reduce(function (s, i) { return s + i.principal_fen }, 0), 100000)
  const loan = await api.createLoan(q.quote_id)
  assert.equal(loan.status, 'applied')
  // Settled, the key is gone: the quote again is a new request, refused
  // as a used quote, and still one loan exists.
  await assert.rejects(api.createLoan(q.quote_id), sdk.errors.ApiError)
  assert.equal((await api.loans()).loans.length, 1)

  const contract = await api.contract(loan.loan_id)
  assert.match(contract.sha256, /^[0-9a-f]{64}$/)
  const sign = await api.signContract(loan.loan_id)
  await wx._local(new URL(sign.sign_url).pathname + '?action=sign') // the borrower signs in e-sign

  let confirmed = false
  await poll('disbursement', async function () {
    const l = await api.loan(loan.loan_id)
    if (!confirmed && l.disbursement && l.disbursement.confirm) confirmed = await api.confirmReceipt(l)
    return l.status === 'active'
  })
  assert.ok(confirmed, 'the transfer waited for wx.requestMerchantTransfer')

  const before = await api.payoffQuote(loan.loan_id)
  const due = await api.repay(loan.loan_id, 'due')
  assert.ok(due.amount_fen > 0 && due.pay_params.package)
  await api.payRepayment(due)
  await poll('installment applied', async function () {
    return (await api.payoffQuote(loan.loan_id)).payoff_fen < before.payoff_fen
  })
  const view = await api.loan(loan.loan_id)
  assert.equal(view.bill.installments[0].state, 'paid')

  const payoff = await api.repay(loan.loan_id, 'payoff')
  await api.payRepayment(payoff)
  await poll('settled', async function () { return (await api.loan(loan.loan_id)).status === 'settled' })
  const line = await api.creditLine()
  assert.equal(line.used_fen, 0)
})

test('a declined application shows its reasons', { skip: skip }, async function () {
  const b = borrower()
  await onboard(b, stack.declined_id)
  const decision = await decide(b.api)
  assert.equal(decision.status, 'declined')
  assert.ok(decision.reasons.length > 0 && decision.reasons.every(function (r) { return r.code && r.text }))
})

test('a forged signature is refused and the SDK does not retry it into success', { skip: skip }, async function () {
  const b = borrower()
  await b.api.login()
  const s = b.wx.getStorageSync(sdk.SESSION_KEY)
  b.wx.setStorageSync(sdk.SESSION_KEY, Object.assign({}, s, { sign_key: 'not-the-key' }))
  // 401 → the SDK signs in again once (a fresh sign_key) and succeeds.
  const a = await b.api.acceptConsent('privacy_policy', 1)
  assert.ok(a.consent_id)
  assert.notEqual(b.wx.getStorageSync(sdk.SESSION_KEY).sign_key, 'not-the-key')
})

test('captcha: the application needs a ticket; sign-in needs one after repeated failures', { skip: skip }, async function () {
  const b = borrower()
  await b.api.login()
  const device = { fingerprint_id: 'device-sdk-captcha-' + process.pid }
  const missing = await b.api.applyCredit(device).catch(function (e) { return e })
  assert.ok(missing instanceof sdk.errors.CaptchaError, String(missing))
  assert.deepEqual([missing.status, missing.code, missing.field, missing.reason], [400, 'invalid_argument', 'captcha.ticket', 'captcha_required'])
  const bad = await b.api.applyCredit(device, { ticket: 'dev-fail-' + process.pid, randstr: '@x' }).catch(function (e) { return e })
  assert.equal(bad.reason, 'captcha_failed')

  // Failed sign-ins from one address (X-Forwarded-For is honoured from
  // loopback by the local gateway) until a captcha is required; the
  // SDK then asks its captchaProvider once and signs in.
  const ip = '203.0.113.' + (process.pid % 200 + 20)
  const wx = createWx(stack.url, 'invalid')
  const request = wx.request
  wx.request = function (o) { o.header = Object.assign({ 'X-Forwarded-For': ip }, o.header); request(o) }
  const api = sdk.createClient({ baseURL: stack.url, wx: wx })
  let failures = 0
  for (;;) {
    const e = await api.login().catch(function (x) { return x })
    if (e instanceof sdk.errors.CaptchaError) break
    assert.ok(e instanceof sdk.errors.InvalidArgumentError && e.field === 'code', String(e))
    assert.ok(++failures <= 5, 'a captcha is required after 5 failures')
  }
  assert.equal(failures, 5)
  const good = createWx(stack.url, 'sdkcaptcha' + process.pid)
  const goodRequest = good.request
  good.request = function (o) { o.header = Object.assign({ 'X-Forwarded-For': ip }, o.header); goodRequest(o) }
  let asked = 0
  const api2 = sdk.createClient({ baseURL: stack.url, wx: good, captchaProvider: async function () { asked++; return { ticket: 'dev-pass-login-' + process.pid, randstr: '@y' } } })
  const res = await api2.login()
  assert.ok(res.token && asked === 1)
})
