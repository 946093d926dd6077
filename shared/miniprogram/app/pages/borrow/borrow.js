// Borrow: amount, term and method; the quote shows the APR (综合年化成本)
// first and largest, every fee and the full schedule, and only once those
// are on screen can the borrower confirm. Confirming creates the loan,
// whose contract is shown in full before signing; then the payout is
// confirmed in WeChat (wx.requestMerchantTransfer).
const { api } = require('../../utils/api.js')
const f = require('../../utils/format.js')
const { busy } = require('../../utils/busy.js')

const TERMS = [3, 6, 9, 12, 18, 24, 36]

// quoteView is api.md's quote formatted for the page (fen → yuan, bp → %).
function quoteView(q) {
  return {
    quoteId: q.quote_id,
    apr: f.percent(q.apr_bp),
    nominal: f.percent(q.annual_rate_bp),
    amount: f.yuan(q.amount_fen),
    totalInterest: f.yuan(q.total_interest_fen),
    totalFee: f.yuan(q.total_fee_fen),
    totalRepay: f.yuan(q.total_repay_fen),
    term: q.term_months,
    expiresAt: q.expires_at,
    installments: q.installments.map(function (i) {
      return { seq: i.seq, due: i.due_date, principal: f.yuan(i.principal_fen), interest: f.yuan(i.interest_fen), fee: f.yuan(i.fee_fen), total: f.yuan(i.total_fen) }
    }),
  }
}

Component({
  data: {
    amount: '', terms: TERMS, termIndex: 0, methods: f.METHODS, methodIndex: 0,
    quote: null, canConfirm: false, busy: false, error: '',
    loanId: 0, contract: null, signing: false,
  },
  methods: {
    // Any change of the terms drops the quote: a stale APR is never shown.
    input(e) { this.setData({ amount: e.detail.value, quote: null, canConfirm: false }) },
    pickTerm(e) { this.setData({ termIndex: Number(e.detail.value), quote: null, canConfirm: false }) },
    pickMethod(e) { this.setData({ methodIndex: Number(e.detail.value), quote: null, canConfirm: false }) },
    run(fn) { return busy(this, fn) },
    getQuote() {
      const fen = f.fenFromYuan(this.data.amount)
      if (!fen) return this.setData({ error: '请输入借款金额（元）' })
      return this.run(async () => {
        const q = await api().quote({ amount_fen: fen, term_months: TERMS[this.data.termIndex], method: f.METHODS[this.data.methodIndex].value })
        const view = quoteView(q)
        // Confirm is enabled in the render callback: only after the APR
        // and every installment are on screen.
        this.setData({ quote: view, canConfirm: false }, () => {
          this.setData({ canConfirm: Boolean(view.apr) && view.installments.length === view.term && view.term > 0 })
        })
      })
    },
    confirm() {
      if (!this.data.canConfirm) return
      return this.run(async () => {
        const loan = await api().createLoan(this.data.quote.quoteId)
        const c = await api().contract(loan.loan_id)
        this.setData({ loanId: loan.loan_id, contract: { sha256: c.sha256, version: c.template_version, sections: c.sections || [] } })
      })
    },
    sign() {
      return this.run(async () => {
        const s = await api().signContract(this.data.loanId)
        this.setData({ signing: true })
        if (s.sign_url) wx.navigateTo({ url: '/pages/webview/webview?url=' + encodeURIComponent(s.sign_url) })
      })
    },
    // After signing: wait for the payout and let the borrower confirm
    // receipt in WeChat when it asks.
    signed() {
      return this.run(async () => {
        for (let i = 0; i < 60; i++) {
          const l = await api().loan(this.data.loanId)
          if (l.status === 'active') return wx.navigateTo({ url: '/pages/plan/plan?id=' + this.data.loanId })
          if (l.disbursement && l.disbursement.confirm) await api().confirmReceipt(l)
          await new Promise(function (r) { setTimeout(r, 1000) })
        }
        throw new Error('放款处理中，请稍后在首页查看')
      })
    },
    cancel() {
      return this.run(async () => {
        await api().cancelLoan(this.data.loanId)
        this.setData({ loanId: 0, contract: null, quote: null, canConfirm: false, signing: false })
      })
    },
  },
})
