// A minimal Express app with the middleware a real one has on (sessions, JSON and urlencoded body
// parsers) and the OSS callback router mounted under /hooks/oss/callback, ahead of them.
//
//     npm ci          # or npm install: the versions in package-lock.json
//     node app.js     # 127.0.0.1:8080; OSS_CALLBACK_HOST / OSS_CALLBACK_PORT (or PORT) to change
//
// Environment: OSS_CALLBACK_TRUSTED_KEY_URLS (extra trusted key URL prefixes, comma-separated; read
// when oss_callback_receiver.js is required), SESSION_SECRET (set it in production).
'use strict';

const crypto = require('node:crypto');
const http = require('node:http');
const express = require('express');
const session = require('express-session');
const { ossCallback, CALLBACK_PATHS } = require('./oss-callback');

const app = express();
app.disable('x-powered-by');
// First, before the app's global middleware: the callback needs none of it. The body parsers would
// consume the bytes OSS signed; express-session would mint a session for every callback (OSS sends
// no cookie), which halves the callbacks served. Behind the session middleware it works as well.
app.use(CALLBACK_PATHS, ossCallback);
app.use(session({
  secret: process.env.SESSION_SECRET || crypto.randomBytes(32).toString('hex'),
  resave: false,
  saveUninitialized: false,
}));
app.use(express.json());
app.use(express.urlencoded({ extended: false }));

app.post('/notes', (req, res) => {
  req.session.notes = [...(req.session.notes || []), String((req.body && req.body.note) || '')];
  res.json({ notes: req.session.notes.length });
});

const host = process.env.OSS_CALLBACK_HOST || '127.0.0.1';
const port = Number(process.env.OSS_CALLBACK_PORT || process.env.PORT || 8080);
const server = app.listen(port, host, () => {
  console.log(`express app listening on http://${host}:${server.address().port}/ (OSS callbacks under ${CALLBACK_PATHS.join(', ')})`);
});
// What Node's parser refuses before Express runs (headers over 16 KiB, a malformed request line):
// a JSON 4xx, and the socket closed gracefully. Node's default handler resets the connection, and
// a client still sending (64 KiB of headers) may then never read the reply.
server.on('clientError', (err, socket) => {
  if (!socket.writable || err.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const timeout = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || err.code === 'HPE_HEADERS_TIMEOUT';
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : timeout ? 408 : 400;
  const body = JSON.stringify({ Status: 'bad request', Reason: `refused before the app: ${err.code || 'malformed request'}` });
  socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json\r\n`
    + `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
});
