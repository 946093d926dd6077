// Home: the available credit line (or "estimate my limit") and the next
// repayment across the borrower's loans.
const { api } = require('../../utils/api.js')
const f = require('../../utils/format.js')

// nextRepayment is the earliest installment still owing across loans.
function nextRepayment(loans) {
  let next = null
  loans.forEach(function (l) {
    ;((l.bill && l.bill.installments) || []).forEach(function (i) {
      if (i.state === 'paid' || i.outstanding.total_fen === 0) return
      if (!next || i.due_date < next.due_date) next = { loanId: l.loan_id, due_date: i.due_date, state: i.state, stateText: f.STATES[i.state], amount: f.yuan(i.outstanding.total_fen) }
    })
  })
  return next
}

Component({
  data: { loading: true, line: null, next: null, error: '' },
  methods: {
    onShow() { this.load() },
    async load() {
      try {
        const me = await api().me()
        const { loans } = await api().loans()
        const open = loans.filter(function (l) { return ['active', 'overdue'].indexOf(l.status) >= 0 })
        const full = await Promise.all(open.map(function (l) { return api().loan(l.loan_id) }))
        const line = me.credit_line
        this.setData({
          loading: false,
          error: '',
          line: line && { available: f.yuan(line.available_fen), limit: f.yuan(line.limit_fen), rate: f.percent(line.annual_rate_bp), status: line.status },
          next: nextRepayment(full),
        })
      } catch (e) {
        this.setData({ loading: false, error: f.message(e) })
      }
    },
    estimate() { wx.navigateTo({ url: '/pages/apply/apply' }) },
    borrow() { wx.switchTab({ url: '/pages/borrow/borrow' }) },
    openPlan() { wx.navigateTo({ url: '/pages/plan/plan?id=' + this.data.next.loanId }) },
  },
})
