// solve opens the captcha page (the Tencent Cloud Captcha plugin) and
// resolves with its answer {ticket, randstr?} once the borrower passes.
function solve() {
  return new Promise(function (resolve, reject) {
    wx.navigateTo({
      url: '/pages/captcha/captcha',
      events: { solved: resolve, cancelled: function () { reject(new Error('captcha cancelled')) } },
      fail: reject,
    })
  })
}

module.exports = { solve: solve }
