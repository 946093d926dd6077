// Display helpers: money is integer fen and rates basis points (api.md),
// formatted without floats so the screen shows what the contract says.

// yuan formats fen as "1,234.56".
function yuan(fen) {
  const neg = fen < 0
  const abs = Math.abs(Math.trunc(fen))
  const int = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  const cents = String(abs % 100).padStart(2, '0')
  return (neg ? '-' : '') + int + '.' + cents
}

// percent formats basis points as "23.50%".
function percent(bp) {
  return Math.floor(bp / 100) + '.' + String(bp % 100).padStart(2, '0') + '%'
}

// fenFromYuan parses the borrower's "1000" or "1000.5" into fen, or null.
function fenFromYuan(s) {
  const m = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(String(s).trim())
  if (!m) return null
  return Number(m[1]) * 100 + Number((m[2] || '').padEnd(2, '0'))
}

const METHODS = [
  { value: 'equal_installment', label: '等额本息' },
  { value: 'equal_principal', label: '等额本金' },
  { value: 'interest_first', label: '先息后本' },
  { value: 'bullet', label: '一次性还本付息' },
]

const STATES = { paid: '已还清', partly_paid: '部分已还', due: '待还', overdue: '已逾期', not_due: '未到期' }

// message is what a page shows for an SDK error.
function message(e) {
  return (e && e.message) || '出错了，请稍后再试'
}

module.exports = { yuan: yuan, percent: percent, fenFromYuan: fenFromYuan, METHODS: METHODS, STATES: STATES, message: message }
