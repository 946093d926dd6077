// Every API path the SDK calls, in this one table (api.md is the contract).
// When paths move, only this file changes: call sites name a route, never
// a path.
//
// A route is {method, path, auth?, signed?, idempotent?}:
//   - {name} segments in path are filled from the call's params, URL-encoded;
//   - params the path does not use go to the query string of a GET and
//     into the JSON body of a POST (so an id can move from the path to the
//     query or body here alone); `rename` maps a param to its wire name;
//   - auth: false sends no bearer token (login, public agreements);
//   - signed (default: every POST with auth) adds api.md's X-Timestamp,
//     X-Nonce and X-Signature;
//   - idempotent: the call carries an Idempotency-Key reused across retries.
'use strict'

const routes = {
  login: { method: 'POST', path: '/v1/auth/login', auth: false },
  logout: { method: 'POST', path: '/v1/auth/logout' },
  bindPhone: { method: 'POST', path: '/v1/auth/phone' },
  me: { method: 'GET', path: '/v1/me' },
  agreements: { method: 'GET', path: '/v1/agreements', auth: false },
  acceptConsent: { method: 'POST', path: '/v1/consents' },
  subscribeMessages: { method: 'POST', path: '/v1/messages/subscriptions' },
  verifyIdentity: { method: 'POST', path: '/v1/kyc/identity' },
  startLiveness: { method: 'POST', path: '/v1/kyc/liveness' },
  livenessResult: { method: 'GET', path: '/v1/kyc/liveness-results/{biz_token}' },
  bindBankCard: { method: 'POST', path: '/v1/kyc/bank-card' },
  applyCredit: { method: 'POST', path: '/v1/credit/applications' },
  creditApplication: { method: 'GET', path: '/v1/credit/decisions/{id}' },
  creditLine: { method: 'GET', path: '/v1/credit/line' },
  quote: { method: 'POST', path: '/v1/loans/quote' },
  createLoan: { method: 'POST', path: '/v1/loans/create', idempotent: true },
  loans: { method: 'GET', path: '/v1/loans' },
  loan: { method: 'GET', path: '/v1/loans/detail/{id}' },
  contract: { method: 'GET', path: '/v1/loans/contract/{id}' },
  signContract: { method: 'POST', path: '/v1/loans/contract-sign/{id}' },
  cancelLoan: { method: 'POST', path: '/v1/loans/cancel/{id}' },
  payoffQuote: { method: 'GET', path: '/v1/loans/payoff/{id}' },
  repay: { method: 'POST', path: '/v1/loans/repay/{id}', idempotent: true },
  // Being added by another change (GET /v1/me/export, POST /v1/me/close).
  exportData: { method: 'GET', path: '/v1/me/export' },
  closeAccount: { method: 'POST', path: '/v1/me/close' },
}

// build answers the path (with query) and the body of a call to route.
function build(route, params, body) {
  const rest = Object.assign({}, params || {})
  const path = route.path.replace(/\{(\w+)\}/g, function (_, name) {
    if (rest[name] === undefined || rest[name] === null || rest[name] === '') {
      throw new TypeError('route ' + route.path + ' needs ' + name)
    }
    const v = rest[name]
    delete rest[name]
    return encodeURIComponent(String(v))
  })
  const extra = {}
  Object.keys(rest).forEach(function (k) {
    if (rest[k] !== undefined) extra[(route.rename && route.rename[k]) || k] = rest[k]
  })
  if (route.method === 'GET') {
    const q = Object.keys(extra).map(function (k) { return encodeURIComponent(k) + '=' + encodeURIComponent(String(extra[k])) }).join('&')
    return { path: path, query: q ? '?' + q : '', body: undefined }
  }
  return { path: path, query: '', body: Object.assign({}, body || {}, extra) }
}

module.exports = { routes: routes, build: build }
