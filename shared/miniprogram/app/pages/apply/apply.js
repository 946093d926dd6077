// Apply, in five steps: 1 consents (each text shown in full before the
// borrower can accept), 2 phone, 3 identity and liveness, 4 bank card,
// 5 the decision (after the captcha), with its reasons when declined.
const { api } = require('../../utils/api.js')
const captcha = require('../../utils/captcha.js')
const f = require('../../utils/format.js')
const { busy } = require('../../utils/busy.js')

const STEPS = ['授权协议', '手机号', '实名与人脸', '银行卡', '审批结果']

// firstOpenStep resumes a borrower where GET /v1/me says they are.
function firstOpenStep(me) {
  if (!me.phone_masked) return 1
  if (me.kyc.identity !== 'verified' || me.kyc.liveness !== 'verified') return 3
  if (me.kyc.bank_card !== 'verified') return 4
  return 5
}

// deviceId is this install's stable fingerprint id (api.md device).
function deviceId() {
  let id = wx.getStorageSync('wxlend.device')
  if (!id) {
    id = 'device-' + Date.now().toString(36) + Math.random().toString(36).slice(2, 12)
    wx.setStorageSync('wxlend.device', id)
  }
  return id
}

Component({
  data: {
    steps: STEPS, step: 1, busy: false, error: '',
    agreements: [], textsShown: false, agreed: false,
    name: '', idNumber: '', bizToken: '', identityDone: false,
    card: '', cardPhone: '',
    decision: null,
  },
  methods: {
    async onLoad() {
      try {
        const me = await api().me()
        const { agreements } = await api().agreements()
        // The accept button stays disabled until the texts are on screen
        // (setData's callback runs after the render).
        this.setData({ agreements: agreements, step: me.credit_line ? 5 : 1 }, () => {
          this.setData({ textsShown: agreements.length > 0 && agreements.every(function (a) { return a.text }) })
        })
        this.resume = firstOpenStep(me)
      } catch (e) {
        this.setData({ error: f.message(e) })
      }
    },
    toggleAgree(e) { this.setData({ agreed: e.detail.value.length > 0 }) },
    run(fn) { return busy(this, fn) },
    accept() {
      if (!this.data.textsShown || !this.data.agreed) return
      return this.run(async () => {
        for (const a of this.data.agreements) await api().acceptConsent(a.agreement, a.version)
        this.setData({ step: Math.max(2, this.resume || 2) })
      })
    },
    // getPhoneNumber's code, exchanged by the server.
    phone(e) {
      if (!e.detail.code) return this.setData({ error: '需要授权手机号才能继续' })
      return this.run(async () => {
        await api().bindPhone(e.detail.code)
        this.setData({ step: 3 })
      })
    },
    input(e) { this.setData({ [e.currentTarget.dataset.field]: e.detail.value }) },
    identity() {
      return this.run(async () => {
        const r = await api().verifyIdentity(this.data.name.trim(), this.data.idNumber.trim().toUpperCase())
        if (r.status !== 'verified') throw new Error('身份信息核验未通过，请检查姓名与身份证号')
        const live = await api().startLiveness()
        this.setData({ identityDone: true, bizToken: live.biz_token })
        wx.navigateTo({ url: '/pages/webview/webview?url=' + encodeURIComponent(live.url) })
      })
    },
    liveness() {
      return this.run(async () => {
        const r = await api().livenessResult(this.data.bizToken)
        if (r.status !== 'verified') throw new Error('人脸识别未通过，请重试')
        this.setData({ step: 4 })
      })
    },
    bankCard() {
      return this.run(async () => {
        const r = await api().bindBankCard(this.data.card.replace(/\s/g, ''), this.data.cardPhone.trim())
        if (r.status !== 'verified') throw new Error('银行卡信息核验未通过')
        this.setData({ step: 5 })
      })
    },
    submit() {
      return this.run(async () => {
        const answer = await captcha.solve()
        const app = await api().applyCredit({ fingerprint_id: deviceId() }, answer)
        let d = app
        for (let i = 0; d.status === 'pending' && i < 60; i++) {
          await new Promise(function (r) { setTimeout(r, 1000) })
          d = await api().creditApplication(app.application_id)
        }
        this.setData({
          decision: {
            status: d.status,
            limit: d.limit_fen ? f.yuan(d.limit_fen) : '',
            rate: d.annual_rate_bp ? f.percent(d.annual_rate_bp) : '',
            reasons: d.reasons || [],
          },
        })
      })
    },
    home() { wx.switchTab({ url: '/pages/home/home' }) },
  },
})
