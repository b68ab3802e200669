// ali-oss in its default (virtual-host) mode: Host is BUCKET.oss-cn-hangzhou.aliyuncs.com:PORT, while
// every connection goes to the emulator on 127.0.0.1 (a custom DNS lookup, so nothing leaves the machine).
// Usage: node roundtrip.js PORT ACCESS_KEY_ID ACCESS_KEY_SECRET KEY [DOMAIN]
const http = require('http');
const OSS = require('ali-oss');

const [port, id, secret, key, domain] = process.argv.slice(2);
const lookup = (hostname, options, callback) => {
  if (options && options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
};
const client = new OSS({
  endpoint: `http://${domain || 'oss-cn-hangzhou.aliyuncs.com'}:${port}`,
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
