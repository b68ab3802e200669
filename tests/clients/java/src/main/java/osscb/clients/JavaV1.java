package osscb.clients;

import com.aliyun.oss.ClientBuilderConfiguration;
import com.aliyun.oss.HttpMethod;
import com.aliyun.oss.OSS;
import com.aliyun.oss.OSSClientBuilder;
import com.aliyun.oss.OSSException;
import com.aliyun.oss.common.auth.DefaultCredentialProvider;
import com.aliyun.oss.common.comm.SignVersion;
import com.aliyun.oss.model.Callback;
import com.aliyun.oss.model.CompleteMultipartUploadRequest;
import com.aliyun.oss.model.CompleteMultipartUploadResult;
import com.aliyun.oss.model.GeneratePresignedUrlRequest;
import com.aliyun.oss.model.InitiateMultipartUploadRequest;
import com.aliyun.oss.model.PartETag;
import com.aliyun.oss.model.PutObjectRequest;
import com.aliyun.oss.model.PutObjectResult;
import com.aliyun.oss.model.UploadPartRequest;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

/**
 * The three upload-callback flows of OSS's client demo table with the Java SDK V1
 * ({@code com.aliyun.oss:aliyun-sdk-oss}): unchanged app code pointed at the emulator by
 * configuration only (endpoint, credentials, {@code setSignatureVersion} + region, {@code setSLDEnabled}).
 */
public final class JavaV1 {
    static final String NAME = "java-v1";

    public static void main(String[] args) throws Exception {
        Flows f = new Flows(args);
        ClientBuilderConfiguration conf = new ClientBuilderConfiguration();
        conf.setMaxErrorRetry(0);
        if (f.sign.equals("v4")) {
            conf.setSignatureVersion(SignVersion.V4);
        } // V1 is the SDK's default
        if (f.style.equals("path")) {
            conf.setSLDEnabled(true); // second-level-domain mode: the bucket goes into the path
        }
        OSS client = OSSClientBuilder.create().endpoint(f.sdkEndpoint())
                .credentialsProvider(new DefaultCredentialProvider(f.accessKeyId, f.accessKeySecret))
                .clientConfiguration(conf).region(f.region).build();
        try {
            for (String[] c : f.cases()) {
                if (f.flows.contains("put-form")) {
                    putObject(client, f, "put-form", "form", c).emit();
                }
                if (f.flows.contains("put-json")) {
                    putObject(client, f, "put-json", "json", c).emit();
                }
                if (f.flows.contains("multipart")) {
                    multipart(client, f, c).emit();
                }
                if (f.flows.contains("presigned")) {
                    presigned(client, f, c).emit();
                }
            }
        } finally {
            client.shutdown();
        }
    }

    /** The SDK's own callback model: it Base64-encodes callback and callback-var itself. */
    static Callback callback(String url, String bodyType, String uid) {
        Callback cb = new Callback();
        cb.setCallbackUrl(url);
        // The SDK writes callbackBody into its JSON verbatim (no escaping), so a JSON body's quotes
        // are escaped here, as OSS's Java demo writes them; unescaped, OSS's parser refuses the
        // callback (400 "The callback configuration is not json format.").
        String body = Flows.callbackBody(bodyType);
        cb.setCallbackBody(bodyType.equals("json") ? body.replace("\"", "\\\"") : body);
        cb.setCalbackBodyType(bodyType.equals("json") ? Callback.CalbackBodyType.JSON : Callback.CalbackBodyType.URL);
        cb.addCallbackVar("x:uid", uid);
        return cb;
    }

    /** A 203 is an OSSException with error code CallbackFailed (the SDK does not expose the status). */
    static void failed(Flows.Step step, Exception e) {
        step.raised = true;
        if (e instanceof OSSException oe) {
            step.code = oe.getErrorCode();
            step.ec = oe.getEC() == null ? "" : oe.getEC();
            step.message = oe.getErrorMessage();
        } else {
            step.error = e.toString();
        }
    }

    static String read(InputStream in) throws Exception {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static Flows.Step putObject(OSS client, Flows f, String flow, String bodyType, String[] c) {
        Flows.Step step = f.step(NAME, flow, c);
        try {
            PutObjectRequest req = new PutObjectRequest(f.bucket, step.key,
                    new ByteArrayInputStream(("from " + NAME).getBytes(StandardCharsets.UTF_8)));
            req.setCallback(callback(c[1], bodyType, step.uid));
            PutObjectResult result = client.putObject(req);
            step.status = result.getResponse().getStatusCode();
            step.replyRaw = read(result.getResponse().getContent());
        } catch (Exception e) {
            failed(step, e);
        }
        return step;
    }

    static Flows.Step multipart(OSS client, Flows f, String[] c) {
        Flows.Step step = f.step(NAME, "multipart", c);
        try {
            String uploadId = client.initiateMultipartUpload(new InitiateMultipartUploadRequest(f.bucket, step.key))
                    .getUploadId();
            List<PartETag> etags = new ArrayList<>();
            byte[][] parts = {Flows.PART_ONE, Flows.PART_TWO};
            for (int i = 0; i < parts.length; i++) {
                UploadPartRequest part = new UploadPartRequest(f.bucket, step.key, uploadId, i + 1,
                        new ByteArrayInputStream(parts[i]), parts[i].length);
                etags.add(client.uploadPart(part).getPartETag());
            }
            CompleteMultipartUploadRequest req = new CompleteMultipartUploadRequest(f.bucket, step.key, uploadId, etags);
            req.setCallback(callback(c[1], "json", step.uid));
            CompleteMultipartUploadResult result = client.completeMultipartUpload(req);
            step.status = result.getResponse().getStatusCode();
            step.replyRaw = read(result.getCallbackResponseBody());
        } catch (Exception e) {
            failed(step, e);
        }
        return step;
    }

    /** The callback travels in the URL's query (callback, callback-var), which the SDK signs. */
    static Flows.Step presigned(OSS client, Flows f, String[] c) {
        Flows.Step step = f.step(NAME, "presigned", c);
        try {
            String[] enc = Flows.encoded(c[1], "form", step.uid);
            GeneratePresignedUrlRequest req = new GeneratePresignedUrlRequest(f.bucket, step.key, HttpMethod.PUT);
            req.setExpiration(new Date(System.currentTimeMillis() + 600_000));
            req.addQueryParameter("callback", enc[0]);
            req.addQueryParameter("callback-var", enc[1]);
            String url = client.generatePresignedUrl(req).toString();
            step.plain(Flows.plainPut(url, java.util.Map.of(), ("from " + NAME + " presigned").getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            step.error = e.toString();
        }
        return step;
    }
}
