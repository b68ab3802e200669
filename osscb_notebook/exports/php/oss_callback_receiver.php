<?php
/*
 * Minimal OSS upload-callback receiver for your own server (exported by osscb-notebook).
 * One file, PHP 8 standard library plus the bundled openssl extension (`php -m | grep openssl`).
 * Two ways to run it, both answering callbacks on ANY path:
 *
 *     php oss_callback_receiver.php [--host HOST] [--port PORT]     # recommended
 *     php -S 127.0.0.1:8080 oss_callback_receiver.php               # PHP's built-in server
 *
 * The first (host and port from the flags, else OSS_CALLBACK_HOST, default 127.0.0.1, and
 * OSS_CALLBACK_PORT, default 8080, 0 = any free port) checks OSS_CALLBACK_TRUSTED_KEY_URLS (a bad
 * prefix is a one-line startup error), prints "listening on http://HOST:PORT/" and serves with
 * this file's own small HTTP/1.1 server: one forked process per connection (pcntl, in php-cli on
 * Linux; at most 64 at once, 503 beyond), each request read within 30 s. So a slow key fetch or a
 * stalled client holds only its own process, and every answer below is this file's, in JSON.
 * Without pcntl it falls back to the built-in server, started with PHP_CLI_SERVER_WORKERS=4.
 *
 * PHP's built-in server (php -S) is a development server, and it decides some answers before this
 * script runs (measured with PHP 8.2; this file cannot change them):
 *  - a huge Content-Length (10^12, or 99999999999999999999) makes it allocate that much, log "Out
 *    of memory" and EXIT: no 413, and no server until restarted;
 *  - a lower-case "post" request line, a non-numeric or conflicting Content-Length, or a body
 *    shorter than its Content-Length (the client half-closes): the connection closes with no answer;
 *  - an unknown method (FOO): 501 in HTML;
 *  - one request at a time unless PHP_CLI_SERVER_WORKERS=N (Linux), so one slow key fetch (3 s at
 *    most) holds every other callback meanwhile;
 *  - a bad OSS_CALLBACK_TRUSTED_KEY_URLS can only be reported per request, with a 500.
 * Under PHP-FPM (nginx) or Apache, route the callback path to this file; the web server does the
 * framing there. Apache hides the authorization header from PHP unless you add, in .htaccess or
 * the vhost,
 *     RewriteEngine On
 *     RewriteRule .* - [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]
 * (or "CGIPassAuth On"); Laravel's public/.htaccess already has that rule.
 *
 * The rules (the same in every receiver osscb-notebook exports):
 *  - the key URL (Base64 in x-oss-pub-key-url) must start with OSS's own prefix
 *    http(s)://gosspublic.alicdn.com/ or a prefix listed, comma-separated, in the environment
 *    variable OSS_CALLBACK_TRUSTED_KEY_URLS. A prefix naming only a host gets a "/" so that it
 *    pins scheme, host and port. Any other URL is rejected WITHOUT being fetched (a forger would
 *    point it at their own key), and so is any URL with "\", "@", "#", spaces, control or non-ASCII
 *    characters, an encoded "/", "\" or "%" (%2f, %5c, %25), or a "." or ".." segment once
 *    percent-decoded, however it ends ("/", "?", "#", ";" or the end: "PREFIX..?x=1" and
 *    "PREFIX%2e%2e" too);
 *  - OSS's key (RSA-512) is pinned below, so real callbacks verify with no fetch; other trusted
 *    keys are fetched once per server (3 s in total, 16 KiB at most, no redirects) and cached in a
 *    private temporary directory (OSS_CALLBACK_KEY_CACHE_DIR), as PHP keeps nothing between
 *    requests; an flock makes concurrent callbacks wait for one fetch, and a failed fetch is
 *    remembered for 10 s, so the callbacks behind a slow key server fail at once instead of each
 *    waiting 3 s again;
 *  - string to sign = the percent-decoded path (rawurldecode: percent-decoding only, to bytes: '+'
 *    stays '+', a malformed '%' escape is kept literally), then '?' and the raw query if there is
 *    one, then "\n" and the raw body bytes; the signature is RSA PKCS#1 v1.5 with MD5 (Base64 in
 *    authorization);
 *  - replies 200 {"Status":"OK"} with Content-Length; 400 JSON when verification fails, for a
 *    duplicated authorization or x-oss-pub-key-url header, a non-numeric or conflicting
 *    Content-Length and a body shorter than its Content-Length; 405 for any method but POST
 *    (exactly: "post" too); 411 with no Content-Length (a chunked body included); 413 for a body
 *    over 1 MiB; 503 {"Status":"busy"} when the work spool is full (spool mode, below) or, in this
 *    file's server, when 64 connections are open; "x_oss_pub_key_url" (underscores) is another
 *    header, never the key URL (read from getallheaders() where PHP has it, not $_SERVER, which
 *    maps both spellings to HTTP_X_OSS_PUB_KEY_URL);
 *  - no BOM and no stray output: this file starts with "<?php" and has no closing "?>" (text after
 *    a "?>", or a BOM an editor adds before "<?php", is sent ahead of the JSON: OSS then reports
 *    "Response body is not valid json format"); warnings are logged, never displayed.
 *
 * Answer fast, work later: OSS waits at most 5 seconds for the reply, holds the client's upload
 * open meanwhile, and never retries a failed callback (the client gets 203 CallbackFailed). PHP
 * has no threads, so after replying:
 *  - in this file's server, the connection's process closes the connection, then runs slow_work();
 *  - under PHP-FPM, fastcgi_finish_request() sends the reply and closes the connection, then
 *    slow_work() runs in the same worker (pm.max_children bounds how many run at once);
 *  - elsewhere, with OSS_CALLBACK_SPOOL_DIR set, each verified callback is written there as a JSON
 *    file (at most 1000 waiting: 503 beyond) and `php oss_callback_receiver.php --work` (run it
 *    under systemd or supervisor) hands each to slow_work();
 *  - otherwise slow_work() runs after the reply has been flushed: fine for quick work, but the
 *    built-in server's worker takes no other request meanwhile.
 * Only the spool and this file's server answer 503 when full; under PHP-FPM the pool's
 * pm.max_children is the bound (nginx answers 502/504 when it is exhausted).
 *
 * Laravel: the tested hookup is `osscb export-receiver --lang php --framework laravel` (folder
 * exports/php/laravel/ in osscb-notebook): a route and controller that require this file and call
 * OssCallback::verify() with $request->getRealMethod(), the raw $request->getRequestUri(), the
 * headers and the raw $request->getContent() (never $request->all() or a re-encoded form), outside
 * the CSRF middleware. OSS requires a Content-Length on the reply: check yours with `curl -i`
 * (behind nginx + PHP-FPM a reply without one can go out chunked, and OSS reports it).
 */

declare(strict_types=1);

final class OssCallback
{
    public const OFFICIAL_PREFIXES = ['http://gosspublic.alicdn.com/', 'https://gosspublic.alicdn.com/'];
    public const MAX_BODY = 1048576;
    public const MAX_KEY_BYTES = 16384;
    public const FETCH_TIMEOUT = 3.0;
    public const QUEUE_SIZE = 1000;
    public const FAILURE_MEMORY = 10;  // seconds: a failed key fetch is not retried for this long

    /** OSS's callback public key (RSA-512), public data, pinned for both official URLs. */
    public const OFFICIAL_PUBLIC_KEY_PEM = "-----BEGIN PUBLIC KEY-----\n"
        . "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAKs/JBGzwUB2aVht4crBx3oIPBLNsjGs\n"
        . "C0fTXv+nvlmklvkcolvpvXLTjaxUHR3W9LXxQ2EHXAJfCB+6H2YF1k8CAwEAAQ==\n"
        . "-----END PUBLIC KEY-----\n";

    /**
     * Verify one callback; returns null when it verifies, else the reason.
     *
     * @param string      $method   the HTTP method ("POST")
     * @param string      $rawPath  the path exactly as received, still percent-encoded, without the query
     * @param string|null $rawQuery the query exactly as received, without the '?'; null or '' when none
     * @param array       $headers  header name => value (or list of values, as Laravel's
     *                              $request->headers->all()); names in any case
     * @param string      $body     the raw body bytes, never a re-serialised form or JSON
     */
    public static function verify(string $method, string $rawPath, ?string $rawQuery, array $headers, string $body): ?string
    {
        if ($method !== 'POST') {
            return 'not a POST';
        }
        try {
            self::trustedPrefixes();
        } catch (InvalidArgumentException $e) {
            return $e->getMessage();
        }
        foreach (['x-oss-pub-key-url', 'authorization'] as $name) {
            if (self::count($headers, $name) > 1) {
                return 'duplicated x-oss-pub-key-url or authorization header';
            }
        }
        $keyUrl = self::b64(self::header($headers, 'x-oss-pub-key-url'));
        $signature = self::b64(self::header($headers, 'authorization'));
        if ($keyUrl === null || $signature === null || preg_match('~[\x80-\xff]~', $keyUrl)) {
            return 'malformed x-oss-pub-key-url or authorization header';
        }
        if ($keyUrl === '' || $signature === '') {
            return 'missing x-oss-pub-key-url or authorization header';
        }
        $problem = self::keyUrlProblem($keyUrl);
        if ($problem !== null) {
            return $problem;
        }
        try {
            $key = self::publicKeyFor($keyUrl);
        } catch (RuntimeException $e) {
            return 'cannot get the public key: ' . $e->getMessage();
        }
        $message = rawurldecode($rawPath) . (($rawQuery ?? '') !== '' ? '?' . $rawQuery : '') . "\n" . $body;
        if (openssl_verify($message, $signature, $key, OPENSSL_ALGO_MD5) === 1) {
            return null;
        }
        while (openssl_error_string() !== false) {
            // a signature of the wrong length leaves an error queued: it does not match either
        }
        return 'signature does not match';
    }

    /** The first value of header $name from $headers, whatever the case of its key. */
    public static function header(array $headers, string $name): ?string
    {
        foreach ($headers as $key => $value) {
            if (strtolower((string) $key) === $name) {
                $value = is_array($value) ? reset($value) : $value;
                return $value === false || $value === null ? null : (string) $value;
            }
        }
        return null;
    }

    /** How many values of header $name $headers holds (keys in any case; a value may be a list). */
    public static function count(array $headers, string $name): int
    {
        $n = 0;
        foreach ($headers as $key => $value) {
            if (strtolower((string) $key) === $name) {
                $n += is_array($value) ? count($value) : 1;
            }
        }
        return $n;
    }

    /** The request headers as name => value: getallheaders() (names as sent) where the SAPI has
     * it, else those PHP passes in $_SERVER (where "x_oss_pub_key_url" and "x-oss-pub-key-url"
     * are one HTTP_X_OSS_PUB_KEY_URL: nginx and Apache drop the underscore spelling first). */
    public static function headersFromServer(array $server): array
    {
        if (PHP_SAPI === 'cli-server' && function_exists('getallheaders')) {
            $headers = getallheaders();
            if (!isset($headers['authorization']) && !isset($headers['Authorization']) && isset($server['REDIRECT_HTTP_AUTHORIZATION'])) {
                $headers['authorization'] = (string) $server['REDIRECT_HTTP_AUTHORIZATION'];
            }
            return $headers;
        }
        $headers = [];
        foreach ($server as $key => $value) {
            if (is_string($value) && strncmp((string) $key, 'HTTP_', 5) === 0) {
                $headers[strtolower(str_replace('_', '-', substr((string) $key, 5)))] = $value;
            }
        }
        // Apache's RewriteRule [E=...] lands there when PHP runs as CGI/FastCGI
        if (!isset($headers['authorization']) && isset($server['REDIRECT_HTTP_AUTHORIZATION'])) {
            $headers['authorization'] = (string) $server['REDIRECT_HTTP_AUTHORIZATION'];
        }
        return $headers;
    }

    /** Strict Base64 (padding required, no stray characters): '' when absent, null when malformed. */
    private static function b64(?string $value): ?string
    {
        if ($value === null) {
            return '';
        }
        $value = trim($value);
        if (strlen($value) % 4 !== 0 || !preg_match('~\A[A-Za-z0-9+/]*={0,2}\z~', $value)) {
            return null;
        }
        $decoded = base64_decode($value, true);
        return $decoded === false ? null : $decoded;
    }

    /** Space, control, non-ASCII, backslash, '#' or '@': never in a URL OSS sends. */
    private static function badChars(string $text): bool
    {
        return preg_match('~[\x00-\x20\x7f-\xff\\\\#@]~', $text) === 1;
    }

    /** A "." or ".." segment once percent-decoded, however it ends ("/", "?", "#", ";", "\\" or the
     * end), or an encoded "/", "\\" or "%" (a key server may decode and resolve them). */
    private static function dotSegment(string $url): bool
    {
        return preg_match('~%(2f|5c|25)~i', $url) === 1
            || preg_match('~(^|[/?#;\\\\])\.\.?([/?#;\\\\]|$)~', rawurldecode($url)) === 1;
    }

    /** Why $keyUrl may not be used (it is then never fetched), or null when it is trusted. */
    public static function keyUrlProblem(string $keyUrl): ?string
    {
        if (self::badChars($keyUrl) || self::dotSegment($keyUrl)) {
            return "key URL has forbidden characters, an encoded '/', or a dot segment (not fetched)";
        }
        foreach (self::trustedPrefixes() as $prefix) {
            if (str_starts_with($keyUrl, $prefix)) {
                return null;
            }
        }
        return 'key URL is not under a trusted prefix (not fetched)';
    }

    /** OSS's prefixes plus OSS_CALLBACK_TRUSTED_KEY_URLS; throws InvalidArgumentException on a bad one. */
    public static function trustedPrefixes(): array
    {
        static $prefixes = null;
        if ($prefixes === null) {
            $list = self::OFFICIAL_PREFIXES;
            $env = (string) getenv('OSS_CALLBACK_TRUSTED_KEY_URLS');
            foreach (trim($env) === '' ? [] : explode(',', $env) as $prefix) {
                $list[] = self::normalizePrefix($prefix);  // an empty entry is an error, not skipped
            }
            $prefixes = $list;
        }
        return $prefixes;
    }

    /** A trusted key URL prefix: an http(s) URL with a host, ending with '/' (added if missing),
     * so that it pins the scheme, host and port. */
    public static function normalizePrefix(string $entry): string
    {
        $prefix = trim($entry);
        [$scheme, $rest] = array_pad(explode('://', $prefix, 2), 2, null);
        $host = explode('/', (string) $rest, 2)[0];
        if ($rest === null || !in_array($scheme, ['http', 'https'], true) || !preg_match('~\A[A-Za-z0-9.:\[\]-]+\z~', $host)
            || self::badChars($prefix) || str_contains($prefix, '?') || self::dotSegment($rest)) {
            throw new InvalidArgumentException('OSS_CALLBACK_TRUSTED_KEY_URLS: not an http(s) URL prefix: '
                . json_encode($prefix, JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE));
        }
        return str_ends_with($prefix, '/') ? $prefix : $prefix . '/';
    }

    /** The pinned key, a cached one, or the one fetched from a trusted URL (once: an flock
     * makes concurrent PHP-FPM workers wait for a single fetch). */
    private static function publicKeyFor(string $url): OpenSSLAsymmetricKey
    {
        if (in_array($url, array_map(fn ($p) => $p . 'callback_pub_key_v1.pem', self::OFFICIAL_PREFIXES), true)) {
            return self::parsePem(self::OFFICIAL_PUBLIC_KEY_PEM);
        }
        $dir = self::privateDir((string) getenv('OSS_CALLBACK_KEY_CACHE_DIR') ?: sys_get_temp_dir() . '/oss-callback-keys-' . self::uid());
        if ($dir === null) {
            return self::parsePem(self::fetch($url));  // no safe place to cache: fetch every time
        }
        // keyed by the server process too: a restarted server (or another one, later, on the same
        // port) fetches afresh, as the Python receiver does
        $file = $dir . '/' . hash('sha256', (getenv('OSS_CALLBACK_SERVER_TAG') ?: self::processTag()) . "\n" . $url) . '.pem';
        $lock = fopen($file . '.lock', 'c');
        if ($lock !== false) {
            flock($lock, LOCK_EX);
        }
        try {
            $pem = @file_get_contents($file);
            if ($pem === false || $pem === '') {
                $failed = @file_get_contents("$file.failed");
                if ($failed !== false && ($age = microtime(true) - (float) $failed) < self::FAILURE_MEMORY) {
                    throw new RuntimeException(sprintf('fetching it failed %.1f s ago; not retried for %d s',
                                                       $age, self::FAILURE_MEMORY));
                }
                try {
                    $pem = self::fetch($url);
                    $key = self::parsePem($pem);  // only a good key is cached
                } catch (RuntimeException $e) {
                    @file_put_contents("$file.failed", (string) microtime(true));
                    throw $e;
                }
                $tmp = $file . '.' . bin2hex(random_bytes(4));
                if (@file_put_contents($tmp, $pem) !== false) {
                    @rename($tmp, $file);
                }
                foreach (glob("$dir/*") ?: [] as $old) {  // entries of servers long gone
                    if (@filemtime($old) < time() - 86400) {
                        @unlink($old);
                    }
                }
                return $key;
            }
            return self::parsePem($pem);
        } finally {
            if ($lock !== false) {
                flock($lock, LOCK_UN);
                fclose($lock);
            }
        }
    }

    /** GET $url over HTTP/1.0: 3 s in total, at most MAX_KEY_BYTES, redirects refused (they
     * could leave the trusted prefix). Sockets, not the http:// wrapper, so that the deadline
     * covers connecting, headers and body, and allow_url_fopen may stay off. */
    private static function fetch(string $url): string
    {
        $u = parse_url($url);
        $https = strtolower($u['scheme'] ?? '') === 'https';
        $host = $u['host'] ?? '';
        $port = $u['port'] ?? ($https ? 443 : 80);
        $target = ($u['path'] ?? '/') . (isset($u['query']) ? '?' . $u['query'] : '');
        $deadline = microtime(true) + self::FETCH_TIMEOUT;
        $ctx = stream_context_create(['ssl' => ['peer_name' => trim($host, '[]'), 'verify_peer' => true]]);
        $sock = @stream_socket_client(($https ? 'tls://' : 'tcp://') . "$host:$port", $errno, $errstr,
                                      self::FETCH_TIMEOUT, STREAM_CLIENT_CONNECT, $ctx);
        if ($sock === false) {
            throw new RuntimeException("cannot connect to $host:$port: $errstr");
        }
        try {
            $hostHeader = isset($u['port']) ? "$host:$port" : $host;
            fwrite($sock, "GET $target HTTP/1.0\r\nHost: $hostHeader\r\nAccept: */*\r\nConnection: close\r\n\r\n");
            $data = '';
            while (!feof($sock)) {
                $left = $deadline - microtime(true);
                if ($left <= 0) {
                    throw new RuntimeException("fetching $url took longer than 3 s");
                }
                stream_set_timeout($sock, (int) $left, (int) (($left - floor($left)) * 1e6));
                $chunk = fread($sock, 8192);
                if (stream_get_meta_data($sock)['timed_out']) {
                    throw new RuntimeException("fetching $url took longer than 3 s");
                }
                if ($chunk === false) {
                    break;
                }
                $data .= $chunk;
                if (strlen($data) > self::MAX_KEY_BYTES + 8192) {
                    throw new RuntimeException("the key at $url is larger than 16 KiB");
                }
            }
        } finally {
            fclose($sock);
        }
        [$head, $body] = array_pad(explode("\r\n\r\n", $data, 2), 2, '');
        if (!preg_match('~\AHTTP/\d\.\d (\d{3})~', $head, $m)) {
            throw new RuntimeException("GET $url did not answer HTTP");
        }
        if ($m[1] !== '200') {
            throw new RuntimeException("GET $url answered {$m[1]}, not 200");
        }
        if (strlen($body) > self::MAX_KEY_BYTES) {
            throw new RuntimeException("the key at $url is larger than 16 KiB");
        }
        return $body;
    }

    private static function parsePem(string $pem): OpenSSLAsymmetricKey
    {
        if (!str_contains($pem, '-----BEGIN PUBLIC KEY-----')) {
            throw new RuntimeException('not a PEM public key (-----BEGIN PUBLIC KEY-----)');
        }
        $key = openssl_pkey_get_public($pem);
        if ($key === false || (openssl_pkey_get_details($key)['type'] ?? -1) !== OPENSSL_KEYTYPE_RSA) {
            while (openssl_error_string() !== false) {
            }
            throw new RuntimeException('not an RSA public key in PEM form');
        }
        return $key;
    }

    /** $dir, created 0700 if need be, or null when another user owns it or may write to it
     * (they could plant a key or a job there). */
    public static function privateDir(string $dir): ?string
    {
        if (!is_dir($dir)) {
            @mkdir($dir, 0700, true);
        }
        clearstatcache(true, $dir);
        if (!is_dir($dir) || !is_writable($dir) || (fileperms($dir) & 0022) !== 0
            || (function_exists('posix_geteuid') && fileowner($dir) !== posix_geteuid())) {
            error_log("oss callback: not using $dir: it is missing, or not private to this user");
            return null;
        }
        return $dir;
    }

    /** This server process: its pid, and on Linux its start time (pids are reused). */
    private static function processTag(): string
    {
        $stat = @file_get_contents('/proc/self/stat');
        $fields = $stat === false ? [] : explode(' ', substr($stat, (int) strrpos($stat, ')') + 2));
        return getmypid() . '-' . ($fields[19] ?? '');
    }

    private static function uid(): string
    {
        return function_exists('posix_geteuid') ? (string) posix_geteuid() : get_current_user();
    }
}

/** Your fast reply for a verified callback (OSS passes it to the uploading client): JSON-able. */
function handle_callback(array $job): array
{
    return ['Status' => 'OK'];
}

/** Your slow work for a verified callback; runs after the reply (see the header comment). */
function slow_work(array $job): void
{
    // YOUR SLOW WORK GOES HERE (database, thumbnails, mail...)
}

// ------------------------------------------------------------------ the tiny server

/** $doc, or {"Status": $doc, "Reason": $reason}, as JSON with Content-Length. */
function oss_callback_reply(int $status, array|string $doc, ?string $reason = null, array $headers = []): void
{
    $doc = is_string($doc) ? ['Status' => $doc, 'Reason' => $reason] : $doc;
    $body = json_encode($doc, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);  // no BOM
    http_response_code($status);
    header('Content-Type: application/json');
    header('Content-Length: ' . strlen($body));
    header('Connection: close');
    foreach ($headers as $header) {
        header($header);
    }
    echo $body;
}

function oss_callback_serve(): void
{
    ini_set('display_errors', '0');  // a warning printed ahead of the JSON would spoil the reply
    ini_set('log_errors', '1');
    try {
        OssCallback::trustedPrefixes();
    } catch (InvalidArgumentException $e) {
        error_log($e->getMessage());
        oss_callback_reply(500, 'receiver misconfigured', $e->getMessage());
        return;
    }
    $method = $_SERVER['REQUEST_METHOD'] ?? 'GET';
    if ($method !== 'POST') {
        oss_callback_reply(405, 'method not allowed', 'OSS callbacks are POST requests', ['Allow: POST']);
        return;
    }
    $declared = $_SERVER['CONTENT_LENGTH'] ?? $_SERVER['HTTP_CONTENT_LENGTH'] ?? null;
    // OSS sends a Content-Length; a chunked body is refused as the Python export does
    if ($declared === null || $declared === '' || isset($_SERVER['HTTP_TRANSFER_ENCODING'])) {
        oss_callback_reply(411, 'length required', 'send the body with a Content-Length');
        return;
    }
    if (!preg_match('~\A\d+\z~', trim((string) $declared))) {
        oss_callback_reply(400, 'bad request', 'invalid Content-Length');
        return;
    }
    if ((int) $declared > OssCallback::MAX_BODY) {
        oss_callback_reply(413, 'body too large', 'the body is over ' . OssCallback::MAX_BODY . ' bytes');
        return;
    }
    $body = (string) file_get_contents('php://input', false, null, 0, OssCallback::MAX_BODY + 1);  // the raw bytes OSS signed
    if (strlen($body) > OssCallback::MAX_BODY) {
        oss_callback_reply(413, 'body too large', 'the body is over ' . OssCallback::MAX_BODY . ' bytes');
        return;
    }
    $target = (string) ($_SERVER['REQUEST_URI'] ?? '/');  // raw, as OSS signed it
    $target = (string) preg_replace('~\A[A-Za-z][A-Za-z0-9+.-]*://[^/?]*~', '', $target);  // absolute-form: keep the path
    [$path, $query] = array_pad(explode('?', $target, 2), 2, null);
    $headers = OssCallback::headersFromServer($_SERVER);
    $reason = OssCallback::verify($method, $path, $query, $headers, $body);
    if ($reason !== null) {
        error_log("callback rejected: $reason");
        oss_callback_reply(400, 'verify not ok', $reason);
        return;
    }
    $job = ['path' => $path, 'query' => $query, 'headers' => $headers, 'body' => $body];
    $answer = handle_callback($job);
    $spool = getenv('OSS_CALLBACK_SPOOL_DIR');
    if (function_exists('fastcgi_finish_request')) {
        oss_callback_reply(200, $answer);
        fastcgi_finish_request();  // PHP-FPM: OSS has its reply and the connection is closed
        slow_work($job);
    } elseif ($spool !== false && $spool !== '') {
        $dir = OssCallback::privateDir($spool);
        $waiting = $dir === null ? 0 : count(glob("$dir/*.job") ?: []);
        $job['body'] = base64_encode($body);
        $name = sprintf('%s/%.6f-%s', (string) $dir, microtime(true), bin2hex(random_bytes(4)));
        if ($dir === null || $waiting >= OssCallback::QUEUE_SIZE
            || file_put_contents("$name.tmp", json_encode($job, JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE)) === false
            || !rename("$name.tmp", "$name.job")) {
            error_log("callback verified but the work spool $spool is full or not writable: answered 503");
            oss_callback_reply(503, 'busy', 'work queue full; callback verified but not accepted');
            return;
        }
        oss_callback_reply(200, $answer);
    } else {
        oss_callback_reply(200, $answer);
        flush();
        slow_work($job);
    }
}

// ------------------------------------------------------------------ this file's own server

const OSS_CALLBACK_MAX_CONNECTIONS = 64;
const OSS_CALLBACK_REQUEST_TIME = 30.0;  // seconds to send a whole request
const OSS_CALLBACK_MAX_HEAD = 65536;
const OSS_CALLBACK_TOKEN = '[!#$%&\'*+.^_`|~0-9A-Za-z-]+';

/** Send one JSON reply on $conn ($doc, or {"Status": $doc, "Reason": $reason}) and close it. */
function oss_callback_send($conn, int $status, array|string $doc, ?string $reason = null, array $headers = []): void
{
    static $phrases = [200 => 'OK', 400 => 'Bad Request', 405 => 'Method Not Allowed', 408 => 'Request Timeout',
        411 => 'Length Required', 413 => 'Content Too Large', 431 => 'Request Header Fields Too Large',
        500 => 'Internal Server Error', 503 => 'Service Unavailable'];
    $doc = is_string($doc) ? ['Status' => $doc, 'Reason' => $reason] : $doc;
    $body = json_encode($doc, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE);
    $head = "HTTP/1.1 $status " . ($phrases[$status] ?? 'Error') . "\r\nContent-Type: application/json\r\n"
        . 'Content-Length: ' . strlen($body) . "\r\n";
    foreach ($headers as $header) {
        $head .= "$header\r\n";
    }
    @fwrite($conn, $head . "Connection: close\r\n\r\n" . $body);
    @fclose($conn);
}

/** Up to $n bytes from $conn before $deadline: '' at the end of the stream, null when time is up. */
function oss_callback_read($conn, int $n, float $deadline): ?string
{
    $left = $deadline - microtime(true);
    if ($left <= 0) {
        return null;
    }
    stream_set_timeout($conn, (int) $left, (int) (fmod($left, 1.0) * 1e6));
    $chunk = @fread($conn, $n);
    if (stream_get_meta_data($conn)['timed_out']) {
        return null;
    }
    return $chunk === false ? '' : $chunk;
}

/** One connection, in its own process: read the request (30 s at most), answer, then slow_work(). */
function oss_callback_connection($conn): void
{
    $deadline = microtime(true) + OSS_CALLBACK_REQUEST_TIME;
    $data = '';
    while (($end = strpos($data, "\r\n\r\n")) === false) {
        if (strlen($data) > OSS_CALLBACK_MAX_HEAD) {
            oss_callback_send($conn, 431, 'request header fields too large', 'the headers are over 64 KiB');
            return;
        }
        $chunk = oss_callback_read($conn, 8192, $deadline);
        if ($chunk === null) {
            oss_callback_send($conn, 408, 'request timeout', 'the request took longer than 30 s');
            return;
        }
        if ($chunk === '') {
            if ($data !== '') {
                oss_callback_send($conn, 400, 'bad request', 'the request ends inside its headers');
            }
            @fclose($conn);
            return;
        }
        $data .= $chunk;
    }
    $lines = explode("\r\n", substr($data, 0, $end));
    $rest = (string) substr($data, $end + 4);
    if (!preg_match('/\A(' . OSS_CALLBACK_TOKEN . ') (\S+) HTTP\/1\.[01]\z/', (string) array_shift($lines), $m)) {
        oss_callback_send($conn, 400, 'bad request', 'malformed request line');
        return;
    }
    [, $method, $target] = $m;
    $headers = [];  // name as sent => list of values
    foreach ($lines as $line) {
        if (!preg_match('/\A(' . OSS_CALLBACK_TOKEN . '):[ \t]*(.*?)[ \t]*\z/', $line, $h)) {
            oss_callback_send($conn, 400, 'bad request', 'malformed header line');
            return;
        }
        $headers[$h[1]][] = $h[2];
    }
    if ($method !== 'POST') {
        oss_callback_send($conn, 405, 'method not allowed', 'OSS callbacks are POST requests', ['Allow: POST']);
        return;
    }
    $lengths = [];
    $chunked = false;
    foreach ($headers as $name => $values) {
        $lower = strtolower((string) $name);
        if ($lower === 'content-length') {
            array_push($lengths, ...$values);
        } elseif ($lower === 'transfer-encoding') {
            $chunked = true;
        }
    }
    if ($lengths === [] || $chunked) {  // OSS sends a Content-Length; a chunked body is refused
        oss_callback_send($conn, 411, 'length required', 'send the body with a Content-Length');
        return;
    }
    if (count(array_unique($lengths)) > 1 || !preg_match('~\A\d+\z~', $lengths[0])) {
        oss_callback_send($conn, 400, 'bad request', 'invalid Content-Length');
        return;
    }
    $digits = ltrim($lengths[0], '0');
    if (strlen($digits) > 9 || (int) $digits > OssCallback::MAX_BODY) {
        oss_callback_send($conn, 413, 'body too large', 'the body is over ' . OssCallback::MAX_BODY . ' bytes');
        return;
    }
    $length = (int) $digits;
    $body = $rest;
    while (strlen($body) < $length) {
        $chunk = oss_callback_read($conn, min(65536, $length - strlen($body)), $deadline);
        if ($chunk === null) {
            oss_callback_send($conn, 408, 'request timeout', 'the request took longer than 30 s');
            return;
        }
        if ($chunk === '') {
            oss_callback_send($conn, 400, 'bad request', 'the body is shorter than its Content-Length');
            return;
        }
        $body .= $chunk;
    }
    $body = substr($body, 0, $length);  // the raw bytes OSS signed
    $target = (string) preg_replace('~\A[A-Za-z][A-Za-z0-9+.-]*://[^/?]*~', '', $target);  // absolute-form: keep the path
    [$path, $query] = array_pad(explode('?', $target, 2), 2, null);
    $reason = OssCallback::verify($method, $path, $query, $headers, $body);
    if ($reason !== null) {
        error_log("callback rejected: $reason");
        oss_callback_send($conn, 400, 'verify not ok', $reason);
        return;
    }
    $job = ['path' => $path, 'query' => $query, 'headers' => array_map(fn ($v) => $v[0], $headers), 'body' => $body];
    oss_callback_send($conn, 200, handle_callback($job));
    slow_work($job);  // after the reply, in this connection's own process
}

/** Serve on $host:$port with one forked process per connection (at most 64; 503 beyond). */
function oss_callback_fork_server(string $host, string $port): void
{
    $shown = str_contains($host, ':') ? "[$host]" : $host;
    $server = @stream_socket_server("tcp://$shown:$port", $errno, $errstr);
    if ($server === false) {
        fwrite(STDERR, "cannot listen on $shown:$port: $errstr\n");
        exit(1);
    }
    $name = (string) stream_socket_get_name($server, false);
    // one key cache for all the connections' processes, fresh for each server
    putenv('OSS_CALLBACK_SERVER_TAG=' . getmypid() . '-' . bin2hex(random_bytes(8)));
    fwrite(STDOUT, "oss callback receiver listening on http://$shown:" . substr($name, strrpos($name, ':') + 1) . "/\n");
    fflush(STDOUT);
    $children = [];
    while (true) {
        while (($pid = pcntl_waitpid(-1, $status, WNOHANG)) > 0) {
            unset($children[$pid]);
        }
        $conn = @stream_socket_accept($server, 1.0);
        if ($conn === false) {
            continue;
        }
        $pid = count($children) >= OSS_CALLBACK_MAX_CONNECTIONS ? -1 : pcntl_fork();
        if ($pid === 0) {
            fclose($server);
            try {
                oss_callback_connection($conn);
            } catch (Throwable $e) {
                error_log("callback failed: $e");
                oss_callback_send($conn, 500, 'internal error', 'see the receiver\'s log');
            }
            exit(0);
        }
        if ($pid === -1) {
            oss_callback_send($conn, 503, 'busy', OSS_CALLBACK_MAX_CONNECTIONS . ' connections are open; try again');
            continue;
        }
        $children[$pid] = true;
        fclose($conn);
    }
}

/** `php oss_callback_receiver.php --work`: hand the spooled callbacks to slow_work(), oldest first. */
function oss_callback_work(string $spool): void
{
    $dir = OssCallback::privateDir($spool);
    if ($dir === null) {
        fwrite(STDERR, "error: OSS_CALLBACK_SPOOL_DIR $spool is not a private directory\n");
        exit(2);
    }
    fwrite(STDOUT, "working on jobs in $dir\n");
    while (true) {
        $jobs = glob("$dir/*.job") ?: [];
        sort($jobs);
        foreach ($jobs as $file) {
            $claimed = "$file.working";
            if (!@rename($file, $claimed)) {
                continue;  // another worker took it
            }
            $job = json_decode((string) file_get_contents($claimed), true);
            $job['body'] = base64_decode((string) ($job['body'] ?? ''));
            try {
                slow_work($job);
            } catch (Throwable $e) {
                fwrite(STDERR, "slow work failed: $e\n");
            }
            unlink($claimed);
        }
        if ($jobs === []) {
            usleep(200000);
        }
    }
}

/** `php oss_callback_receiver.php [--host HOST] [--port PORT]`: check the configuration, say
 * what is wrong in one line, then serve with this file's own server (pcntl), or else become the
 * built-in server with this file as its router (with 4 workers unless PHP_CLI_SERVER_WORKERS says). */
function oss_callback_launch(array $args): void
{
    $host = (string) (getenv('OSS_CALLBACK_HOST') ?: '127.0.0.1');
    $port = getenv('OSS_CALLBACK_PORT');
    $port = $port === false || $port === '' ? '8080' : $port;
    for ($i = 0; $i < count($args); $i += 2) {
        if (!in_array($args[$i], ['--host', '--port'], true) || !isset($args[$i + 1])) {
            fwrite(STDERR, "usage: php oss_callback_receiver.php [--host HOST] [--port PORT] | --work\n");
            exit(2);
        }
        if ($args[$i] === '--host') {
            $host = $args[$i + 1];
        } else {
            $port = $args[$i + 1];
        }
    }
    if (!preg_match('~\A\d{1,5}\z~', $port) || (int) $port > 65535) {
        fwrite(STDERR, "OSS_CALLBACK_PORT: not a port: \"$port\"\n");
        exit(2);
    }
    ini_set('display_errors', '0');  // a warning printed ahead of the JSON would spoil the reply
    ini_set('log_errors', '1');
    if (function_exists('pcntl_fork')) {
        oss_callback_fork_server($host, $port);
    }
    if (getenv('PHP_CLI_SERVER_WORKERS') === false) {
        putenv('PHP_CLI_SERVER_WORKERS=4');  // one slow key fetch then holds one worker, not all
    }
    $argv = ['-d', 'display_errors=0', '-d', 'log_errors=1', '-S', (str_contains($host, ':') ? "[$host]" : $host) . ":$port", __FILE__];
    if (function_exists('pcntl_exec')) {
        pcntl_exec(PHP_BINARY, $argv);  // returns only if it failed
    }
    passthru(implode(' ', array_map('escapeshellarg', [PHP_BINARY, ...$argv])), $status);
    exit($status);
}

if (debug_backtrace() === []) {  // run as the entry script (php -S, php FILE), not required by a framework
    if (PHP_SAPI === 'cli') {
        try {
            OssCallback::trustedPrefixes();
        } catch (InvalidArgumentException $e) {
            fwrite(STDERR, $e->getMessage() . "\n");
            exit(2);
        }
        if (in_array('--work', $argv, true)) {
            $spool = (string) getenv('OSS_CALLBACK_SPOOL_DIR');
            if ($spool === '') {
                fwrite(STDERR, "error: set OSS_CALLBACK_SPOOL_DIR to the directory the receiver spools to\n");
                exit(2);
            }
            oss_callback_work($spool);
        }
        oss_callback_launch(array_slice($argv, 1));
    }
    oss_callback_serve();
}
