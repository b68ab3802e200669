/*
 * Minimal OSS upload-callback receiver for your own server (exported by osscb-notebook).
 * One file, JDK 17+ standard library only. Run it as a single-file program:
 *
 *     java OssCallbackReceiver.java --host 0.0.0.0 --port 8080
 *
 * Host and port come from --host/--port, else OSS_CALLBACK_HOST (default 127.0.0.1) and
 * OSS_CALLBACK_PORT (default 8080; 0 picks a free port). It prints one line with the URL it
 * listens on, then answers callbacks on ANY path.
 *
 * The rules (the same in every receiver osscb-notebook exports):
 *  - the key URL (Base64 in x-oss-pub-key-url) must start with OSS's own prefix
 *    http(s)://gosspublic.alicdn.com/ or a prefix listed, comma-separated, in the environment
 *    variable OSS_CALLBACK_TRUSTED_KEY_URLS (or given with --trust-key-url PREFIX). A prefix naming
 *    only a host gets a "/" so that it pins scheme, host and port; an invalid prefix stops the
 *    receiver at startup. Any other URL is rejected WITHOUT being fetched (a forger would point it
 *    at their own key), and so is any URL with "\", "@", "#", spaces, control or non-ASCII
 *    characters, an encoded "/", "\" or "%" (%2f, %5c, %25), or a "." or ".." segment once
 *    percent-decoded, however it ends ("/", "?", "#", ";" or the end: "PREFIX..?x=1" and
 *    "PREFIX%2e%2e" too);
 *  - OSS's key (RSA-512) is pinned below, so real callbacks verify with no fetch; other trusted
 *    keys are fetched once (3 s in total, 16 KiB at most, no redirects, one fetch in flight per
 *    URL: callbacks arriving meanwhile wait for it) and cached; a failed fetch is remembered for
 *    10 s, so the callbacks behind a slow key server fail at once instead of each waiting 3 s again;
 *  - string to sign = the percent-decoded path (percent-decoding only, to bytes: '+' stays '+'),
 *    then '?' and the raw query if there is one, then '\n' and the raw body bytes; the signature
 *    is RSA PKCS#1 v1.5 with MD5 (Base64 in authorization). The JDK's MD5withRSA accepts OSS's
 *    512-bit key on JDK 17 and 25 (both tested);
 *  - replies 200 {"Status":"OK"} with Content-Length; 400 JSON when verification fails, for a
 *    duplicated authorization or x-oss-pub-key-url header, a conflicting Content-Length and a body
 *    shorter than its Content-Length; 405 for any method but POST (exactly: "post" too); 411 with
 *    no Content-Length (a chunked body included); 413 for a body over 1 MiB; 503 {"Status":"busy"}
 *    when the work queue is full;
 *  - what the JDK's HttpServer answers itself, before any handler (HTML, not JSON; this file
 *    cannot change it): 400 for a malformed request line, a target with a malformed '%' escape
 *    (its URI parser refuses it, as Tomcat does), and for a Content-Length that is
 *    non-numeric or conflicting (a 20-digit one too: 400 there, where the others answer 413);
 *  - stalled clients: HttpServer reads each request on the handler pool, so the pool here grows
 *    with the open connections (a fixed pool of 16 let 16 idle connections hold every callback
 *    for 30 s), and a request still unread after 30 s is cut off (sun.net.httpserver.maxReqTime).
 *
 * Answer fast, work later: OSS waits at most 5 seconds for the reply, holds the client's upload
 * open meanwhile, and never retries a failed callback (the client gets 203 CallbackFailed). So the
 * handler only verifies and replies; slow work (database, thumbnails, messages) goes through a
 * bounded queue to one worker thread: put it in slowWork() below, the reply in handleCallback().
 *
 * Spring Boot: the tested hookup is `osscb export-receiver --lang java --framework spring` (folder
 * exports/java/spring/ in osscb-notebook): a @RestController that reads the raw body from
 * request.getInputStream() (never @RequestBody on a form body: Spring rebuilds it from the
 * parameter map and breaks the signature), the raw target from getRequestURI() and
 * getQueryString(), and calls OssCallbackReceiver.verify(); the callback path is exempt from CSRF.
 */

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

public final class OssCallbackReceiver {

    static final List<String> OFFICIAL_PREFIXES =
            List.of("http://gosspublic.alicdn.com/", "https://gosspublic.alicdn.com/");
    static final int MAX_BODY = 1024 * 1024;
    static final int MAX_KEY_BYTES = 16 * 1024;
    static final int FETCH_TIMEOUT_MS = 3000;
    static final int QUEUE_SIZE = 1000;
    static final long FAILURE_MEMORY_MS = 10_000;  // a failed key fetch is not retried for this long

    /** OSS's callback public key (RSA-512), public data, pinned for both official URLs. */
    static final String OFFICIAL_PUBLIC_KEY_PEM = "-----BEGIN PUBLIC KEY-----\n"
            + "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAKs/JBGzwUB2aVht4crBx3oIPBLNsjGs\n"
            + "C0fTXv+nvlmklvkcolvpvXLTjaxUHR3W9LXxQ2EHXAJfCB+6H2YF1k8CAwEAAQ==\n"
            + "-----END PUBLIC KEY-----\n";

    /** A dot segment, however it ends (initialised before trustedPrefixes, which uses it). */
    static final java.util.regex.Pattern DOT_SEGMENT = java.util.regex.Pattern.compile("(^|[/?#;\\\\])\\.\\.?([/?#;\\\\]|$)");

    /** Why OSS_CALLBACK_TRUSTED_KEY_URLS is unusable, or null. */
    static String configError;
    /** OSS's prefixes plus OSS_CALLBACK_TRUSTED_KEY_URLS, read when the class loads (so Spring
     * code calling verify() gets the same allowlist); main() adds --trust-key-url prefixes. */
    static volatile List<String> trustedPrefixes = trustedFromEnv();
    /** key URL -> key; a future so that concurrent callbacks share one fetch. */
    static final ConcurrentHashMap<String, CompletableFuture<PublicKey>> KEYS = new ConcurrentHashMap<>();
    /** key URL -> when its fetch failed (System.nanoTime()); the failed future stays in KEYS meanwhile. */
    static final ConcurrentHashMap<String, Long> FAILED_AT = new ConcurrentHashMap<>();
    static final ExecutorService FETCHERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "key-fetch");
        t.setDaemon(true);
        return t;
    });

    static {
        PublicKey official = parsePem(OFFICIAL_PUBLIC_KEY_PEM.getBytes(StandardCharsets.US_ASCII));
        for (String prefix : OFFICIAL_PREFIXES) {
            KEYS.put(prefix + "callback_pub_key_v1.pem", CompletableFuture.completedFuture(official));
        }
    }

    static List<String> trustedFromEnv() {
        List<String> prefixes = new ArrayList<>(OFFICIAL_PREFIXES);
        String env = System.getenv().getOrDefault("OSS_CALLBACK_TRUSTED_KEY_URLS", "");
        if (!env.isBlank()) {
            for (String entry : env.split(",", -1)) {  // an empty entry is an error, not skipped
                try {
                    prefixes.add(normalizePrefix(entry));
                } catch (IllegalArgumentException e) {
                    configError = "OSS_CALLBACK_TRUSTED_KEY_URLS: " + e.getMessage();
                    return OFFICIAL_PREFIXES;
                }
            }
        }
        return List.copyOf(prefixes);
    }

    /** A verified callback waiting for slowWork(). */
    record Job(String path, String query, Map<String, List<String>> headers, byte[] body) { }

    static final BlockingQueue<Job> JOBS = new ArrayBlockingQueue<>(QUEUE_SIZE);

    /** Your fast reply for a verified callback (OSS passes it to the uploading client): JSON. */
    static String handleCallback(Job job) {
        return "{\"Status\":\"OK\"}";
    }

    /** Your slow work for a verified callback; runs on the worker thread after the reply. */
    static void slowWork(Job job) {
        // YOUR SLOW WORK GOES HERE (database, thumbnails, messages...)
    }

    // ---------------------------------------------------------------- verification

    /**
     * Verify one callback; returns null when it verifies, else the reason.
     *
     * @param method   the HTTP method ("POST")
     * @param rawPath  the path exactly as received, still percent-encoded, without the query
     * @param rawQuery the query exactly as received, without the '?'; null or "" when there is none
     * @param header   looks a header up by name, case-insensitively (e.g. request::getHeader); null if absent
     * @param body     the raw body bytes, never a re-serialised form or JSON
     */
    public static String verify(String method, String rawPath, String rawQuery,
                                Function<String, String> header, byte[] body) {
        if (!"POST".equals(method)) {
            return "not a POST";
        }
        if (configError != null) {
            return configError;
        }
        byte[] keyUrlBytes = b64(header.apply("x-oss-pub-key-url"));
        byte[] signature = b64(header.apply("authorization"));
        String keyUrl;
        try {
            keyUrl = keyUrlBytes == null ? null : StandardCharsets.US_ASCII.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(keyUrlBytes)).toString();
        } catch (CharacterCodingException e) {
            keyUrl = null;
        }
        if (keyUrl == null || signature == null) {
            return "malformed x-oss-pub-key-url or authorization header";
        }
        if (keyUrl.isEmpty() || signature.length == 0) {
            return "missing x-oss-pub-key-url or authorization header";
        }
        String problem = keyUrlProblem(keyUrl);
        if (problem != null) {
            return problem;
        }
        PublicKey key;
        try {
            key = publicKeyFor(keyUrl);
        } catch (Exception e) {
            return "cannot get the public key: " + e.getMessage();
        }
        byte[] path = percentDecode(bytesOf(rawPath == null ? "" : rawPath));
        byte[] query = rawQuery == null || rawQuery.isEmpty() ? new byte[0] : bytesOf("?" + rawQuery);
        ByteArrayOutputStream message = new ByteArrayOutputStream(path.length + query.length + 1 + body.length);
        message.writeBytes(path);
        message.writeBytes(query);
        message.write('\n');
        message.writeBytes(body);
        try {
            Signature rsa = Signature.getInstance("MD5withRSA");
            rsa.initVerify(key);
            rsa.update(message.toByteArray());
            if (rsa.verify(signature)) {
                return null;
            }
        } catch (java.security.GeneralSecurityException e) {
            // a signature of the wrong length lands here: it does not match either
        }
        return "signature does not match";
    }

    /** Strict Base64 (padding required, no stray characters), null when malformed or absent. */
    static byte[] b64(String value) {
        if (value == null) {
            return new byte[0];
        }
        String v = value.strip();
        if (v.length() % 4 != 0) {
            return null;
        }
        try {
            return Base64.getDecoder().decode(v);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Space, control, non-ASCII, backslash, '#' or '@': never in a URL OSS sends. */
    static boolean badChars(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c <= 0x20 || c >= 0x7f || c == '\\' || c == '#' || c == '@') {
                return true;
            }
        }
        return false;
    }

    /** A "." or ".." segment once percent-decoded, however it ends ("/", "?", "#", ";", "\\" or the
     * end), or an encoded "/", "\\" or "%" (a key server may decode and resolve them). */
    static boolean dotSegment(String url) {
        String lower = url.toLowerCase(java.util.Locale.ROOT);
        if (lower.contains("%2f") || lower.contains("%5c") || lower.contains("%25")) {
            return true;
        }
        byte[] decoded = percentDecode(url.getBytes(StandardCharsets.ISO_8859_1));
        return DOT_SEGMENT.matcher(new String(decoded, StandardCharsets.ISO_8859_1)).find();
    }

    /** Why keyUrl may not be used (it is then never fetched), or null when it is trusted. */
    static String keyUrlProblem(String keyUrl) {
        if (badChars(keyUrl) || dotSegment(keyUrl)) {
            return "key URL has forbidden characters, an encoded '/', or a dot segment (not fetched)";
        }
        for (String prefix : trustedPrefixes) {
            if (keyUrl.startsWith(prefix)) {
                return null;
            }
        }
        return "key URL is not under a trusted prefix (not fetched)";
    }

    /** The cached key, or the one fetched (once, shared by concurrent callers) from a trusted URL;
     * a failure is shared with the callers waiting for it and remembered for FAILURE_MEMORY_MS. */
    static PublicKey publicKeyFor(String keyUrl) throws Exception {
        CompletableFuture<PublicKey> old = KEYS.get(keyUrl);
        Long failed = FAILED_AT.get(keyUrl);
        if (old != null && old.isCompletedExceptionally() && failed != null
                && System.nanoTime() - failed >= FAILURE_MEMORY_MS * 1_000_000L) {
            KEYS.remove(keyUrl, old);  // an old failure: try again
        }
        CompletableFuture<PublicKey> mine = new CompletableFuture<>();
        CompletableFuture<PublicKey> known = KEYS.putIfAbsent(keyUrl, mine);
        if (known == null) {
            known = mine;
            FETCHERS.execute(() -> {
                try {
                    mine.complete(parsePem(fetch(keyUrl)));
                } catch (Throwable e) {
                    FAILED_AT.put(keyUrl, System.nanoTime());
                    mine.completeExceptionally(e);
                }
            });
        }
        try {
            return known.get(FETCH_TIMEOUT_MS + 500, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new Exception(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new Exception("fetching " + keyUrl + " took longer than 3 s");
        }
    }

    /** GET url: 3 s in total, at most MAX_KEY_BYTES, redirects refused (they could leave the prefix). */
    static byte[] fetch(String url) throws Exception {
        HttpURLConnection conn = (HttpURLConnection) new URL(url).openConnection();
        conn.setInstanceFollowRedirects(false);
        conn.setConnectTimeout(FETCH_TIMEOUT_MS);
        conn.setReadTimeout(FETCH_TIMEOUT_MS);
        conn.setUseCaches(false);
        CompletableFuture<byte[]> result = CompletableFuture.supplyAsync(() -> {
            try {
                int status = conn.getResponseCode();
                if (status != 200) {
                    throw new IllegalStateException("GET " + url + " answered " + status + ", not 200");
                }
                try (InputStream in = conn.getInputStream()) {
                    byte[] pem = in.readNBytes(MAX_KEY_BYTES + 1);
                    if (pem.length > MAX_KEY_BYTES) {
                        throw new IllegalStateException("the key at " + url + " is larger than 16 KiB");
                    }
                    return pem;
                }
            } catch (IOException e) {
                throw new IllegalStateException("GET " + url + " failed: " + e, e);
            }
        }, FETCHERS);
        try {
            return result.get(FETCH_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new Exception("fetching " + url + " took longer than 3 s");
        } catch (ExecutionException e) {
            throw new Exception(e.getCause().getMessage());
        } finally {
            conn.disconnect();  // also ends a fetch still dripping after the deadline
        }
    }

    static PublicKey parsePem(byte[] pem) {
        String text = new String(pem, StandardCharsets.US_ASCII).strip();
        if (!text.startsWith("-----BEGIN PUBLIC KEY-----") || !text.contains("-----END PUBLIC KEY-----")) {
            throw new IllegalArgumentException("not a PEM public key (-----BEGIN PUBLIC KEY-----)");
        }
        String b64 = text.substring("-----BEGIN PUBLIC KEY-----".length(), text.indexOf("-----END PUBLIC KEY-----"));
        try {
            PublicKey key = KeyFactory.getInstance("RSA")
                    .generatePublic(new X509EncodedKeySpec(Base64.getMimeDecoder().decode(b64)));
            if (!(key instanceof RSAPublicKey)) {
                throw new IllegalArgumentException("not an RSA key");
            }
            return key;
        } catch (java.security.GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("not an RSA public key in PEM form: " + e.getMessage());
        }
    }

    /** A raw path or query as bytes: chars up to U+00FF are bytes (servlet containers and this
     * server read the request line as ISO-8859-1); a string with wider chars is taken as UTF-8. */
    static byte[] bytesOf(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 0xff) {
                return s.getBytes(StandardCharsets.UTF_8);
            }
        }
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Percent-decoding only ('+' stays '+'); a malformed escape is kept as it is. */
    static byte[] percentDecode(byte[] in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
        for (int i = 0; i < in.length; i++) {
            if (in[i] == '%' && i + 2 < in.length && hex(in[i + 1]) >= 0 && hex(in[i + 2]) >= 0) {
                out.write(hex(in[i + 1]) * 16 + hex(in[i + 2]));
                i += 2;
            } else {
                out.write(in[i]);
            }
        }
        return out.toByteArray();
    }

    static int hex(byte b) {
        return Character.digit((char) (b & 0xff), 16);
    }

    static String quoted(String s) {
        return "'" + (s.length() > 200 ? s.substring(0, 200) + "..." : s) + "'";
    }

    // ---------------------------------------------------------------- the tiny server

    static void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            if (!"POST".equals(method)) {
                exchange.getResponseHeaders().set("Allow", "POST");
                reply(exchange, 405, json("method not allowed", "OSS callbacks are POST requests"));
                return;
            }
            String declared = exchange.getRequestHeaders().getFirst("Content-Length");
            // OSS sends a Content-Length; a chunked body is refused as the Python export does
            if (declared == null || exchange.getRequestHeaders().getFirst("Transfer-Encoding") != null) {
                reply(exchange, 411, json("length required", "send the body with a Content-Length"));
                return;
            }
            String digits = declared.strip();
            List<String> declaredAll = exchange.getRequestHeaders().get("Content-Length");
            if (!digits.matches("[0-9]+") || declaredAll.stream().map(String::strip).distinct().count() > 1) {
                reply(exchange, 400, json("bad request", "invalid Content-Length"));
                return;
            }
            if (digits.length() > 9 || Integer.parseInt(digits) > MAX_BODY) {
                reply(exchange, 413, json("body too large", "the body is over " + MAX_BODY + " bytes"));
                return;
            }
            byte[] body;
            try {
                body = exchange.getRequestBody().readNBytes(MAX_BODY + 1);  // the raw bytes OSS signed
            } catch (IOException e) {  // the client closed before sending all of it
                reply(exchange, 400, json("bad request", "the body is shorter than its Content-Length"));
                return;
            }
            if (body.length > MAX_BODY) {
                reply(exchange, 413, json("body too large", "the body is over " + MAX_BODY + " bytes"));
                return;
            }
            if (body.length != Integer.parseInt(digits)) {
                reply(exchange, 400, json("bad request", "the body is shorter than its Content-Length"));
                return;
            }
            for (String name : List.of("authorization", "x-oss-pub-key-url")) {
                List<String> values = exchange.getRequestHeaders().get(name);
                if (values != null && values.size() > 1) {
                    reply(exchange, 400, json("verify not ok", "duplicated x-oss-pub-key-url or authorization header"));
                    return;
                }
            }
            // The raw request target, as OSS signed it. getRawPath() would read a leading "//"
            // as an authority, so take everything before '?' of a relative target.
            URI uri = exchange.getRequestURI();
            String target = uri.isAbsolute() ? uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery())
                                             : uri.getRawSchemeSpecificPart();
            int q = target.indexOf('?');
            String rawPath = q < 0 ? target : target.substring(0, q);
            String rawQuery = q < 0 ? null : target.substring(q + 1);
            String reason = verify(method, rawPath, rawQuery, exchange.getRequestHeaders()::getFirst, body);
            if (reason != null) {
                log("callback rejected: " + reason);
                reply(exchange, 400, json("verify not ok", reason));
                return;
            }
            Job job = new Job(rawPath, rawQuery, Map.copyOf(exchange.getRequestHeaders()), body);
            String answer = handleCallback(job);
            if (!JOBS.offer(job)) {
                log("callback verified but the work queue is full (" + QUEUE_SIZE + " jobs): answered 503");
                reply(exchange, 503, json("busy", "work queue full; callback verified but not accepted"));
                return;
            }
            reply(exchange, 200, answer);
        } catch (RuntimeException e) {
            log("error: " + e);  // our fault, not the sender's: a 500, if the reply has not started
            try {
                reply(exchange, 500, json("internal error", "see the receiver's log"));
            } catch (IOException | RuntimeException ignored) {
                // the reply had started; the connection closes
            }
        }
    }

    /** {"Status":status,"Reason":reason} (non-ASCII escaped, so the bytes are plain ASCII). */
    static String json(String status, String reason) {
        StringBuilder out = new StringBuilder("{\"Status\":\"").append(status).append("\",\"Reason\":\"");
        for (char c : reason.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7e) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append("\"}").toString();
    }

    static void reply(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);  // no BOM
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("Connection", "close");
        boolean head = "HEAD".equalsIgnoreCase(exchange.getRequestMethod());
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    static void log(String line) {
        System.err.println(line);
    }

    static void worker() {
        while (true) {
            try {
                slowWork(JOBS.take());
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log("slow work failed: " + e);
            }
        }
    }

    /** A trusted key URL prefix: an http(s) URL with a host, ending with '/' (added if missing),
     * so that it pins the scheme, host and port. */
    static String normalizePrefix(String entry) {
        String prefix = entry.strip();
        int sep = prefix.indexOf("://");
        String scheme = sep < 0 ? "" : prefix.substring(0, sep);
        String rest = sep < 0 ? "" : prefix.substring(sep + 3);
        String host = rest.split("/", 2)[0];
        if (!List.of("http", "https").contains(scheme) || host.isEmpty() || !host.matches("[A-Za-z0-9.:\\[\\]-]+")
                || badChars(prefix) || prefix.contains("?") || dotSegment(rest)) {
            throw new IllegalArgumentException("not an http(s) URL prefix: " + quoted(prefix));
        }
        return prefix.endsWith("/") ? prefix : prefix + "/";
    }

    public static void main(String[] args) throws IOException {
        String host = System.getenv().getOrDefault("OSS_CALLBACK_HOST", "127.0.0.1");
        String port = System.getenv().getOrDefault("OSS_CALLBACK_PORT", "8080");
        if (configError != null) {
            fail(configError);
        }
        List<String> extra = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (i + 1 >= args.length || !List.of("--host", "--port", "--trust-key-url").contains(flag)) {
                fail("usage: java OssCallbackReceiver.java [--host HOST] [--port PORT] [--trust-key-url PREFIX]...");
            }
            String value = args[++i];
            switch (flag) {
                case "--host" -> host = value;
                case "--port" -> port = value;
                default -> extra.add(value);
            }
        }
        List<String> prefixes = new ArrayList<>(trustedPrefixes);
        for (String p : extra) {
            try {
                prefixes.add(normalizePrefix(p));
            } catch (IllegalArgumentException e) {
                fail("--trust-key-url: " + e.getMessage());
            }
        }
        trustedPrefixes = List.copyOf(prefixes);
        int portNumber = -1;
        try {
            portNumber = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            // reported below
        }
        if (portNumber < 0 || portNumber > 65535) {
            fail("OSS_CALLBACK_PORT: not a port: " + quoted(port));
        }
        // a client that sends its request (or reads the reply) too slowly is cut off, in seconds
        System.setProperty("sun.net.httpserver.maxReqTime", "30");
        System.setProperty("sun.net.httpserver.maxRspTime", "30");
        // a body left unread (a 413 answered from Content-Length alone) closes the connection at
        // once, instead of HttpServer waiting to read 64 KiB of it first
        System.setProperty("sun.net.httpserver.drainAmount", "0");
        HttpServer server = HttpServer.create(new InetSocketAddress(host, portNumber), 64);
        server.createContext("/", OssCallbackReceiver::handle);
        // HttpServer reads each request (line, headers, body) on this executor: a pool that grows
        // with the open connections, so clients stalled in their headers or body cannot hold the
        // callbacks behind them (maxReqTime above cuts each off after 30 s).
        server.setExecutor(Executors.newCachedThreadPool());
        Thread worker = new Thread(OssCallbackReceiver::worker, "slow-work");
        worker.setDaemon(true);
        worker.start();
        server.start();
        String shown = host.contains(":") ? "[" + host + "]" : host;
        System.out.println("listening on http://" + shown + ":" + server.getAddress().getPort() + "/");
        System.out.flush();
    }

    static void fail(String line) {
        System.err.println(line);
        System.exit(2);
    }
}
