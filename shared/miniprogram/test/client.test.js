// The SDK's request rules against a scripted server (no network): what is
// signed, the retry rules (401 once, 429 Retry-After, 503 bounded) and the
// Idempotency-Key kept across retries of one loan or repayment.
'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const sdk = require('../sdk/index.js')
const crypto = require('../sdk/crypto.js')

// scripted is a wx whose server answers from script(req, n): req is the
// wx.request options, n the request's number; login answers a session.
function scripted(script) {
  const store = new Map()
  const wx = {
    requests: [],
    logins: 0,
    request: function (o) {
      wx.requests.push(o)
      let a
      if (o.url.endsWith('/v1/auth/login')) {
        wx.logins++
        a = { statusCode: 200, data: JSON.stringify({ token: 'tok' + wx.logins, sign_key: 'key' + wx.logins, expires_at: '2999-01-01T00:00:00Z', user_id: 7 }) }
      } else {
        a = script(o, wx.requests.filter(function (r) { return !r.url.endsWith('/login') }).length)
      }
      setImmediate(function () {
        if (a.network) o.fail({ errMsg: 'request:fail timeout' })
        else o.success({ statusCode: a.statusCode, header: a.header || {}, data: a.data || '' })
      })
    },
    login: function (o) { setImmediate(function () { o.success({ code: 'alice.' + wx.logins }) }) },
    getStorageSync: function (k) { return store.has(k) ? JSON.parse(store.get(k)) : '' },
    setStorageSync: function (k, v) { store.set(k, JSON.stringify(v)) },
    removeStorageSync: function (k) { store.delete(k) },
  }
  return wx
}

function client(wx, extra) {
  const slept = []
  const c = sdk.createClient(Object.assign({ baseURL: 'http://api.test', wx: wx, sleep: function (ms) { slept.push(ms); return Promise.resolve() } }, extra))
  c.slept = slept
  return c
}

const ok = function (body) { return { statusCode: 200, data: JSON.stringify(body || {}) } }
const fail = function (status, code, extra) {
  return Object.assign({ statusCode: status, data: JSON.stringify({ code: code, message: code, request_id: 'r1', reason: extra && extra.reason }) }, extra)
}
const apiCalls = function (wx) { return wx.requests.filter(function (r) { return !r.url.endsWith('/v1/auth/login') }) }

test('a signed POST carries the signature of the exact bytes it sends', async function () {
  const wx = scripted(function () { return ok({ quote_id: 'q1' }) })
  const c = client(wx, { now: function () { return 1767225600000 } })
  await c.quote({ amount_fen: 100000, term_months: 3, method: 'equal_installment' })
  const r = apiCalls(wx)[0]
  assert.equal(r.method, 'POST')
  assert.equal(r.url, 'http://api.test/v1/loans/quote')
  assert.equal(typeof r.data, 'string', 'the body is sent as the string that was signed')
  assert.equal(r.header.Authorization, 'Bearer tok1')
  assert.equal(r.header['X-Timestamp'], '1767225600')
  assert.match(r.header['X-Nonce'], /^[A-Za-z0-9_-]{32}$/)
  assert.equal(r.header['X-Signature'], crypto.signature('key1', 'POST', '/v1/loans/quote', '1767225600', r.header['X-Nonce'], r.data))
})

test('a GET is not signed; a path id is encoded; login is not signed', async function () {
  const wx = scripted(function () { return ok({}) })
  const c = client(wx)
  await c.livenessResult('a/b c')
  const login = wx.requests[0]
  assert.equal(login.header['X-Signature'], undefined)
  assert.equal(login.header.Authorization, undefined)
  const r = apiCalls(wx)[0]
  assert.equal(r.url, 'http://api.test/v1/kyc/liveness-results/a%2Fb%20c')
  assert.equal(r.header['X-Signature'], undefined)
  assert.equal(r.header.Authorization, 'Bearer tok1')
})

test('401 signs in again once, then gives up', async function () {
  const wx = scripted(function (o, n) { return n === 1 ? fail(401, 'unauthenticated') : ok({ user_id: 7 }) })
  const c = client(wx)
  assert.deepEqual(await c.me(), { user_id: 7 })
  assert.equal(wx.logins, 2)
  assert.equal(apiCalls(wx)[1].header.Authorization, 'Bearer tok2', 'the retry uses the new session')

  const wx2 = scripted(function () { return fail(401, 'unauthenticated') })
  const c2 = client(wx2)
  await assert.rejects(c2.me(), sdk.errors.UnauthenticatedError)
  assert.equal(wx2.logins, 2, 'one sign-in, one sign-in again: no loop')
  assert.equal(apiCalls(wx2).length, 2)
})

test('429 waits Retry-After, a bounded number of times', async function () {
  const wx = scripted(function (o, n) { return n <= 2 ? fail(429, 'rate_limited', { header: { 'retry-after': '3' } }) : ok({}) })
  const c = client(wx)
  await c.creditLine()
  assert.deepEqual(c.slept, [3000, 3000])

  const wx2 = scripted(function () { return fail(429, 'rate_limited', { header: { 'Retry-After': '1' } }) })
  const c2 = client(wx2)
  const e = await c2.creditLine().catch(function (x) { return x })
  assert.ok(e instanceof sdk.errors.RateLimitedError)
  assert.equal(e.retryAfter, 1)
  assert.equal(apiCalls(wx2).length, 3, 'first try and two retries')

  const wx3 = scripted(function () { return fail(429, 'rate_limited', { header: { 'Retry-After': '3600' } }) })
  const c3 = client(wx3)
  await assert.rejects(c3.creditLine(), function (x) { return x instanceof sdk.errors.RateLimitedError && x.retryAfter === 3600 })
  assert.equal(apiCalls(wx3).length, 1, 'a wait longer than maxRetryAfter is the caller\'s to decide')
  assert.deepEqual(c3.slept, [])
})

test('503 is retried with backoff, a bounded number of times', async function () {
  const wx = scripted(function () { return fail(503, 'unavailable') })
  const c = client(wx)
  await assert.rejects(c.loans(), sdk.errors.UnavailableError)
  assert.equal(apiCalls(wx).length, 3)
  assert.deepEqual(c.slept, [500, 1000])
})

test('one loan keeps one Idempotency-Key through 503s, a lost answer and a restart', async function () {
  let n = 0
  const wx = scripted(function () {
    n++
    if (n === 1) return fail(503, 'unavailable')
    if (n === 2) return { network: true }
    if (n === 3) return { network: true }
    if (n === 4) return { network: true }
    return { statusCode: 201, data: JSON.stringify({ loan_id: 9, status: 'applied' }) }
  })
  const c = client(wx)
  await assert.rejects(c.createLoan('q-1'), sdk.errors.NetworkError)
  const key = c.pendingKey('loan:q-1')
  assert.match(key, /^[A-Za-z0-9_-]{32}$/)
  // The app restarts: a new client over the same storage.
  const c2 = client(wx)
  assert.deepEqual(await c2.createLoan('q-1'), { loan_id: 9, status: 'applied' })
  const sent = apiCalls(wx)
  assert.equal(sent.length, 5)
  for (const r of sent) {
    assert.equal(r.header['Idempotency-Key'], key)
    assert.equal(r.data, '{"quote_id":"q-1"}')
  }
  assert.equal(new Set(sent.map(function (r) { return r.header['X-Nonce'] })).size, 5, 'every attempt has its own nonce')
  assert.equal(c2.pendingKey('loan:q-1'), null, 'settled: the key is dropped')
  await c2.createLoan('q-2')
  assert.notEqual(apiCalls(wx)[5].header['Idempotency-Key'], key, 'another quote, another key')
})

test('a repayment keeps its key until the server answers for good', async function () {
  let n = 0
  const wx = scripted(function () {
    n++
    return n === 1 ? fail(500, 'internal') : n === 2 ? fail(409, 'conflict') : ok({ repayment_id: 1 })
  })
  const c = client(wx)
  await assert.rejects(c.repay(5, 'due'), sdk.errors.InternalError)
  const key = c.pendingKey('repay:5:due:')
  assert.ok(key)
  await assert.rejects(c.repay(5, 'due'), sdk.errors.ConflictError)
  assert.equal(apiCalls(wx)[1].header['Idempotency-Key'], key)
  assert.equal(c.pendingKey('repay:5:due:'), null, 'a definite answer drops the key')
  await c.repay(5, 'amount', 1234)
  const last = apiCalls(wx)[2]
  assert.notEqual(last.header['Idempotency-Key'], key)
  assert.equal(last.data, '{"kind":"amount","amount_fen":1234}')
  assert.equal(last.url, 'http://api.test/v1/loans/repay/5')
})

test('a network failure of a POST without a key is not retried', async function () {
  const wx = scripted(function () { return { network: true } })
  const c = client(wx)
  await assert.rejects(c.acceptConsent('privacy_policy', 1), sdk.errors.NetworkError)
  assert.equal(apiCalls(wx).length, 1)
})

test('the error envelope becomes typed errors', async function () {
  const cases = [
    [400, 'invalid_argument', sdk.errors.InvalidArgumentError],
    [404, 'not_found', sdk.errors.NotFoundError],
    [409, 'failed_precondition', sdk.errors.FailedPreconditionError],
    [405, 'method_not_allowed', sdk.errors.MethodNotAllowedError],
    [403, 'forbidden', sdk.errors.ForbiddenError],
  ]
  for (const [status, code, C] of cases) {
    const wx = scripted(function () { return { statusCode: status, data: JSON.stringify({ code: code, message: 'm', request_id: 'rid', field: 'f', reason: 'why' }) } })
    const e = await client(wx).me().catch(function (x) { return x })
    assert.ok(e instanceof C && e instanceof sdk.errors.ApiError, code)
    assert.deepEqual([e.status, e.code, e.message, e.requestId, e.field, e.reason], [status, code, 'm', 'rid', 'f', 'why'])
  }
  const wx = scripted(function () { return fail(400, 'invalid_argument', { reason: 'captcha_required' }) })
  const e = await client(wx).applyCredit({ fingerprint_id: 'x' }).catch(function (x) { return x })
  assert.ok(e instanceof sdk.errors.CaptchaError && e instanceof sdk.errors.InvalidArgumentError)
  const wx2 = scripted(function () { return { statusCode: 502, data: '<html>bad gateway</html>' } })
  const e2 = await client(wx2).me().catch(function (x) { return x })
  assert.ok(e2 instanceof sdk.errors.InternalError, 'a non-envelope answer is still typed')
})

test('payment helpers pass the API\'s answers to wx', async function () {
  const wx = scripted(function () { return ok({}) })
  const seen = {}
  wx.requestPayment = function (o) { seen.pay = o; o.success({}) }
  wx.requestMerchantTransfer = function (o) { seen.transfer = o; o.fail({ errMsg: 'requestMerchantTransfer:fail cancel' }) }
  const c = client(wx)
  const pp = { appId: 'wxapp', timeStamp: '1', nonceStr: 'n', package: 'prepay_id=wx1', signType: 'RSA', paySign: 's' }
  await c.payRepayment({ repayment_id: 1, pay_params: pp })
  assert.deepEqual([seen.pay.timeStamp, seen.pay.nonceStr, seen.pay.package, seen.pay.signType, seen.pay.paySign], ['1', 'n', 'prepay_id=wx1', 'RSA', 's'])
  const e = await c.confirmReceipt({ disbursement: { confirm: { mch_id: 'm1', app_id: 'wxapp', package_info: 'pkg' } } }).catch(function (x) { return x })
  assert.deepEqual([seen.transfer.mchId, seen.transfer.appId, seen.transfer.package], ['m1', 'wxapp', 'pkg'])
  assert.ok(e instanceof sdk.errors.PaymentError && e.cancelled)
  assert.equal(await c.confirmReceipt({ disbursement: { state: 'SUCCESS' } }), false)
})

test('routes: an id moved out of the path goes to the query of a GET and the body of a POST', function () {
  const R = require('../sdk/routes.js')
  assert.deepEqual(R.build({ method: 'GET', path: '/v1/loan' }, { id: 5 }), { path: '/v1/loan', query: '?id=5', body: undefined })
  assert.deepEqual(R.build({ method: 'POST', path: '/v1/repay', rename: { id: 'loan_id' } }, { id: 5 }, { kind: 'due' }),
    { path: '/v1/repay', query: '', body: { kind: 'due', loan_id: 5 } })
  assert.throws(function () { R.build({ method: 'GET', path: '/v1/loans/{id}' }, {}) }, /needs id/)
})
