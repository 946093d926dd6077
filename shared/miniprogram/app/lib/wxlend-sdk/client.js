// The wxlend API client for a mini-program: sign-in with a wx.login code,
// the session in wx storage, api.md's request signature over the exact
// body bytes sent, Idempotency-Keys that survive retries, typed errors,
// and the retry rules: 401 → sign in again once, 429 → wait Retry-After,
// 503 → a bounded number of retries.
'use strict'
const R = require('./routes.js')
const crypto = require('./crypto.js')
const errors = require('./errors.js')

const SESSION_KEY = 'wxlend.session'
const PENDING_PREFIX = 'wxlend.idem.'
// A pending Idempotency-Key older than this is dropped: the server's first
// answer (a quote, pay_params) would be stale by then anyway.
const PENDING_TTL_MS = 24 * 3600 * 1000

const defaults = {
  unavailableRetries: 2, // 503 (and, for GETs and keyed POSTs, no answer at all)
  rateLimitRetries: 2, // 429
  maxRetryAfter: 30, // seconds; a longer Retry-After is thrown to the caller
  backoffMs: 500, // 503: 500 ms, then 1 s, ...
}

// Client talks to one API base URL through the wx object it is given
// (the real `wx` in a mini-program, a shim in tests).
class Client {
  constructor(opts) {
    if (!opts || !opts.baseURL || !opts.wx) throw new TypeError('createClient needs baseURL and wx')
    this.baseURL = opts.baseURL.replace(/\/+$/, '')
    this.wx = opts.wx
    this.opts = Object.assign({}, defaults, opts)
    this.now = opts.now || Date.now
    this.sleep = opts.sleep || function (ms) { return new Promise(function (r) { setTimeout(r, ms) }) }
    this.random = opts.random || Math.random
    this.seq = 0
    // captchaProvider (optional): async () => ({ticket, randstr}); asked
    // when sign-in needs a captcha (after repeated failures).
    this.captchaProvider = opts.captchaProvider || null
  }

  // --- session -----------------------------------------------------------

  session() {
    const s = this.wx.getStorageSync(SESSION_KEY)
    return s && s.token ? s : null
  }

  // login exchanges a fresh wx.login code for a session and stores token
  // and sign_key. captcha ({ticket, randstr}) is needed only after repeated
  // failed sign-ins from this network (a CaptchaError says so); without
  // one the captchaProvider, if set, is asked once.
  async login(captcha) {
    const code = await this.wxCall('login', {}).then(function (r) { return r.code })
    const body = { code: code }
    if (captcha) body.captcha = captcha
    let res
    try {
      res = await this.call('login', { body: body, noRelogin: true })
    } catch (e) {
      if (e instanceof errors.CaptchaError && e.reason === 'captcha_required' && !captcha && this.captchaProvider) {
        return this.login(await this.captchaProvider())
      }
      throw e
    }
    this.wx.setStorageSync(SESSION_KEY, { token: res.token, sign_key: res.sign_key, expires_at: res.expires_at, user_id: res.user_id })
    return res
  }

  async logout() {
    try {
      if (this.session()) await this.call('logout', { body: {}, noRelogin: true })
    } finally {
      this.wx.removeStorageSync(SESSION_KEY)
    }
  }

  async ensureSession() {
    const s = this.session()
    if (s && !(s.expires_at && Date.parse(s.expires_at) <= this.now())) return s
    await this.login()
    return this.session()
  }

  // --- the call ----------------------------------------------------------

  // call sends route name with params (path, query or body: routes.js) and
  // body, and answers the decoded JSON. opts.idempotencyKey overrides the
  // key of an idempotent route (normally managed by `keyed`).
  async call(name, opts) {
    opts = opts || {}
    const route = R.routes[name]
    if (!route) throw new TypeError('unknown route ' + name)
    const b = R.build(route, opts.params, opts.body)
    // The body is serialized ONCE: these exact bytes are signed and sent,
    // on every retry.
    const raw = b.body === undefined ? undefined : JSON.stringify(b.body)
    const retry = { relogin: !opts.noRelogin && route.auth !== false, unavailable: 0, limited: 0 }
    for (;;) {
      try {
        if (route.auth !== false) await this.ensureSession()
        return await this.send(route, b.path + b.query, b.path, raw, opts.idempotencyKey)
      } catch (e) {
        const wait = this.retryDelay(e, route, opts.idempotencyKey, retry)
        if (wait === null) throw e
        if (wait === 'relogin') {
          this.wx.removeStorageSync(SESSION_KEY)
          continue
        }
        await this.sleep(wait)
      }
    }
  }

  // retryDelay decides what an error means for the next attempt: null
  // (give up, throw), 'relogin', or milliseconds to wait.
  retryDelay(e, route, idemKey, retry) {
    if (e instanceof errors.UnauthenticatedError && retry.relogin) {
      retry.relogin = false
      return 'relogin'
    }
    if (e instanceof errors.RateLimitedError && retry.limited < this.opts.rateLimitRetries &&
        e.retryAfter !== null && e.retryAfter <= this.opts.maxRetryAfter) {
      retry.limited++
      return e.retryAfter * 1000
    }
    // No answer at all: only a GET or a keyed POST is safe to send again.
    const safe = e instanceof errors.UnavailableError || (e instanceof errors.NetworkError && (route.method === 'GET' || idemKey))
    if (safe && retry.unavailable < this.opts.unavailableRetries) {
      retry.unavailable++
      return this.opts.backoffMs * Math.pow(2, retry.unavailable - 1)
    }
    return null
  }

  // send is one HTTP exchange: headers, signature (fresh timestamp and
  // nonce on every attempt, same body bytes), typed error on non-2xx.
  async send(route, url, path, raw, idemKey) {
    const header = {}
    const s = this.session()
    if (route.auth !== false && s) header.Authorization = 'Bearer ' + s.token
    if (raw !== undefined) header['Content-Type'] = 'application/json'
    if (idemKey) header['Idempotency-Key'] = idemKey
    const signed = route.signed !== undefined ? route.signed : route.method !== 'GET' && route.auth !== false
    if (signed && s) {
      const ts = String(Math.floor(this.now() / 1000))
      const nonce = this.token(32)
      header['X-Timestamp'] = ts
      header['X-Nonce'] = nonce
      header['X-Signature'] = crypto.signature(s.sign_key, route.method, path, ts, nonce, raw || '')
    }
    const res = await this.request({ url: this.baseURL + url, method: route.method, header: header, data: raw })
    const text = typeof res.data === 'string' ? res.data : JSON.stringify(res.data)
    if (res.statusCode >= 200 && res.statusCode < 300) return text ? JSON.parse(text) : {}
    throw errors.fromResponse(res.statusCode, text, retryAfter(res.header))
  }

  request(req) {
    const wx = this.wx
    return new Promise(function (resolve, reject) {
      wx.request(Object.assign({}, req, {
        dataType: 'text', // parse ourselves: an error answer is JSON too
        responseType: 'text',
        success: resolve,
        fail: function (err) { reject(new errors.NetworkError(err && err.errMsg)) },
      }))
    })
  }

  // --- Idempotency-Key ---------------------------------------------------

  // keyed runs an idempotent route with the key of operation op (e.g. one
  // quote's loan): the key is stored before the first attempt and reused by
  // every retry, including a retry after the app was closed mid-request;
  // it is dropped once the server has answered for good.
  async keyed(op, name, opts) {
    const storeKey = PENDING_PREFIX + op
    let p = this.wx.getStorageSync(storeKey)
    if (!p || !p.key || this.now() - p.at > PENDING_TTL_MS) {
      p = { key: opts.idempotencyKey || this.token(32), at: this.now() }
      this.wx.setStorageSync(storeKey, p)
    }
    try {
      const out = await this.call(name, Object.assign({}, opts, { idempotencyKey: p.key }))
      this.wx.removeStorageSync(storeKey)
      return out
    } catch (e) {
      // Keep the key only while the outcome is unknown.
      if (!(e instanceof errors.NetworkError || e instanceof errors.UnavailableError || e instanceof errors.RateLimitedError || e instanceof errors.InternalError)) {
        this.wx.removeStorageSync(storeKey)
      }
      throw e
    }
  }

  // pendingKey is the stored Idempotency-Key of op, if a call is unsettled.
  pendingKey(op) {
    const p = this.wx.getStorageSync(PENDING_PREFIX + op)
    return p && p.key ? p.key : null
  }

  // token is n characters of [A-Za-z0-9_-]: unique per client (a counter
  // and the time are mixed in), not secret.
  token(n) {
    const bytes = []
    const seed = (this.now() ^ (++this.seq * 2654435761)) >>> 0
    for (let i = 0; i < n; i++) bytes.push((Math.floor(this.random() * 256) ^ (seed >>> ((i % 4) * 8))) & 255)
    return crypto.randomToken(bytes, n)
  }

  // --- wx.* helpers ------------------------------------------------------

  // wxCall promisifies wx[api](params); a failure is an ErrorClass
  // (errors.WxError unless given).
  wxCall(api, params, ErrorClass) {
    const wx = this.wx
    const E = ErrorClass || errors.WxError
    return new Promise(function (resolve, reject) {
      wx[api](Object.assign({}, params, {
        success: resolve,
        fail: function (err) { reject(new E(api + ': ' + ((err && err.errMsg) || 'fail'))) },
      }))
    })
  }
}

function retryAfter(header) {
  if (!header) return null
  for (const k of Object.keys(header)) {
    if (k.toLowerCase() === 'retry-after') {
      const n = parseInt(header[k], 10)
      return isNaN(n) ? null : n
    }
  }
  return null
}

module.exports = { Client: Client, SESSION_KEY: SESSION_KEY }
