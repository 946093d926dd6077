// The SDK's signature against the Go signer's known answers
// (shared/auth/testdata/signature_vectors.json, pinned by
// shared/auth's TestSignatureVectors).
'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('fs')
const path = require('path')
const crypto = require('../sdk/crypto.js')

const vectors = JSON.parse(fs.readFileSync(path.join(__dirname, '../../auth/testdata/signature_vectors.json'), 'utf8'))

test('signature matches the Go signer on every vector', function () {
  assert.ok(vectors.length >= 4)
  for (const v of vectors) {
    assert.equal(crypto.signature(v.sign_key, v.method, v.path, v.timestamp, v.nonce, v.body), v.signature, v.name)
  }
})

test('a one-byte change of the body changes the signature', function () {
  const v = vectors.find(function (x) { return x.body !== '' })
  assert.notEqual(crypto.signature(v.sign_key, v.method, v.path, v.timestamp, v.nonce, v.body + ' '), v.signature)
})

test('utf8 and base64 agree with Node on awkward input', function () {
  for (const s of ['', 'a', 'ab', 'abc', '王小明', '😀 x', 'é\u0000\u07ff\u0800\uffff', '\ud83d']) {
    const want = Buffer.from(s, 'utf8')
    assert.deepEqual(Buffer.from(crypto.utf8(s)), want, JSON.stringify(s))
    assert.equal(crypto.base64(crypto.utf8(s)), want.toString('base64'), JSON.stringify(s))
  }
})
