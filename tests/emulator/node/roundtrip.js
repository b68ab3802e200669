// The real ali-oss client against the emulator: put, get, head, a bucket listing and a missing key.
// Usage: node roundtrip.js PORT ACCESS_KEY_ID ACCESS_KEY_SECRET KEY [--domain=DOMAIN] [--path-style] [--v4]
//   default: virtual-host mode, Host BUCKET.oss-cn-hangzhou.aliyuncs.com:PORT (or BUCKET.DOMAIN:PORT)
//            while every connection goes to 127.0.0.1 (a custom DNS lookup: nothing leaves the machine);
//   --path-style: endpoint http://127.0.0.1:PORT with sldEnable, so requests are PUT /BUCKET/KEY
//            (ali-oss still sends Host: BUCKET.oss-cn-hangzhou.aliyuncs.com for an IP endpoint);
//   --v4: sign with V4 (authorizationV4) instead of V1.
const http = require('http');
const OSS = require('ali-oss');

const [port, id, secret, key, ...flags] = process.argv.slice(2);
const option = (name) => flags.find((f) => f === `--${name}` || f.startsWith(`--${name}=`));
const domain = (option('domain') || '').split('=')[1] || 'oss-cn-hangzhou.aliyuncs.com';
const lookup = (hostname, options, callback) => {
  if (options && options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
};
const client = new OSS({
  endpoint: option('path-style') ? `http://127.0.0.1:${port}` : `http://${domain}:${port}`,
  sldEnable: Boolean(option('path-style')),
  authorizationV4: Boolean(option('v4')),
  region: 'oss-cn-hangzhou',
  bucket: 'demo',
  accessKeyId: id,
  accessKeySecret: secret,
  agent: new http.Agent({ lookup, keepAlive: false }),
  retryMax: 0,
  timeout: 10000,
});

(async () => {
  const out = {};
  try {
    const put = await client.put(key, Buffer.from('from ali-oss'));
    out.put = put.res.status;
    out.get = (await client.get(key)).content.toString();
    out.head = (await client.head(key)).status;
    out.list = ((await client.list({ prefix: key, 'max-keys': 10 })).objects || []).map((o) => o.name);
    try {
      await client.head(`${key}-missing`);
    } catch (err) {
      out.missing = [err.status, err.code];
    }
  } catch (err) {
    out.error = [err.status, err.code, err.message];
  }
  console.log(JSON.stringify(out));
})();
