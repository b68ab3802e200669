// OSS upload callbacks in an Express app: middleware plus route, built on the verify() of
// oss_callback_receiver.js (exported by osscb-notebook; tested with the versions in package.json).
//
//     const { ossCallback, CALLBACK_PATHS } = require('./oss-callback');
//     app.use(CALLBACK_PATHS, ossCallback);   // first: BEFORE express.json() / express.urlencoded()
//
// It answers POST at every path of CALLBACK_PATHS and below it (/hooks/oss/callback/<anything>).
// OSS signs the path of your callbackUrl, so the URL you give OSS must be one of these paths: add
// yours to CALLBACK_PATHS rather than moving the route.
//
// What makes it work in a real app:
//   * the body is read by express.raw() on this router, mounted before the global body parsers:
//     express.json() / express.urlencoded() would consume the stream and hand over parsed values,
//     and JSON.stringify / qs.stringify of them are not the bytes OSS signed. If a parser did run
//     first, the callback is refused with a 400 that says so;
//   * the path is req.originalUrl, the raw request target (req.url is cut under a mounted router,
//     req.path drops the query, req.params are decoded);
//   * replies: 200 {"Status":"OK"}; 400 with a Reason when verification fails; 405 for anything but
//     POST; 413 over 1 MiB; 503 when the work queue is full. Each with Content-Length.
//
// Your slow work goes in processCallback() of oss_callback_receiver.js: it runs after the reply,
// from that file's bounded queue. OSS waits at most 5 s and never retries.
'use strict';

const express = require('express');
// verify() and the bounded work queue (your slow work: processCallback() there) are the stand-alone file's
const { verify, enqueue } = require('./oss_callback_receiver.js');

const HOOK_PATH = '/hooks/oss/callback';
// The paths OSS posts to (each also answers its sub-paths). Add the path of your callbackUrl here.
const CALLBACK_PATHS = [HOOK_PATH];
const MAX_BODY = 1024 * 1024; // a generous cap: OSS's callback bodies are small (the template is at most 5 KB of Base64)

// The request path exactly as sent (still percent-encoded) and the raw query ('' if none).
function rawTarget(req) {
  let target = req.originalUrl;
  const scheme = target.indexOf('://');
  if (scheme >= 0 && scheme < target.split('?')[0].length) { // absolute form: POST http://host/path
    const slash = target.indexOf('/', scheme + 3);
    target = slash < 0 ? '/' : target.slice(slash);
  }
  const at = target.indexOf('?');
  return at < 0 ? [target, ''] : [target.slice(0, at), target.slice(at + 1)];
}

async function handle(req, res) {
  if (req.method !== 'POST') {
    res.set('Allow', 'POST').status(405).json({ Status: 'method not allowed', Reason: 'OSS callbacks are POST requests' });
    return;
  }
  let body = req.body;
  if (body === undefined) body = Buffer.alloc(0); // no body at all
  if (!Buffer.isBuffer(body)) {
    res.status(400).json({ Status: 'bad request', Reason: 'the body was parsed before this route: mount ossCallback before the body parsers' });
    return;
  }
  const [rawPath, rawQuery] = rawTarget(req);
  const reason = await verify('POST', rawPath, rawQuery, req.headers, body);
  if (reason) {
    console.error(`callback rejected: ${reason}`);
    res.status(400).json({ Status: 'verify not ok', Reason: reason });
    return;
  }
  if (!enqueue({ body, headers: { ...req.headers } })) {
    res.status(503).json({ Status: 'busy', Reason: 'work queue full; callback verified but not accepted' });
    return;
  }
  res.status(200).json({ Status: 'OK' });
}

const ossCallback = express.Router();
// every content type, as bytes; no inflating: OSS signs the bytes it sends
ossCallback.use(express.raw({ type: () => true, limit: MAX_BODY, inflate: false }));
ossCallback.use(handle);
// a body that cannot be read (too large, aborted, encoded) is the client's fault: JSON 4xx, never 5xx
ossCallback.use((err, req, res, next) => {
  const status = err.status >= 400 && err.status < 500 ? err.status : 400;
  res.status(status).json({ Status: 'bad request', Reason: String(err.message || err) });
});

module.exports = { ossCallback, CALLBACK_PATHS, HOOK_PATH, rawTarget };
