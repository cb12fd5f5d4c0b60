"""The modules CloudFront Functions may load besides ``cloudfront``: ``crypto`` (createHash and createHmac
with md5, sha1 and sha256; digests as hex, base64, base64url, or a binary string) and ``querystring``
(parse, stringify, escape, unescape, with Node's ``decode``/``encode`` names), written in plain
JavaScript since the embedded V8 has no Node. Code names them with ``import x from 'crypto'``,
``import {createHash} from 'crypto'`` or ``require('crypto')``; a script context has no modules, so
those are rewritten to look the module up."""
from __future__ import annotations

import re

_IMPORT = re.compile(r"""^\s*import\s+(\w+|\{[^}]*\})\s+from\s+['"]([\w-]+)['"]\s*;?""", re.MULTILINE)
_REQUIRE = re.compile(r"""\brequire\s*\(\s*['"]([\w-]+)['"]\s*\)""")


def with_modules(code: str) -> str:
    """The code with its imports and requires reading nimbus's module table."""
    def imported(match: re.Match) -> str:
        names = re.sub(r"\bas\b", ":", match.group(1))  # import {a as b} -> var {a: b}
        return f"var {names} = __nimbus_require('{match.group(2)}');"
    return _REQUIRE.sub(r"__nimbus_require('\1')", _IMPORT.sub(imported, code))


MODULES_JS = r"""
var __nimbus_crypto = (function () {
  function utf8(text) {
    var s = unescape(encodeURIComponent(text)), out = [];
    for (var i = 0; i < s.length; i++) { out.push(s.charCodeAt(i)); }
    return out;
  }
  function bytesOf(data) {
    if (typeof data === 'string') { return utf8(data); }
    if (data && typeof data.length === 'number') { return Array.prototype.slice.call(data); }
    throw new TypeError('The data to hash must be a string or bytes');
  }
  function rotl(x, n) { return (x << n) | (x >>> (32 - n)); }
  function rotr(x, n) { return (x >>> n) | (x << (32 - n)); }
  function pad(bytes, littleEndian) {
    var m = bytes.slice(), bits = bytes.length * 8, length = [];
    m.push(0x80);
    while (m.length % 64 !== 56) { m.push(0); }
    var lo = bits >>> 0, hi = Math.floor(bits / 4294967296);
    for (var i = 0; i < 4; i++) { length.push((lo >>> (8 * i)) & 255); }
    for (i = 0; i < 4; i++) { length.push((hi >>> (8 * i)) & 255); }
    return m.concat(littleEndian ? length : length.reverse());
  }
  function word(m, at, littleEndian) {
    return littleEndian ? (m[at] | (m[at + 1] << 8) | (m[at + 2] << 16) | (m[at + 3] << 24))
      : ((m[at] << 24) | (m[at + 1] << 16) | (m[at + 2] << 8) | m[at + 3]);
  }
  function bytesOfWords(h, littleEndian) {
    var out = [];
    h.forEach(function (w) {
      for (var i = 0; i < 4; i++) { out.push((w >>> (littleEndian ? 8 * i : 24 - 8 * i)) & 255); }
    });
    return out;
  }
  var K256 = [], H256 = [], KMD5 = [];
  (function () {
    for (var n = 2; K256.length < 64; n++) {
      var prime = true;
      for (var d = 2; d * d <= n; d++) { if (n % d === 0) { prime = false; break; } }
      if (!prime) { continue; }
      if (H256.length < 8) { H256.push((Math.pow(n, 1 / 2) % 1) * 4294967296 | 0); }
      K256.push((Math.pow(n, 1 / 3) % 1) * 4294967296 | 0);
    }
    for (var i = 0; i < 64; i++) { KMD5.push(Math.floor(Math.abs(Math.sin(i + 1)) * 4294967296) | 0); }
  })();
  var SMD5 = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
  function md5(bytes) {
    var m = pad(bytes, true), h = [0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476];
    for (var off = 0; off < m.length; off += 64) {
      var a = h[0], b = h[1], c = h[2], d = h[3];
      for (var i = 0; i < 64; i++) {
        var f, g, round = i >> 4;
        if (round === 0) { f = (b & c) | (~b & d); g = i; }
        else if (round === 1) { f = (d & b) | (~d & c); g = (5 * i + 1) % 16; }
        else if (round === 2) { f = b ^ c ^ d; g = (3 * i + 5) % 16; }
        else { f = c ^ (b | ~d); g = (7 * i) % 16; }
        var next = d;
        d = c; c = b;
        b = (b + rotl((a + f + KMD5[i] + word(m, off + 4 * g, true)) | 0, SMD5[round * 4 + i % 4])) | 0;
        a = next;
      }
      h = [(h[0] + a) | 0, (h[1] + b) | 0, (h[2] + c) | 0, (h[3] + d) | 0];
    }
    return bytesOfWords(h, true);
  }
  function sha1(bytes) {
    var m = pad(bytes, false), w = new Array(80);
    var h = [0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476, 0xc3d2e1f0 | 0];
    for (var off = 0; off < m.length; off += 64) {
      for (var i = 0; i < 16; i++) { w[i] = word(m, off + 4 * i, false); }
      for (i = 16; i < 80; i++) { w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1); }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
      for (i = 0; i < 80; i++) {
        var f, k;
        if (i < 20) { f = (b & c) | (~b & d); k = 0x5a827999; }
        else if (i < 40) { f = b ^ c ^ d; k = 0x6ed9eba1; }
        else if (i < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8f1bbcdc | 0; }
        else { f = b ^ c ^ d; k = 0xca62c1d6 | 0; }
        var t = (rotl(a, 5) + f + e + k + w[i]) | 0;
        e = d; d = c; c = rotl(b, 30); b = a; a = t;
      }
      h = [(h[0] + a) | 0, (h[1] + b) | 0, (h[2] + c) | 0, (h[3] + d) | 0, (h[4] + e) | 0];
    }
    return bytesOfWords(h, false);
  }
  function sha256(bytes) {
    var m = pad(bytes, false), w = new Array(64), h = H256.slice();
    for (var off = 0; off < m.length; off += 64) {
      for (var i = 0; i < 16; i++) { w[i] = word(m, off + 4 * i, false); }
      for (i = 16; i < 64; i++) {
        var s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
        var s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
      }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
      for (i = 0; i < 64; i++) {
        var t1 = (k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K256[i] + w[i]) | 0;
        var t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        k = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      var added = [a, b, c, d, e, f, g, k];
      for (i = 0; i < 8; i++) { h[i] = (h[i] + added[i]) | 0; }
    }
    return bytesOfWords(h, false);
  }
  var ALGORITHMS = {md5: md5, sha1: sha1, sha256: sha256};
  var B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  function base64(bytes) {
    var out = '';
    for (var i = 0; i < bytes.length; i += 3) {
      var n = (bytes[i] << 16) | ((bytes[i + 1] || 0) << 8) | (bytes[i + 2] || 0);
      out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63] + (i + 1 < bytes.length ? B64[(n >> 6) & 63] : '=')
        + (i + 2 < bytes.length ? B64[n & 63] : '=');
    }
    return out;
  }
  function encoded(bytes, encoding) {
    if (encoding === 'hex') {
      return bytes.map(function (b) { return (b < 16 ? '0' : '') + b.toString(16); }).join('');
    }
    if (encoding === 'base64') { return base64(bytes); }
    if (encoding === 'base64url') { return base64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''); }
    if (encoding === undefined || encoding === 'binary' || encoding === 'latin1') {
      return String.fromCharCode.apply(null, bytes);
    }
    throw new TypeError('Unknown digest encoding: ' + encoding);
  }
  function algorithm(name) {
    var found = ALGORITHMS[String(name).toLowerCase()];
    if (!found) { throw new Error('Digest method not supported: ' + name); }
    return found;
  }
  function digester(finish) {
    var data = [], done = false;
    return {
      update: function (chunk) {
        if (done) { throw new Error('Digest already called'); }
        data = data.concat(bytesOf(chunk));
        return this;
      },
      digest: function (encoding) {
        if (done) { throw new Error('Digest already called'); }
        done = true;
        return encoded(finish(data), encoding);
      }
    };
  }
  return {
    createHash: function (name) { return digester(algorithm(name)); },
    createHmac: function (name, secret) {
      var hash = algorithm(name), key = bytesOf(secret);
      if (key.length > 64) { key = hash(key); }
      while (key.length < 64) { key.push(0); }
      return digester(function (data) {
        var inner = hash(key.map(function (b) { return b ^ 0x36; }).concat(data));
        return hash(key.map(function (b) { return b ^ 0x5c; }).concat(inner));
      });
    }
  };
})();
var __nimbus_querystring = (function () {
  function decode(text) {
    try { return decodeURIComponent(text.replace(/\+/g, ' ')); } catch (e) { return unescape(text); }
  }
  function encode(text) {
    return encodeURIComponent(text).replace(/[!'()*]/g, function (c) { return escape(c); });
  }
  function parse(text, sep, eq, options) {
    sep = sep || '&'; eq = eq || '=';
    var out = {}, limit = options && options.maxKeys !== undefined ? options.maxKeys : 1000;
    var unescaper = options && options.decodeURIComponent || decode;
    if (typeof text !== 'string' || text.length === 0) { return out; }
    var parts = text.split(sep);
    if (limit > 0) { parts = parts.slice(0, limit); }
    parts.forEach(function (part) {
      if (part === '') { return; }
      var at = part.indexOf(eq);
      var key = unescaper(at >= 0 ? part.slice(0, at) : part), value = at >= 0 ? unescaper(part.slice(at + eq.length)) : '';
      if (!Object.prototype.hasOwnProperty.call(out, key)) { out[key] = value; }
      else if (Array.isArray(out[key])) { out[key].push(value); }
      else { out[key] = [out[key], value]; }
    });
    return out;
  }
  function stringify(object, sep, eq, options) {
    sep = sep || '&'; eq = eq || '=';
    var escaper = options && options.encodeURIComponent || encode;
    function text(v) { return typeof v === 'string' ? v : (typeof v === 'number' && isFinite(v)) || typeof v === 'boolean' ? String(v) : ''; }
    if (object === null || typeof object !== 'object') { return ''; }
    return Object.keys(object).map(function (key) {
      var value = object[key], name = escaper(text(key)) + eq;
      if (Array.isArray(value)) { return value.map(function (v) { return name + escaper(text(v)); }).join(sep); }
      return name + escaper(text(value));
    }).filter(function (pair) { return pair.length > 0; }).join(sep);
  }
  return {parse: parse, decode: parse, stringify: stringify, encode: stringify, escape: encode, unescape: decode};
})();
function __nimbus_require(name) {
  var modules = {cloudfront: __nimbus_cf, crypto: __nimbus_crypto, querystring: __nimbus_querystring};
  if (!Object.prototype.hasOwnProperty.call(modules, name)) { throw new Error("Cannot find module '" + name + "'"); }
  return modules[name];
}
"""
