// Copies sdk/ into app/lib/wxlend-sdk/: WeChat DevTools packages only
// files under the app's folder, so the reference app carries a copy of the
// SDK. test/app-sdk-copy.test.js fails when the copy differs from sdk/;
// run `node tools/sync-sdk.js` after changing the SDK.
'use strict'
const fs = require('fs')
const path = require('path')

const root = path.join(__dirname, '..')
const from = path.join(root, 'sdk')
const to = path.join(root, 'app/lib/wxlend-sdk')

function files(dir, rel) {
  return fs.readdirSync(path.join(dir, rel || '')).flatMap(function (n) {
    const r = path.join(rel || '', n)
    return fs.statSync(path.join(dir, r)).isDirectory() ? files(dir, r) : [r]
  })
}

if (require.main === module) {
  fs.rmSync(to, { recursive: true, force: true })
  for (const f of files(from)) {
    fs.mkdirSync(path.dirname(path.join(to, f)), { recursive: true })
    fs.copyFileSync(path.join(from, f), path.join(to, f))
  }
  console.log('app/lib/wxlend-sdk <- sdk/ (' + files(from).length + ' files)')
}

module.exports = { files: files, from: from, to: to }
