// api.md's request signature, computed over the exact bytes sent. SHA-256
// and HMAC come from @noble/hashes (sdk/vendor, a committed bundle):
// mini-programs have no WebCrypto. UTF-8 and base64 are written here
// because TextEncoder and btoa are not in every WeChat runtime.
'use strict'
const noble = require('./vendor/noble-hashes.js')

// utf8 encodes a JS string (UTF-16) as UTF-8 bytes; a lone surrogate
// becomes U+FFFD, as TextEncoder does (JSON.stringify never emits one).
function utf8(s) {
  const out = []
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00)
        i++
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd
    if (c < 0x80) out.push(c)
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63))
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63))
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63))
  }
  return new Uint8Array(out)
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

// base64 is standard base64 with padding (api.md's X-Signature).
function base64(bytes) {
  let s = ''
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] || 0) << 8) | (bytes[i + 2] || 0)
    s += B64[(n >> 18) & 63] + B64[(n >> 12) & 63]
    s += i + 1 < bytes.length ? B64[(n >> 6) & 63] : '='
    s += i + 2 < bytes.length ? B64[n & 63] : '='
  }
  return s
}

// signature is X-Signature: base64(HMAC-SHA256(utf8(signKey),
// METHOD\nPATH\nTIMESTAMP\nNONCE\nhex(sha256(body)))). body is the string
// sent ('' for none); path has no query string.
function signature(signKey, method, path, timestamp, nonce, body) {
  const bodyHash = noble.bytesToHex(noble.sha256(utf8(body || '')))
  const msg = method + '\n' + path + '\n' + timestamp + '\n' + nonce + '\n' + bodyHash
  return base64(noble.hmac(noble.sha256, utf8(signKey), utf8(msg)))
}

const URLSAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

// randomToken is n characters of [A-Za-z0-9_-] from bytes (a nonce or an
// Idempotency-Key: they must be unique, not secret).
function randomToken(bytes, n) {
  let s = ''
  for (let i = 0; i < n; i++) s += URLSAFE[bytes[i % bytes.length] & 63]
  return s
}

module.exports = { utf8: utf8, base64: base64, signature: signature, randomToken: randomToken }
