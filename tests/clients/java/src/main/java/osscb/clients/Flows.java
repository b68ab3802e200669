package osscb.clients;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * What the Java client programs share: their settings (arguments, and the credentials from the
 * environment as an app reads them), the callback of each flow, the JSON line each step prints,
 * and the plain HTTP client that uploads through a presigned URL. The SDK calls are in
 * {@link JavaV1} and {@link JavaV2}.
 *
 * <pre>
 * OSS_ACCESS_KEY_ID=... OSS_ACCESS_KEY_SECRET=... java -cp ... osscb.clients.JavaV1 \
 *     --endpoint http://127.0.0.1:9000 --style path --sign v4 --ok-url http://127.0.0.1:8080/callback
 * </pre>
 *
 * Virtual-host style names the host {@code BUCKET.oss-REGION.aliyuncs.com}: run the JVM with
 * {@code -Djdk.net.hosts.file=FILE} mapping that name to 127.0.0.1 (the DNS entry a machine would need).
 */
final class Flows {
    static final String[] ALL = {"put-form", "put-json", "multipart", "presigned"};
    static final byte[] PART_ONE = "a".repeat(100 * 1024).getBytes(StandardCharsets.UTF_8);
    static final byte[] PART_TWO = "the last part".getBytes(StandardCharsets.UTF_8);

    final String endpoint;
    final String style;
    final String sign;
    final String bucket;
    final String region;
    final String okUrl;
    final String failUrl;
    final String prefix;
    final List<String> flows;
    final String accessKeyId = System.getenv("OSS_ACCESS_KEY_ID");
    final String accessKeySecret = System.getenv("OSS_ACCESS_KEY_SECRET");

    Flows(String[] args) {
        Map<String, String> opts = new java.util.HashMap<>(Map.of(
                "endpoint", "http://127.0.0.1:9000", "style", "path", "sign", "v4", "bucket", "demo",
                "region", "cn-hangzhou", "ok-url", "", "fail-url", "", "prefix", "clients/java",
                "flows", String.join(",", ALL)));
        for (int i = 0; i + 1 < args.length; i += 2) {
            String name = args[i].replaceFirst("^--?", "");
            if (!opts.containsKey(name)) {
                usage("unknown option " + args[i]);
            }
            opts.put(name, args[i + 1]);
        }
        endpoint = opts.get("endpoint");
        style = opts.get("style");
        sign = opts.get("sign");
        bucket = opts.get("bucket");
        region = opts.get("region");
        okUrl = opts.get("ok-url");
        failUrl = opts.get("fail-url");
        prefix = opts.get("prefix");
        flows = List.of(opts.get("flows").split(","));
        if (accessKeyId == null || accessKeySecret == null || okUrl.isEmpty()) {
            usage("set OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET and --ok-url");
        }
        if (!List.of("path", "virtual").contains(style) || !List.of("v1", "v4").contains(sign)) {
            usage("--style is path or virtual, --sign is v1 or v4");
        }
    }

    private static void usage(String why) {
        System.err.println(why);
        System.exit(2);
    }

    /** The emulator's address for path style; OSS's regional name on its port for virtual-host style. */
    String sdkEndpoint() {
        if (style.equals("path")) {
            return endpoint;
        }
        return "http://oss-" + region + ".aliyuncs.com:" + URI.create(endpoint).getPort();
    }

    /** The callback URLs a flow runs with: the verifying receiver ("ok"), then the 500 one ("fail"). */
    List<String[]> cases() {
        List<String[]> cases = new ArrayList<>();
        cases.add(new String[] {"ok", okUrl});
        if (!failUrl.isEmpty()) {
            cases.add(new String[] {"fail", failUrl});
        }
        return cases;
    }

    Step step(String client, String flow, String[] c) {
        Step s = new Step();
        s.client = client;
        s.flow = flow;
        s.kase = c[0];
        s.key = prefix + "/" + client + "/" + sign + "-" + style + "/" + flow + "-" + c[0] + ".txt";
        s.uid = client + " " + sign + "-" + style + " " + flow + "/" + c[0];
        return s;
    }

    static String callbackBody(String bodyType) {
        return bodyType.equals("json")
                ? "{\"bucket\":${bucket},\"object\":${object},\"size\":${size},\"uid\":${x:uid}}"
                : "bucket=${bucket}&object=${object}&size=${size}&uid=${x:uid}";
    }

    /** The Base64 callback and callback-var for the SDKs that take them ready-made (V2, presigned URLs). */
    static String[] encoded(String url, String bodyType, String uid) {
        String type = bodyType.equals("json") ? "application/json" : "application/x-www-form-urlencoded";
        String callback = "{\"callbackUrl\":" + quote(url) + ",\"callbackBody\":" + quote(callbackBody(bodyType))
                + ",\"callbackBodyType\":" + quote(type) + "}";
        String vars = "{\"x:uid\":" + quote(uid) + "}";
        Base64.Encoder b64 = Base64.getEncoder();
        return new String[] {b64.encodeToString(callback.getBytes(StandardCharsets.UTF_8)),
                b64.encodeToString(vars.getBytes(StandardCharsets.UTF_8))};
    }

    /**
     * Upload through a presigned URL with the JDK's own HTTP client (what a browser or a device
     * would do), sending only the headers the presigner signed. Returns {status, body}.
     */
    static Object[] plainPut(String url, Map<String, String> headers, byte[] data) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(data));
        headers.forEach((k, v) -> {
            if (!k.equalsIgnoreCase("host") && !k.equalsIgnoreCase("content-length")) {
                req.header(k, v);
            }
        });
        HttpResponse<String> resp = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
        return new Object[] {resp.statusCode(), resp.body()};
    }

    /** The text of {@code <name>} in an OSS error document. */
    static String xmlField(String body, String name) {
        int i = body.indexOf("<" + name + ">");
        int j = body.indexOf("</" + name + ">");
        return i < 0 || j < i ? "" : body.substring(i + name.length() + 2, j);
    }

    static String quote(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (ch < 0x20) {
                        out.append(String.format("\\u%04x", (int) ch));
                    } else {
                        out.append(ch);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    /** One line of output; {@code replyRaw} is the receiver's reply exactly as the SDK returned it. */
    static final class Step {
        String client;
        String flow;
        String kase;
        String key;
        String uid;
        Integer status;
        String replyRaw;
        String code = "";
        String ec = "";
        String message = "";
        String error = "";
        boolean raised; // the SDK call itself threw (rather than returning a result)

        void plain(Object[] answer) {
            status = (Integer) answer[0];
            String body = (String) answer[1];
            if (status == 200) {
                replyRaw = body;
            } else {
                code = xmlField(body, "Code");
                ec = xmlField(body, "EC");
                message = xmlField(body, "Message");
            }
        }

        void emit() {
            System.out.println("{\"client\":" + quote(client) + ",\"flow\":" + quote(flow) + ",\"case\":" + quote(kase)
                    + ",\"key\":" + quote(key) + ",\"uid\":" + quote(uid) + ",\"status\":" + status
                    + ",\"reply_raw\":" + quote(replyRaw) + ",\"code\":" + quote(code) + ",\"ec\":" + quote(ec)
                    + ",\"message\":" + quote(message) + ",\"error\":" + quote(error) + ",\"raised\":" + raised + "}");
            System.out.flush();
        }
    }
}
