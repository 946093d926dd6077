// Where the app finds the API and its captcha. Point baseURL at a stack:
// scripts/dev.sh serves http://127.0.0.1:9000 (DevTools: Details → Local
// settings → "Do not verify valid domain names"); production names its
// HTTPS domain, which must be in the mini-program's request domain list.
module.exports = {
  baseURL: 'http://127.0.0.1:9000',
  // Tencent Cloud Captcha CaptchaAppId (the local stack's fake: 190000001).
  captchaAppId: '190000001',
}
