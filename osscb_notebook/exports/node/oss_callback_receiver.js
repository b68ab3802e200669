#!/usr/bin/env node
// OSS upload-callback receiver for your own server (exported by osscb-notebook; Node.js 18+).
//
// One file, Node's standard library only (http, https, crypto).
//
//     node oss_callback_receiver.js                                  # 127.0.0.1:8080
//     OSS_CALLBACK_HOST=0.0.0.0 OSS_CALLBACK_PORT=8080 node oss_callback_receiver.js
//     OSS_CALLBACK_TRUSTED_KEY_URLS=http://127.0.0.1:9000/_osscb/ node oss_callback_receiver.js
//
// Rules (the same in every language osscb-notebook exports):
//   * Key URL (Base64 in x-oss-pub-key-url): trusted only under http(s)://gosspublic.alicdn.com/ and the
//     prefixes in OSS_CALLBACK_TRUSTED_KEY_URLS (comma-separated; each gets a trailing '/'; an invalid one
//     stops the receiver at startup). Anything else is rejected WITHOUT being fetched: a forger would
//     point it at their own key. Also refused: '\', '#', '@', spaces, control or non-ASCII characters,
//     an encoded '/', '\' or '%' (%2f, %5c, %25), and a '.' or '..' segment once percent-decoded,
//     however it ends ('/', '?', '#', ';' or the end: "PREFIX..?x=1" and "PREFIX%2e%2e" too).
//   * OSS's own key (RSA-512) is pinned below: real callbacks verify with no fetch. Other trusted keys
//     are fetched once (3 s in total, 16 KiB cap, no redirects, one fetch in flight per URL: callbacks
//     arriving meanwhile wait for it) and cached; a failed fetch is remembered for 10 s, so the
//     callbacks behind a slow key server fail at once instead of each waiting 3 s again.
//   * String to sign: the percent-decoded path (to bytes; '+' stays '+'; a malformed '%' stays as it
//     is), then '?' and the raw query if there is one, then '\n' and the raw body bytes. The signature
//     is RSA PKCS#1 v1.5 with MD5.
//   * Replies (JSON, with Content-Length, no BOM): 200 {"Status":"OK"}; 400 when verification fails,
//     for a duplicated authorization or x-oss-pub-key-url header, a non-numeric or conflicting
//     Content-Length and a body shorter than its Content-Length; 405 for any method but POST (exactly:
//     "post" and methods Node's parser does not know too); 411 with no Content-Length (a chunked body
//     included); 413 over 1 MiB; 503 when the work queue is full. What Node's HTTP parser refuses
//     before any handler (a malformed request line or header, headers over 16 KiB: 431) is answered
//     in JSON too ('clientError' below).
//
// Put your slow work in processCallback(): it runs after the reply, from a bounded queue.
//
// Express: the tested hookup is `osscb export-receiver --lang node --framework express` (folder
// exports/node/express/ in osscb-notebook): `const { verify } = require('./oss_callback_receiver.js')`
// (requiring this file does not start the server), express.raw({ type: '*/*' }) on the callback
// route so that verify() gets the raw body, and req.originalUrl for the raw path and query.
'use strict';

const http = require('node:http');
const https = require('node:https');
const crypto = require('node:crypto');

const OFFICIAL_PREFIXES = ['http://gosspublic.alicdn.com/', 'https://gosspublic.alicdn.com/'];
const MAX_BODY = 1024 * 1024; // a generous cap: OSS's callback bodies are small (the template is <= 5 KB of Base64)
const MAX_KEY_BYTES = 16 * 1024;
const KEY_FETCH_TIMEOUT_MS = 3000; // OSS waits 5 s for the whole callback
const QUEUE_SIZE = 1000;
const FAILURE_MEMORY_MS = 10000; // a failed key fetch is not retried for this long

// OSS's callback public key (public data), pinned for both official URLs.
const OFFICIAL_PUBLIC_KEY_PEM = `-----BEGIN PUBLIC KEY-----
MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAKs/JBGzwUB2aVht4crBx3oIPBLNsjGs
C0fTXv+nvlmklvkcolvpvXLTjaxUHR3W9LXxQ2EHXAJfCB+6H2YF1k8CAwEAAQ==
-----END PUBLIC KEY-----
`;

// OSS's prefixes plus OSS_CALLBACK_TRUSTED_KEY_URLS, read when this file is loaded (also when a
// framework requires it): an invalid entry stops the program there, before it serves.
const trustedPrefixes = loadTrusted();
const keys = new Map(); // key URL -> KeyObject, kept forever (OSS: the key content never changes)
const fetches = new Map(); // key URL -> { promise, failedAt }: the fetch in flight, or one that failed lately
for (const prefix of OFFICIAL_PREFIXES) {
  keys.set(prefix + 'callback_pub_key_v1.pem', crypto.createPublicKey(OFFICIAL_PUBLIC_KEY_PEM));
}

// Your slow work for one verified callback (thumbnails, database, other services). It runs AFTER
// the reply: OSS waits at most 5 s for the reply, holds the client's upload response meanwhile,
// and never retries. Make it idempotent: key it on signed fields (${bucket}, ${object}, ${etag}).
async function processCallback(body, headers) {
  // YOUR SLOW WORK GOES HERE
  console.error(`callback: ${body.subarray(0, 200).toString('latin1')}`);
}

// Slow work is handed to one worker through a bounded queue, after the reply is decided: OSS gives
// up after 5 s (the client then gets 203 CallbackFailed) and never retries. When the queue is full
// the receiver answers 503, so OSS reports the failure instead of a silent loss.
const jobs = [];
let working = false;

function enqueue(job) {
  if (jobs.length >= QUEUE_SIZE) return false;
  jobs.push(job);
  if (!working) {
    working = true;
    setImmediate(work); // after this request's reply is written
  }
  return true;
}

async function work() {
  while (jobs.length > 0) {
    const job = jobs.shift();
    try {
      await processCallback(job.body, job.headers);
    } catch (err) {
      console.error(`processCallback failed: ${err && err.stack ? err.stack : err}`);
    }
  }
  working = false;
}

function badChars(text) {
  for (const ch of text) {
    const c = ch.codePointAt(0);
    if (c <= 0x20 || c >= 0x7f || ch === '\\' || ch === '#' || ch === '@') return true;
  }
  return false;
}

// A '.' or '..' segment once percent-decoded, however it ends ('/', '?', '#', ';', '\' or the end),
// or an encoded '/', '\' or '%' (a key server may decode and resolve them).
function dotSegment(url) {
  if (/%2f|%5c|%25/i.test(url)) return true;
  return /(^|[/?#;\\])\.\.?([/?#;\\]|$)/.test(percentDecode(url).toString('latin1'));
}

// A trusted key URL prefix: an http(s) URL with a host, ending with '/' (added if missing), so that
// it pins the scheme, host and port.
function normalizePrefix(prefix) {
  prefix = prefix.trim();
  const m = /^(https?):\/\/(.*)$/.exec(prefix);
  const rest = m ? m[2] : '';
  const host = rest.split('/')[0];
  if (!m || !host || badChars(prefix) || prefix.includes('?') || dotSegment(rest) || !/^[A-Za-z0-9.\-:[\]]+$/.test(host)) {
    throw new Error(`not an http(s) URL prefix: ${JSON.stringify(prefix)}`);
  }
  return prefix.endsWith('/') ? prefix : prefix + '/';
}

// OSS_CALLBACK_TRUSTED_KEY_URLS: comma-separated prefixes; unset or blank means none.
function parseTrusted(value) {
  if (!value || !value.trim()) return [];
  return value.split(',').map((entry) => {
    if (!entry.trim()) throw new Error(`empty entry in ${JSON.stringify(value)}`);
    return normalizePrefix(entry);
  });
}

function loadTrusted() {
  try {
    return OFFICIAL_PREFIXES.concat(parseTrusted(process.env.OSS_CALLBACK_TRUSTED_KEY_URLS || ''));
  } catch (err) {
    console.error(`OSS_CALLBACK_TRUSTED_KEY_URLS: ${err.message}`);
    process.exit(2);
  }
}

// Why `url` may not be used (it is then never fetched), or '' when it is trusted.
function keyUrlProblem(url) {
  if (badChars(url) || dotSegment(url)) return "key URL has forbidden characters, an encoded '/', or a dot segment (not fetched)";
  if (!trustedPrefixes.some((prefix) => url.startsWith(prefix))) return 'key URL is not under a trusted prefix (not fetched)';
  return '';
}

function fetchKey(url) {
  return new Promise((resolve, reject) => {
    const client = url.startsWith('https://') ? https : http;
    // Node's http.get never follows redirects: a 3xx is refused below like any other non-200.
    const req = client.get(url, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`key server answered ${res.statusCode}`));
        return;
      }
      const chunks = [];
      let size = 0;
      res.on('data', (chunk) => {
        size += chunk.length;
        if (size > MAX_KEY_BYTES) {
          req.destroy(new Error('key larger than 16 KiB'));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => resolve(Buffer.concat(chunks)));
      res.on('error', reject);
    });
    req.setTimeout(KEY_FETCH_TIMEOUT_MS, () => req.destroy(new Error('key fetch timed out')));
    const deadline = setTimeout(() => req.destroy(new Error('key fetch timed out')), KEY_FETCH_TIMEOUT_MS);
    req.on('close', () => clearTimeout(deadline));
    req.on('error', reject);
  });
}

// The key at a trusted `url`: pinned, cached, or fetched once. Callbacks that arrive while it is
// being fetched wait for that one fetch; a failure is shared with them and remembered for 10 s.
function publicKeyFor(url) {
  const cached = keys.get(url);
  if (cached) return Promise.resolve(cached);
  const known = fetches.get(url);
  if (known && !(known.failedAt && Date.now() - known.failedAt >= FAILURE_MEMORY_MS)) return known.promise;
  const entry = { failedAt: 0 };
  entry.promise = fetchKey(url).then((pem) => {
    const key = crypto.createPublicKey(pem.toString('ascii').trim());
    if (key.asymmetricKeyType !== 'rsa') throw new Error('not an RSA key');
    keys.set(url, key);
    fetches.delete(url);
    return key;
  }).catch((err) => {
    entry.failedAt = Date.now();
    throw err;
  });
  entry.promise.catch(() => {}); // waiters handle it; no unhandled rejection
  fetches.set(url, entry);
  return entry.promise;
}

// Request-line text back to bytes (Node hands it over as latin-1).
function toBytes(text) {
  return /[^\x00-\xff]/.test(text) ? Buffer.from(text, 'utf8') : Buffer.from(text, 'latin1');
}

function isHex(b) {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);
}

// %XX -> that byte; everything else (including '+' and a malformed '%') stays as it is.
// (decodeURIComponent would throw on a malformed escape and refuse non-UTF-8 bytes.)
function percentDecode(path) {
  const raw = toBytes(path);
  const out = Buffer.alloc(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length;) {
    if (raw[i] === 0x25 && i + 2 < raw.length && isHex(raw[i + 1]) && isHex(raw[i + 2])) {
      out[n++] = parseInt(String.fromCharCode(raw[i + 1], raw[i + 2]), 16);
      i += 3;
    } else {
      out[n++] = raw[i++];
    }
  }
  return out.subarray(0, n);
}

function b64(value) {
  const text = (value || '').trim();
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new Error('not Base64');
  return Buffer.from(text, 'base64');
}

// Verify one OSS callback; resolves to '' when it is genuine, else the reason.
//   method: the HTTP method; rawPath: the request path exactly as sent (still percent-encoded);
//   rawQuery: the raw query without '?' ('' if none); headers: an object of header names (any
//   case) to values, like req.headers; body: a Buffer of the raw body bytes as received.
async function verify(method, rawPath, rawQuery, headers, body) {
  if (method !== 'POST') return 'not a POST';
  const lower = {};
  for (const [name, value] of Object.entries(headers || {})) {
    const key = name.toLowerCase();
    if ((key === 'authorization' || key === 'x-oss-pub-key-url') && (key in lower || Array.isArray(value))) {
      return 'duplicated x-oss-pub-key-url or authorization header';
    }
    lower[key] = String(value);
  }
  let keyUrl;
  let signature;
  try {
    const urlBytes = b64(lower['x-oss-pub-key-url']);
    if (urlBytes.some((b) => b >= 0x80)) throw new Error('not ASCII');
    keyUrl = urlBytes.toString('ascii');
    signature = b64(lower['authorization']);
  } catch (err) {
    return 'malformed x-oss-pub-key-url or authorization header';
  }
  if (!keyUrl || signature.length === 0) return 'missing x-oss-pub-key-url or authorization header';
  const problem = keyUrlProblem(keyUrl);
  if (problem) return problem;
  let key;
  try {
    key = await publicKeyFor(keyUrl);
  } catch (err) {
    return `cannot get the public key: ${err.message}`;
  }
  const message = Buffer.concat([
    percentDecode(rawPath),
    rawQuery ? Buffer.concat([Buffer.from('?'), toBytes(rawQuery)]) : Buffer.alloc(0),
    Buffer.from('\n'),
    Buffer.from(body),
  ]);
  try {
    if (crypto.verify('md5', message, key, signature)) return '';
  } catch (err) {
    // a signature of the wrong length, for instance
  }
  return 'signature does not match';
}

function reply(res, status, doc, extra) {
  const body = Buffer.from(JSON.stringify(doc), 'utf8');
  res.writeHead(status, Object.assign({
    'Content-Type': 'application/json',
    'Content-Length': body.length,
    Connection: 'close',
  }, extra || {}));
  res.end(body); // Node leaves the body out of a HEAD reply itself
}

async function handle(req, res) {
  if (req.method !== 'POST') {
    reply(res, 405, { Status: 'method not allowed', Reason: 'OSS callbacks are POST requests' }, { Allow: 'POST' });
    return;
  }
  const lengthHeader = req.headers['content-length'];
  if (lengthHeader === undefined || req.headers['transfer-encoding'] !== undefined) {
    reply(res, 411, { Status: 'length required', Reason: 'send the body with a Content-Length' });
    return;
  }
  if (!/^\s*\d+\s*$/.test(lengthHeader)) {
    reply(res, 400, { Status: 'bad request', Reason: 'invalid Content-Length' });
    return;
  }
  // Node keeps the first of duplicated authorization headers and joins others: refuse both
  const names = req.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
  if (['authorization', 'x-oss-pub-key-url'].some((h) => names.filter((n) => n === h).length > 1)) {
    reply(res, 400, { Status: 'verify not ok', Reason: 'duplicated x-oss-pub-key-url or authorization header' });
    return;
  }
  if (Number(lengthHeader) > MAX_BODY) {
    reply(res, 413, { Status: 'body too large', Reason: `the body is over ${MAX_BODY} bytes` });
    return;
  }
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const body = Buffer.concat(chunks); // the raw bytes OSS signed: never re-serialise them
  if (!req.complete || body.length !== Number(lengthHeader)) {
    reply(res, 400, { Status: 'bad request', Reason: 'the body is shorter than its Content-Length' });
    return;
  }
  const target = req.url; // the raw target from the request line
  const at = target.indexOf('?');
  const rawPath = at < 0 ? target : target.slice(0, at);
  const rawQuery = at < 0 ? '' : target.slice(at + 1);
  const reason = await verify('POST', rawPath, rawQuery, req.headers, body);
  if (reason) {
    console.error(`callback rejected: ${reason}`);
    reply(res, 400, { Status: 'verify not ok', Reason: reason });
    return;
  }
  if (!enqueue({ body, headers: req.headers })) {
    reply(res, 503, { Status: 'busy', Reason: 'work queue full; callback verified but not accepted' });
    return;
  }
  reply(res, 200, { Status: 'OK' });
}

function main() {
  const host = process.env.OSS_CALLBACK_HOST || '127.0.0.1';
  const portText = process.env.OSS_CALLBACK_PORT || '8080';
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
    console.error(`OSS_CALLBACK_PORT: not a port: ${JSON.stringify(portText)}`);
    process.exit(2);
  }
  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      console.error(`callback failed: ${err && err.stack ? err.stack : err}`);
      if (!res.headersSent) reply(res, 400, { Status: 'bad request', Reason: 'could not read the request' });
    });
  });
  server.requestTimeout = 30000; // a client that stops sending must not hold a connection forever
  // What Node's parser refuses before any handler: JSON too, and 405 for a method it does not know.
  server.on('clientError', (err, socket) => {
    if (!socket.writable || err.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const table = {
      HPE_INVALID_METHOD: [405, 'method not allowed', 'OSS callbacks are POST requests'],
      HPE_HEADER_OVERFLOW: [431, 'request header fields too large', 'the headers are over 16 KiB'],
      ERR_HTTP_REQUEST_TIMEOUT: [408, 'request timeout', 'the request took too long'],
      HPE_HEADERS_TIMEOUT: [408, 'request timeout', 'the headers took too long'],
    };
    let [status, word, reason] = table[err.code] || [400, 'bad request', `malformed request (${err.code || 'parse error'})`];
    // a Content-Length too large for the parser (20 digits) is still "too large", not malformed
    const declared = /\r\ncontent-length:[ \t]*(\d+)[ \t]*\r\n/gi;
    const found = [...(err.rawPacket ? err.rawPacket.toString('latin1') : '').matchAll(declared)];
    if (err.code === 'HPE_INVALID_CONTENT_LENGTH' && found.length === 1 && found[0][1].replace(/^0+/, '').length > 15) {
      [status, word, reason] = [413, 'body too large', `the body is over ${MAX_BODY} bytes`];
    }
    const body = JSON.stringify({ Status: word, Reason: reason });
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json\r\n`
      + `Content-Length: ${Buffer.byteLength(body)}\r\n${status === 405 ? 'Allow: POST\r\n' : ''}Connection: close\r\n\r\n${body}`);
  });
  server.listen(Number(portText), host, () => {
    console.log(`oss callback receiver listening on http://${host}:${server.address().port}/`);
  });
}

module.exports = { verify, enqueue, normalizePrefix, parseTrusted, keyUrlProblem, percentDecode };

if (require.main === module) main();
