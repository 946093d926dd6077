// Me: the agreements (current texts), a copy of my data, closing the
// account. Export and closure are GET /v1/me/export and POST /v1/me/close
// (the SDK's routes table); until a stack serves them the page says so.
const { api, errors } = require('../../utils/api.js')
const f = require('../../utils/format.js')
const { busy } = require('../../utils/busy.js')

Component({
  data: { phone: '', agreements: [], open: '', exported: '', busy: false, error: '', closed: false },
  methods: {
    async onShow() {
      try {
        const me = await api().me()
        const { agreements } = await api().agreements()
        this.setData({ phone: me.phone_masked || '', agreements: agreements })
      } catch (e) {
        this.setData({ error: f.message(e) })
      }
    },
    toggle(e) {
      const code = e.currentTarget.dataset.code
      this.setData({ open: this.data.open === code ? '' : code })
    },
    run(fn) {
      return busy(this, fn, function (e) { return e instanceof errors.NotFoundError ? '该功能暂未开放' : f.message(e) })
    },
    exportData() {
      return this.run(async () => {
        const data = await api().exportData()
        this.setData({ exported: JSON.stringify(data, null, 2) })
      })
    },
    closeAccount() {
      wx.showModal({
        title: '注销账户',
        content: '注销后将无法登录，有未结清借款时无法注销。确定注销？',
        success: (r) => {
          if (!r.confirm) return
          this.run(async () => {
            await api().closeAccount({ confirm: true })
            await api().logout()
            this.setData({ closed: true })
          })
        },
      })
    },
  },
})
