// The app's one SDK client. Pages call api() and never build paths: the
// SDK's routes table holds them. Tests swap in a fake with use().
const sdk = require('../lib/wxlend-sdk/index.js')
const config = require('../config.js')
const captcha = require('./captcha.js')

let client = null

function init() {
  if (!client) {
    // wx is the mini-program global; captchaProvider opens the captcha
    // page when sign-in needs one (after repeated failures).
    client = sdk.createClient({ baseURL: config.baseURL, wx: wx, captchaProvider: captcha.solve })
  }
  return client
}

function api() { return client || init() }

function use(fake) { client = fake }

module.exports = { api: api, init: init, use: use, errors: sdk.errors }
