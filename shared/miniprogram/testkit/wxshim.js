// A `wx` for Node tests: wx.request over fetch, storage in memory, and the
// borrower's side played against the local stack's fixtures (README):
// wx.login codes "<user>.<n>" of the WeChat fake, payment sheets confirmed
// through /_local/wxpay/. Only what the SDK and the reference app use.
'use strict'

let seq = 0

// createWx answers a wx object bound to base (the local stack's URL) for
// borrower user. opts.onRequest(req) sees every request (tests count them).
function createWx(base, user, opts) {
  opts = opts || {}
  const store = new Map()
  const local = function (path) {
    return fetch(base + path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' }).then(async function (r) {
      if (r.status >= 300) throw new Error('POST ' + path + ': ' + r.status + ' ' + (await r.text()))
    })
  }
  const settle = function (p, o) {
    p.then(function (v) { o.success && o.success(v) }, function (e) { o.fail && o.fail({ errMsg: String(e && e.message || e) }) })
  }
  return {
    request: function (o) {
      if (opts.onRequest) opts.onRequest(o)
      settle(fetch(o.url, { method: o.method || 'GET', headers: o.header, body: o.data }).then(async function (r) {
        const header = {}
        r.headers.forEach(function (v, k) { header[k] = v })
        return { statusCode: r.status, header: header, data: await r.text() }
      }), o)
    },
    login: function (o) { settle(Promise.resolve({ code: user + '.' + process.pid + '-' + (++seq) + '-' + Date.now() }), o) },
    getStorageSync: function (k) { return store.has(k) ? JSON.parse(store.get(k)) : '' },
    setStorageSync: function (k, v) { store.set(k, JSON.stringify(v)) },
    removeStorageSync: function (k) { store.delete(k) },
    // The borrower pays the JSAPI order in the WeChat Pay fake.
    requestPayment: function (o) { settle(local('/_local/wxpay/pay?package=' + encodeURIComponent(o.package)), o) },
    // The borrower confirms receipt of the transfer in the fake.
    requestMerchantTransfer: function (o) {
      settle(local('/_local/wxpay/transfers/confirm?package=' + encodeURIComponent(o.package) + '&mch_id=' + encodeURIComponent(o.mchId)), o)
    },
    _store: store,
    _local: local,
  }
}

module.exports = { createWx: createWx }
