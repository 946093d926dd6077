// Hosts the Tencent Cloud Captcha plugin (app.json "t-captcha") and hands
// its ticket back to the opener (utils/captcha.js) through the event
// channel; the API verifies the ticket (api.md, captcha).
const config = require('../../config.js')

Component({
  data: { appId: config.captchaAppId },
  methods: {
    onReady() {
      const c = this.selectComponent('#captcha')
      if (c && c.show) c.show()
    },
    verify(e) {
      const d = e.detail || {}
      if (d.ret !== 0 || !d.ticket) return
      this.getOpenerEventChannel().emit('solved', { ticket: d.ticket, randstr: d.randstr || '' })
      wx.navigateBack()
    },
    close() {
      this.getOpenerEventChannel().emit('cancelled')
      wx.navigateBack()
    },
  },
})
