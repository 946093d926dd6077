// busy runs fn for a page: one action at a time (data.busy, which the
// buttons bind), the error cleared before and shown after. message maps an
// error to its text (format.message unless given).
const f = require('./format.js')

async function busy(page, fn, message) {
  if (page.data.busy) return
  page.setData({ busy: true, error: '' })
  try {
    await fn()
  } catch (e) {
    page.setData({ error: (message || f.message)(e) })
  } finally {
    page.setData({ busy: false })
  }
}

module.exports = { busy: busy }
