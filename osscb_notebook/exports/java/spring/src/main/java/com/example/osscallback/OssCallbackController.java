package com.example.osscallback;

import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.core.task.TaskRejectedException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * OSS upload callbacks, verified with OssCallbackReceiver.verify() over the RAW request.
 *
 * <ul>
 * <li>The body comes from request.getInputStream(): @RequestBody byte[]/String is rebuilt from the
 *     parameter map for form bodies (OSS's default callbackBodyType), '%20' becoming '+'..., and
 *     @RequestBody Map / a DTO / @RequestParam re-serialise too. Nothing may call getParameter()
 *     before this method reads the stream (a filter that does, e.g. HiddenHttpMethodFilter, leaves
 *     it empty: the reply then says so).</li>
 * <li>The target comes from getRequestURI() (raw, undecoded, with the context path, as OSS signed it)
 *     and getQueryString() (raw); getServletPath()/getPathInfo() are decoded: never use them.</li>
 * <li>SecurityConfig exempts exactly CALLBACK_PATHS from CSRF (OSS sends no token) and lets them
 *     through without a login; every other route keeps CSRF, sessions and the login.</li>
 * </ul>
 */
@RestController
public class OssCallbackController {

    /** Where OSS calls back: the path of the callbackUrl you give OSS. */
    public static final String HOOK_PATH = "/hooks/oss/callback";

    /** CALLBACK_PATHS: every callbackUrl path this controller answers ("/**" takes the sub-paths).
     * Add a path here and SecurityConfig exempts it from CSRF too (it reads this list). */
    @RequestMapping(path = {
            HOOK_PATH, HOOK_PATH + "/**",
    })
    public ResponseEntity<byte[]> callback(HttpServletRequest request) throws IOException {
        String method = request.getMethod();
        if (!"POST".equals(method)) {
            return reply(HttpStatus.METHOD_NOT_ALLOWED, "method not allowed", "OSS callbacks are POST requests");
        }
        byte[] body;
        try (InputStream in = request.getInputStream()) {
            body = in.readNBytes(OssCallbackReceiver.MAX_BODY + 1);  // the bytes OSS signed
        }
        if (body.length > OssCallbackReceiver.MAX_BODY) {
            return reply(HttpStatus.PAYLOAD_TOO_LARGE, "body too large", "the body is over " + OssCallbackReceiver.MAX_BODY + " bytes");
        }
        if (body.length == 0 && request.getContentLengthLong() > 0) {
            return reply(HttpStatus.BAD_REQUEST, "verify not ok",
                    "the body was consumed before the controller (a filter called getParameter()): exempt this path from it");
        }
        String rawPath = request.getRequestURI();
        String rawQuery = request.getQueryString();
        String reason = OssCallbackReceiver.verify(method, rawPath, rawQuery, request::getHeader, body);
        if (reason != null) {
            OssCallbackReceiver.log("callback rejected: " + reason);
            return reply(HttpStatus.BAD_REQUEST, "verify not ok", reason);
        }
        OssCallbackReceiver.Job job = new OssCallbackReceiver.Job(rawPath, rawQuery, headers(request), body);
        String answer = OssCallbackReceiver.handleCallback(job);  // your fast reply (JSON)
        try {
            slowWork.process(job);  // @Async: runs on the task executor after this returns
        } catch (TaskRejectedException e) {
            OssCallbackReceiver.log("callback verified but the work queue is full: answered 503");
            return reply(HttpStatus.SERVICE_UNAVAILABLE, "busy", "work queue full; callback verified but not accepted");
        }
        return json(HttpStatus.OK, answer);
    }

    private final SlowWork slowWork;

    public OssCallbackController(SlowWork slowWork) {
        this.slowWork = slowWork;
    }

    /** The paths of CALLBACK_PATHS above (SecurityConfig exempts them from CSRF). */
    static String[] callbackPaths() {
        try {
            return OssCallbackController.class.getMethod("callback", HttpServletRequest.class)
                    .getAnnotation(RequestMapping.class).path();
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, List<String>> headers(HttpServletRequest request) {
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (String name : Collections.list(request.getHeaderNames())) {
            headers.put(name, Collections.list(request.getHeaders(name)));
        }
        return headers;
    }

    static ResponseEntity<byte[]> reply(HttpStatus status, String word, String reason) {
        ResponseEntity<byte[]> response = json(status, OssCallbackReceiver.json(word, reason));
        return status == HttpStatus.METHOD_NOT_ALLOWED
                ? ResponseEntity.status(status).headers(response.getHeaders()).header("Allow", "POST").body(response.getBody())
                : response;
    }

    /** The JSON bytes with Content-Length (a byte[] body is written whole, never chunked), no BOM. */
    static ResponseEntity<byte[]> json(HttpStatus status, String json) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).contentLength(bytes.length).body(bytes);
    }
}
