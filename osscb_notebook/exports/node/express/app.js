// A minimal Express app with the middleware a real one has on (sessions, JSON and urlencoded body
// parsers) and the OSS callback route mounted under /hooks/oss/callback.
//
//     npm ci          # or npm install: the versions in package-lock.json
//     node app.js     # 127.0.0.1:8080; OSS_CALLBACK_HOST / OSS_CALLBACK_PORT (or PORT) to change
//
// Environment: OSS_CALLBACK_TRUSTED_KEY_URLS (extra trusted key URL prefixes, comma-separated; read
// when oss_callback_receiver.js is required), SESSION_SECRET (set it in production).
'use strict';

const crypto = require('node:crypto');
const express = require('express');
const session = require('express-session');
const { ossCallback, CALLBACK_PATHS } = require('./oss-callback');

const app = express();
app.disable('x-powered-by');
app.use(session({
  secret: process.env.SESSION_SECRET || crypto.randomBytes(32).toString('hex'),
  resave: false,
  saveUninitialized: false,
}));
app.use(CALLBACK_PATHS, ossCallback); // before the body parsers: it needs the bytes OSS signed
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
