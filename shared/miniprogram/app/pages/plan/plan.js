// Repayment plan: each installment's state (paid, due, overdue, ...) with
// what was scheduled, paid and is still owed; pay what is due now, or pay
// the loan off early at the payoff amount the API quotes.
const { api } = require('../../utils/api.js')
const f = require('../../utils/format.js')
const { busy } = require('../../utils/busy.js')

function billView(loan) {
  const b = loan.bill || { installments: [], due_now_fen: 0, totals: { outstanding: { total_fen: 0 } } }
  return {
    status: loan.status,
    dueNow: b.due_now_fen,
    dueNowText: f.yuan(b.due_now_fen),
    outstanding: f.yuan(b.totals.outstanding.total_fen),
    installments: b.installments.map(function (i) {
      return {
        seq: i.seq, due: i.due_date, state: i.state, stateText: f.STATES[i.state] || i.state, dpd: i.days_past_due,
        scheduled: f.yuan(i.scheduled.total_fen), paid: f.yuan(i.paid.total_fen), outstanding: f.yuan(i.outstanding.total_fen),
      }
    }),
  }
}

Component({
  data: { loanId: 0, bill: null, payoff: null, busy: false, error: '', notice: '' },
  methods: {
    onLoad(q) {
      this.setData({ loanId: Number(q.id) })
      return this.load()
    },
    async load() {
      try {
        this.setData({ bill: billView(await api().loan(this.data.loanId)) })
      } catch (e) {
        this.setData({ error: f.message(e) })
      }
    },
    run(fn) {
      this.setData({ notice: '' })
      return busy(this, fn, function (e) { return e && e.cancelled ? '已取消支付' : f.message(e) })
    },
    // pay opens WeChat Pay for a repayment of kind; the bill updates when
    // WeChat Pay's notification is applied.
    async pay(kind) {
      const r = await api().repay(this.data.loanId, kind)
      await api().payRepayment(r)
      this.setData({ notice: '支付成功，' + f.yuan(r.amount_fen) + ' 元入账后还款计划将更新' })
      await this.load()
    },
    payNow() { return this.run(() => this.pay('due')) },
    async quotePayoff() {
      return this.run(async () => {
        const p = await api().payoffQuote(this.data.loanId)
        this.setData({ payoff: { total: f.yuan(p.payoff_fen), principal: f.yuan(p.principal_fen), interest: f.yuan(p.interest_fen), fee: f.yuan(p.fee_fen), penalty: f.yuan(p.penalty_fen), asOf: p.as_of } })
      })
    },
    payOff() { return this.run(() => this.pay('payoff')) },
  },
})
