// api.md's error envelope {code, message, request_id, field?, reason?} as
// typed errors: one class per code, so callers write
// `if (e instanceof sdk.errors.FailedPreconditionError)` or test e.reason.
'use strict'

class ApiError extends Error {
  constructor(env, status) {
    super(env.message || env.code || 'request failed')
    this.name = this.constructor.name
    this.status = status
    this.code = env.code || 'internal'
    this.requestId = env.request_id || ''
    this.field = env.field || ''
    this.reason = env.reason || ''
  }
}

function sub(name) {
  // A named subclass, so instanceof and e.name both work.
  const C = { [name]: class extends ApiError {} }[name]
  return C
}

const InvalidArgumentError = sub('InvalidArgumentError')
const UnauthenticatedError = sub('UnauthenticatedError')
const ReplayedError = sub('ReplayedError')
const ForbiddenError = sub('ForbiddenError')
const NotFoundError = sub('NotFoundError')
const MethodNotAllowedError = sub('MethodNotAllowedError')
const ConflictError = sub('ConflictError')
const FailedPreconditionError = sub('FailedPreconditionError')
const UnavailableError = sub('UnavailableError')
const InternalError = sub('InternalError')

// RateLimitedError carries retryAfter (seconds) from the Retry-After header.
class RateLimitedError extends ApiError {
  constructor(env, status, retryAfter) {
    super(env, status)
    this.retryAfter = retryAfter
  }
}

// CaptchaError is an invalid_argument about the captcha (reasons
// captcha_required, captcha_failed, captcha_replayed): show the Tencent
// Cloud Captcha and send its ticket with the call again.
const CaptchaError = sub('CaptchaError')
Object.setPrototypeOf(CaptchaError.prototype, InvalidArgumentError.prototype)

// NetworkError: no HTTP answer at all (wx.request fail).
class NetworkError extends Error {
  constructor(errMsg) {
    super(errMsg || 'network error')
    this.name = 'NetworkError'
    this.code = 'network'
  }
}

// WxError: a wx.* API failed (wx.login, ...); cancelled is true when the
// borrower closed the sheet.
class WxError extends Error {
  constructor(errMsg) {
    super(errMsg || 'wx call failed')
    this.name = 'WxError'
    this.cancelled = /cancel/i.test(errMsg || '')
  }
}

// PaymentError: wx.requestPayment / wx.requestMerchantTransfer failed.
class PaymentError extends WxError {
  constructor(errMsg) {
    super(errMsg)
    this.name = 'PaymentError'
  }
}

const byCode = {
  invalid_argument: InvalidArgumentError,
  unauthenticated: UnauthenticatedError,
  replayed: ReplayedError,
  forbidden: ForbiddenError,
  not_found: NotFoundError,
  method_not_allowed: MethodNotAllowedError,
  conflict: ConflictError,
  failed_precondition: FailedPreconditionError,
  rate_limited: RateLimitedError,
  unavailable: UnavailableError,
  internal: InternalError,
}

const statusCode = { 400: 'invalid_argument', 401: 'unauthenticated', 403: 'forbidden', 404: 'not_found', 405: 'method_not_allowed', 409: 'conflict', 429: 'rate_limited', 503: 'unavailable' }

// fromResponse turns a non-2xx answer into its typed error. An answer that
// is not the envelope (a proxy's page) is classified by its status.
function fromResponse(status, text, retryAfter) {
  let env
  try {
    env = JSON.parse(text)
  } catch (e) {
    env = null
  }
  if (!env || typeof env.code !== 'string') {
    env = { code: statusCode[status] || 'internal', message: 'HTTP ' + status }
  }
  if (env.code === 'invalid_argument' && /^captcha_/.test(env.reason || '')) return new CaptchaError(env, status)
  const C = byCode[env.code] || ApiError
  return C === RateLimitedError ? new RateLimitedError(env, status, retryAfter) : new C(env, status)
}

module.exports = {
  ApiError, InvalidArgumentError, UnauthenticatedError, ReplayedError, ForbiddenError, NotFoundError,
  MethodNotAllowedError, ConflictError, FailedPreconditionError, RateLimitedError, UnavailableError,
  InternalError, CaptchaError, NetworkError, WxError, PaymentError, fromResponse,
}
