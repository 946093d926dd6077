// Builds sdk/vendor/noble-hashes.js: SHA-256 and HMAC from @noble/hashes
// (the version pinned in package-lock.json) bundled by esbuild into one
// CommonJS file a mini-program can require (no WebCrypto, no Node APIs).
// The bundle is committed, so the SDK and its tests need no npm at all;
// run this (npm ci && npm run vendor) only to change the pinned version.
'use strict'
const fs = require('fs')
const path = require('path')
const esbuild = require('esbuild')

const root = path.join(__dirname, '..')
const pkg = require(path.join(root, 'node_modules/@noble/hashes/package.json'))
const license = fs.readFileSync(path.join(root, 'node_modules/@noble/hashes/LICENSE'), 'utf8')

esbuild.buildSync({
  stdin: {
    contents: "export { sha256 } from '@noble/hashes/sha2'\nexport { hmac } from '@noble/hashes/hmac'\nexport { bytesToHex } from '@noble/hashes/utils'\n",
    resolveDir: root,
  },
  bundle: true,
  format: 'cjs',
  platform: 'neutral',
  mainFields: ['module', 'main'],
  target: 'es2017',
  legalComments: 'none',
  outfile: path.join(root, 'sdk/vendor/noble-hashes.js'),
  banner: { js: `// @noble/hashes ${pkg.version} (sha256, hmac, bytesToHex), bundled by tools/vendor.js with esbuild.\n// Do not edit: regenerate with \`npm ci && npm run vendor\`. License (MIT), as shipped with the package:\n/*\n${license.trim()}\n*/` },
})
fs.copyFileSync(path.join(root, 'node_modules/@noble/hashes/LICENSE'), path.join(root, 'sdk/vendor/LICENSE.noble-hashes'))
console.log(`sdk/vendor/noble-hashes.js from @noble/hashes ${pkg.version}`)
