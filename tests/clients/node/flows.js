// The three upload-callback flows of OSS's client demo table with the Node.js ali-oss client:
// unchanged app code pointed at the emulator by configuration only.
//
//   OSS_ACCESS_KEY_ID=... OSS_ACCESS_KEY_SECRET=... node flows.js --endpoint http://127.0.0.1:9000 \
//       --style virtual --sign v1 --ok-url http://127.0.0.1:8080/callback [--fail-url URL]
//
// Same options and JSON lines as the Go, Java and Python programs. Virtual-host style (ali-oss's
// default) names BUCKET.oss-REGION.aliyuncs.com; a custom DNS lookup sends it to the emulator's
// address (the DNS entry a machine would need): nothing leaves loopback.
const http = require('http');
const OSS = require('ali-oss');

const NAME = 'ali-oss';
const opts = {
  endpoint: 'http://127.0.0.1:9000', style: 'virtual', sign: 'v1', bucket: 'demo', region: 'cn-hangzhou',
  'ok-url': '', 'fail-url': '', prefix: 'clients/node', flows: 'put-form,put-json,multipart,presigned',
};
const argv = process.argv.slice(2);
for (let i = 0; i + 1 < argv.length; i += 2) {
  const name = argv[i].replace(/^--?/, '');
  if (!(name in opts)) { console.error(`unknown option ${argv[i]}`); process.exit(2); }
  opts[name] = argv[i + 1];
}
const { OSS_ACCESS_KEY_ID: id, OSS_ACCESS_KEY_SECRET: secret } = process.env;
if (!id || !secret || !opts['ok-url']) {
  console.error('set OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET and --ok-url');
  process.exit(2);
}
const address = new URL(opts.endpoint);
const lookup = (hostname, options, callback) => {
  if (options && options.all) callback(null, [{ address: address.hostname, family: 4 }]);
  else callback(null, address.hostname, 4);
};
const agent = new http.Agent({ lookup, keepAlive: false });
const client = new OSS({
  endpoint: opts.style === 'path' ? opts.endpoint : `http://oss-${opts.region}.aliyuncs.com:${address.port}`,
  sldEnable: opts.style === 'path', // path style: PUT /BUCKET/KEY
  authorizationV4: opts.sign === 'v4',
  region: `oss-${opts.region}`,
  bucket: opts.bucket,
  accessKeyId: id,
  accessKeySecret: secret,
  agent,
  retryMax: 0,
  timeout: 60000,
});
const BODIES = {
  form: ['bucket=${bucket}&object=${object}&size=${size}&uid=${x:uid}', 'application/x-www-form-urlencoded'],
  json: ['{"bucket":${bucket},"object":${object},"size":${size},"uid":${x:uid}}', 'application/json'],
};
// ali-oss's own callback option: it Base64-encodes callback and callback-var (customValue keys get x:)
const callback = (url, bodyType, uid) => ({
  url, body: BODIES[bodyType][0], contentType: BODIES[bodyType][1], customValue: { uid },
});
const xmlField = (body, name) => {
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(body || '');
  return m ? m[1] : '';
};

function plainPut(url, headers, data) {
  // a plain PUT of the presigned URL with Node's http module (no Content-Type: none was signed)
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'PUT', headers: { ...headers, 'Content-Length': data.length }, agent },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve([res.statusCode, Buffer.concat(chunks).toString()]));
      });
    req.on('error', reject);
    req.end(data);
  });
}

async function run(flow, step, url) {
  const { key, uid } = step;
  if (flow === 'put-form' || flow === 'put-json') {
    const r = await client.put(key, Buffer.from(`from ${NAME}`), { callback: callback(url, flow.slice(4), uid) });
    step.status = r.res.status;
    step.reply = r.data;
  } else if (flow === 'multipart') {
    const init = await client.initMultipartUpload(key);
    const parts = [];
    const data = [Buffer.alloc(100 * 1024, 'a'), Buffer.from('the last part')];
    for (let i = 0; i < data.length; i += 1) {
      const part = await client.uploadPart(key, init.uploadId, i + 1, data[i], 0, data[i].length);
      parts.push({ number: i + 1, etag: part.etag });
    }
    const r = await client.completeMultipartUpload(key, init.uploadId, parts, { callback: callback(url, 'json', uid) });
    step.status = r.res.status;
    step.reply = r.data;
  } else {
    let signed;
    if (opts.sign === 'v4') {
      // signatureUrlV4 takes no callback option: the Base64 parameters go into its signed queries
      const cb = callback(url, 'form', uid);
      const queries = {
        callback: Buffer.from(JSON.stringify({ callbackUrl: url, callbackBody: cb.body, callbackBodyType: cb.contentType })).toString('base64'),
        'callback-var': Buffer.from(JSON.stringify({ 'x:uid': uid })).toString('base64'),
      };
      signed = await client.signatureUrlV4('PUT', 600, { headers: {}, queries }, key);
    } else {
      signed = client.signatureUrl(key, { method: 'PUT', expires: 600, callback: callback(url, 'form', uid) });
    }
    const [status, body] = await plainPut(signed, {}, Buffer.from(`from ${NAME} presigned`));
    step.status = status;
    if (status === 200) step.reply = JSON.parse(body);
    else Object.assign(step, { code: xmlField(body, 'Code'), ec: xmlField(body, 'EC'), message: xmlField(body, 'Message') });
  }
}

(async () => {
  const flows = opts.flows.split(',');
  const cases = [['ok', opts['ok-url']]].concat(opts['fail-url'] ? [['fail', opts['fail-url']]] : []);
  for (const [kase, url] of cases) {
    for (const flow of ['put-form', 'put-json', 'multipart', 'presigned']) {
      if (!flows.includes(flow)) continue;
      const step = {
        client: NAME, flow, case: kase, status: null, reply: null, code: '', ec: '', message: '', error: '', raised: false,
        key: `${opts.prefix}/${NAME}/${opts.sign}-${opts.style}/${flow}-${kase}.txt`,
        uid: `${NAME} ${opts.sign}-${opts.style} ${flow}/${kase}`,
      };
      try {
        await run(flow, step, url);
      } catch (err) {
        // a 203 is an error whose status is 203 and code CallbackFailed
        step.raised = true;
        if (err.status) Object.assign(step, { status: err.status, code: err.code, ec: err.ec || '', message: err.message });
        else step.error = String(err && err.stack ? err.stack : err);
      }
      console.log(JSON.stringify(step));
    }
  }
})();
