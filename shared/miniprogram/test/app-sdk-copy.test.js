// The reference app's copy of the SDK (app/lib/wxlend-sdk) is sdk/, byte
// for byte (tools/sync-sdk.js makes it).
'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('fs')
const path = require('path')
const sync = require('../tools/sync-sdk.js')

test('app/lib/wxlend-sdk is a current copy of sdk/', function () {
  const want = sync.files(sync.from).sort()
  assert.deepEqual(sync.files(sync.to).sort(), want, 'run node tools/sync-sdk.js')
  for (const f of want) {
    assert.ok(fs.readFileSync(path.join(sync.from, f)).equals(fs.readFileSync(path.join(sync.to, f))), f + ' differs: run node tools/sync-sdk.js')
  }
})
