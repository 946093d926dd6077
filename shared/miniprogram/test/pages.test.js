// The reference app's pages rendered with miniprogram-simulate (WeChat's
// component test tool, on jsdom) over a fake SDK client: the APR and the
// schedule are on screen before the confirm button is enabled, consent
// texts before acceptance, and a decline's reasons are shown.
'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('fs')
const path = require('path')
const { JSDOM } = require('jsdom')

const dom = new JSDOM('<!doctype html><html><body></body></html>')
global.window = dom.window
global.document = dom.window.document
const wxCalls = []
global.wx = {
  getStorageSync: function () { return '' },
  setStorageSync: function () {},
  navigateTo: function (o) { wxCalls.push(['navigateTo', o.url]) },
  switchTab: function (o) { wxCalls.push(['switchTab', o.url]) },
  redirectTo: function (o) { wxCalls.push(['redirectTo', o.url]) },
  showModal: function (o) { o.success({ confirm: true }) },
}
const simulate = require('miniprogram-simulate')

const APP = path.join(__dirname, '../app')
const apiModule = require(path.join(APP, 'utils/api.js'))
const captcha = require(path.join(APP, 'utils/captcha.js'))

function render(page, fake) {
  apiModule.use(fake)
  const comp = simulate.render(simulate.load(path.join(APP, 'pages', page, page), { rootPath: APP }))
  comp.attach(document.createElement('parent-wrapper'))
  return comp
}

const text = function (comp, sel) { const n = comp.querySelector(sel); return n ? n.dom.textContent : null }
const all = function (comp, sel) { return comp.querySelectorAll(sel).map(function (n) { return n.dom.textContent }) }

// watch calls check(data) with the page as rendered at the moment a
// setData carrying key is made (before it applies).
function watch(comp, key, check) {
  const seen = []
  const setData = comp.instance.setData.bind(comp.instance)
  comp.instance.setData = function (d, cb) {
    if (d && key in d) seen.push(check(d[key]))
    return setData(d, cb)
  }
  return seen
}

function quote(term, rows) {
  return {
    quote_id: 'q-1', expires_at: '2026-12-01T10:30:00Z', amount_fen: 300000, term_months: term, method: 'equal_installment',
    annual_rate_bp: 2100, apr_bp: 2350, total_interest_fen: 10528, total_fee_fen: 1500, total_repay_fen: 312028,
    installments: Array.from({ length: rows }, function (_, i) {
      return { seq: i + 1, due_date: '2027-0' + (i + 1) + '-15', principal_fen: 100000, interest_fen: 3509, fee_fen: 500, total_fen: 104009, remaining_principal_fen: 0 }
    }),
  }
}

test('borrow: confirm is enabled only once the APR and the whole schedule are on screen', async function () {
  const calls = []
  const comp = render('borrow', {
    quote: async function (req) { calls.push(['quote', req]); return quote(3, 3) },
    createLoan: async function (id) { calls.push(['createLoan', id]); return { loan_id: 8, status: 'applied' } },
    contract: async function () { return { sha256: 'ab'.repeat(32), template_version: 'v1', sections: [{ title: '第一条 借款金额', body: '人民币 3,000.00 元' }] } },
  })
  assert.equal(comp.querySelector('.confirm'), undefined, 'no quote, no confirm button')
  await comp.instance.confirm()
  assert.equal(calls.length, 0, 'confirm does nothing without a quote')

  const atEnable = watch(comp, 'canConfirm', function (v) {
    return v && { apr: text(comp, '.apr'), rows: all(comp, '.installment').length, fees: text(comp, '.fees') }
  })
  comp.setData({ amount: '3000' })
  await comp.instance.getQuote()
  await simulate.sleep(0)
  assert.deepEqual(calls[0], ['quote', { amount_fen: 300000, term_months: 3, method: 'equal_installment' }])
  const enabled = atEnable.filter(Boolean)
  assert.equal(enabled.length, 1, 'confirm was enabled once')
  assert.deepEqual(enabled[0], { apr: '23.50%', rows: 3, fees: '15.00 元' }, 'the APR, fees and all rows were rendered before')
  assert.equal(comp.data.canConfirm, true)

  // The APR is the quote's first and only large figure.
  const card = comp.querySelector('.quote').dom
  assert.equal(card.querySelector('.main--big').textContent, '23.50%')
  assert.equal(card.querySelectorAll('.main--big').length, 1)
  assert.equal(text(comp, '.nominal'), '21.00%')
  assert.match(all(comp, '.installment')[2], /2027-03-15.*1,000\.00.*35\.09.*5\.00.*1,040\.09/)
  // The template binds the button to canConfirm.
  assert.match(fs.readFileSync(path.join(APP, 'pages/borrow/borrow.wxml'), 'utf8'), /class="confirm" disabled="\{\{!canConfirm/)

  await comp.instance.confirm()
  assert.deepEqual(calls[1], ['createLoan', 'q-1'])
  assert.match(text(comp, '.contract'), /第一条 借款金额.*人民币 3,000\.00 元/)

  // Any change of terms drops the quote and disables confirm again.
  comp.instance.pickTerm({ detail: { value: '1' } })
  assert.equal(comp.data.canConfirm, false)
})

test('borrow: a quote without its full schedule never enables confirm', async function () {
  const comp = render('borrow', { quote: async function () { return quote(6, 5) } })
  comp.setData({ amount: '3000' })
  await comp.instance.getQuote()
  await simulate.sleep(0)
  assert.equal(comp.data.canConfirm, false)
})

const me = { user_id: 1, phone_masked: null, kyc: { identity: 'none', liveness: 'none', bank_card: 'none' }, credit_line: null }
const agreements = [
  { agreement: 'privacy_policy', version: 1, title: '隐私政策', sha256: 'x', text: '我们如何收集和使用您的个人信息……' },
  { agreement: 'credit_query_authorization', version: 2, title: '征信查询授权书', sha256: 'y', text: '本人授权贵司查询本人信用信息……' },
]

test('apply: the consent texts are on screen before they can be accepted', async function () {
  const accepted = []
  const comp = render('apply', {
    me: async function () { return me },
    agreements: async function () { return { agreements: agreements } },
    acceptConsent: async function (a, v) { accepted.push(a + '@' + v) },
  })
  const atShown = watch(comp, 'textsShown', function (v) { return v && all(comp, '.agreement-text') })
  await comp.instance.onLoad({})
  await simulate.sleep(0)
  assert.deepEqual(atShown.filter(Boolean), [[agreements[0].text, agreements[1].text]])
  assert.deepEqual(all(comp, '.agreement-title'), ['隐私政策（第 1 版）', '征信查询授权书（第 2 版）'])
  await comp.instance.accept()
  assert.deepEqual(accepted, [], 'nothing is accepted before the borrower agrees')
  comp.instance.toggleAgree({ detail: { value: ['yes'] } })
  await comp.instance.accept()
  assert.deepEqual(accepted, ['privacy_policy@1', 'credit_query_authorization@2'])
  assert.equal(comp.data.step, 2)
})

test('apply: a declined decision shows its reasons (after the captcha)', async function () {
  const sent = []
  captcha.solve = async function () { return { ticket: 'dev-pass-x', randstr: '' } }
  const comp = render('apply', {
    me: async function () { return Object.assign({}, me, { phone_masked: '139****5678', kyc: { identity: 'verified', liveness: 'verified', bank_card: 'verified' } }) },
    agreements: async function () { return { agreements: agreements } },
    applyCredit: async function (device, answer) { sent.push([device, answer]); return { application_id: 3, status: 'pending' } },
    creditApplication: async function () {
      return { status: 'declined', limit_fen: 0, annual_rate_bp: 0, reasons: [{ code: 'multi_lending', text: '近期在多家机构申请借款' }, { code: 'score', text: '综合评分不足' }] }
    },
  })
  await comp.instance.onLoad({})
  comp.setData({ step: 5 })
  await comp.instance.submit()
  await simulate.sleep(0)
  assert.equal(sent[0][1].ticket, 'dev-pass-x', 'the captcha answer goes with the application')
  assert.match(sent[0][0].fingerprint_id, /^device-[a-z0-9]{8,}/)
  assert.match(text(comp, '.declined'), /未通过/)
  assert.deepEqual(all(comp, '.reason'), ['· 近期在多家机构申请借款', '· 综合评分不足'])
})

function bill() {
  const amt = function (t) { return { principal_fen: t, interest_fen: 0, fee_fen: 0, penalty_fen: 0, total_fen: t } }
  const inst = function (seq, state, paid, out) { return { seq: seq, due_date: '2027-0' + seq + '-15', state: state, days_past_due: state === 'overdue' ? 5 : 0, scheduled: amt(paid + out), paid: amt(paid), waived: amt(0), outstanding: amt(out) } }
  return { loan_id: 8, status: 'overdue', bill: { due_now_fen: 208018, installments: [inst(1, 'paid', 104009, 0), inst(2, 'overdue', 0, 104009), inst(3, 'due', 0, 104009)], totals: { outstanding: amt(208018) } } }
}

test('plan: each installment shows its state and amounts; pay now pays what is due', async function () {
  const calls = []
  const comp = render('plan', {
    loan: async function () { return bill() },
    repay: async function (id, kind) { calls.push(['repay', id, kind]); return { repayment_id: 1, amount_fen: 208018, pay_params: { package: 'prepay_id=1' } } },
    payRepayment: async function (r) { calls.push(['pay', r.pay_params.package]) },
    payoffQuote: async function () { return { payoff_fen: 208018, principal_fen: 200000, interest_fen: 8018, fee_fen: 0, penalty_fen: 0, as_of: '2027-03-20' } },
  })
  await comp.instance.onLoad({ id: '8' })
  await simulate.sleep(0)
  assert.deepEqual(all(comp, '.state'), ['已还清', '已逾期', '待还'])
  assert.match(text(comp, '.state-overdue'), /已逾期 5 天/)
  assert.equal(text(comp, '.due-now'), '2,080.18')
  await comp.instance.payNow()
  assert.deepEqual(calls, [['repay', 8, 'due'], ['pay', 'prepay_id=1']])
  await comp.instance.quotePayoff()
  await simulate.sleep(0)
  assert.match(comp.dom.textContent, /提前结清金额（2027-03-20）/)
})

test('home: no line offers "estimate my limit"; a line shows what is available and the next repayment', async function () {
  const none = render('home', { me: async function () { return me }, loans: async function () { return { loans: [] } } })
  await none.instance.onShow()
  await simulate.sleep(0)
  assert.ok(none.querySelector('.estimate'))
  assert.equal(none.querySelector('.available'), undefined)

  const some = render('home', {
    me: async function () { return Object.assign({}, me, { credit_line: { limit_fen: 5000000, used_fen: 300000, available_fen: 4700000, annual_rate_bp: 2100, status: 'active' } }) },
    loans: async function () { return { loans: [{ loan_id: 8, status: 'overdue' }, { loan_id: 9, status: 'settled' }] } },
    loan: async function () { return bill() },
  })
  await some.instance.onShow()
  await simulate.sleep(0)
  assert.equal(text(some, '.available'), '47,000.00')
  assert.match(text(some, '.next'), /2027-02-15.*1,040\.09 元.*已逾期/)
})

test('me: agreements listed; export and closure call the API, a missing endpoint is said plainly', async function () {
  const calls = []
  const comp = render('me', {
    me: async function () { return Object.assign({}, me, { phone_masked: '139****5678' }) },
    agreements: async function () { return { agreements: agreements } },
    exportData: async function () { throw new apiModule.errors.NotFoundError({ code: 'not_found', message: 'not found' }, 404) },
    closeAccount: async function (b) { calls.push(['close', b]) },
    logout: async function () { calls.push(['logout']) },
  })
  await comp.instance.onShow()
  await simulate.sleep(0)
  assert.match(text(comp, '.agreements'), /隐私政策.*征信查询授权书/)
  await comp.instance.exportData()
  assert.equal(text(comp, '.error'), '该功能暂未开放')
  comp.instance.closeAccount()
  await simulate.sleep(10)
  assert.deepEqual(calls, [['close', { confirm: true }], ['logout']])
  assert.equal(comp.data.closed, true)
})
