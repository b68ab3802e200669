package osscb.clients;

import com.aliyun.sdk.service.oss2.OSSClient;
import com.aliyun.sdk.service.oss2.PresignOptions;
import com.aliyun.sdk.service.oss2.credentials.StaticCredentialsProvider;
import com.aliyun.sdk.service.oss2.exceptions.ServiceException;
import com.aliyun.sdk.service.oss2.models.CompleteMultipartUpload;
import com.aliyun.sdk.service.oss2.models.CompleteMultipartUploadRequest;
import com.aliyun.sdk.service.oss2.models.CompleteMultipartUploadResult;
import com.aliyun.sdk.service.oss2.models.InitiateMultipartUploadRequest;
import com.aliyun.sdk.service.oss2.models.Part;
import com.aliyun.sdk.service.oss2.models.PresignResult;
import com.aliyun.sdk.service.oss2.models.PutObjectRequest;
import com.aliyun.sdk.service.oss2.models.PutObjectResult;
import com.aliyun.sdk.service.oss2.models.UploadPartRequest;
import com.aliyun.sdk.service.oss2.transport.BinaryData;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The three upload-callback flows with the Java SDK V2 ({@code com.aliyun:alibabacloud-oss-v2},
 * a developer preview): unchanged app code pointed at the emulator by configuration only
 * (endpoint, credentials, region; V4 signatures and virtual-host style are its defaults,
 * {@code signatureVersion("v1")} and {@code usePathStyle(true)} its options).
 */
public final class JavaV2 {
    static final String NAME = "java-v2";

    public static void main(String[] args) throws Exception {
        Flows f = new Flows(args);
        var builder = OSSClient.newBuilder()
                .credentialsProvider(new StaticCredentialsProvider(f.accessKeyId, f.accessKeySecret))
                .region(f.region).endpoint(f.sdkEndpoint()).retryMaxAttempts(1);
        if (f.sign.equals("v1")) {
            builder = builder.signatureVersion("v1");
        }
        if (f.style.equals("path")) {
            builder = builder.usePathStyle(true);
        }
        try (OSSClient client = builder.build()) {
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
        }
    }

    /** A 203 is a ServiceException (status 203, code CallbackFailed), possibly wrapped. */
    static void failed(Flows.Step step, Exception e) {
        step.raised = true;
        ServiceException se = ServiceException.asCause(e);
        if (se != null) {
            step.status = se.statusCode();
            step.code = se.errorCode();
            step.ec = se.ec() == null ? "" : se.ec();
            step.message = se.errorMessage();
        } else {
            step.error = e.toString();
        }
    }

    /**
     * The SDK (0.4.0) throws for non-2xx answers only: a 203 comes back as a result whose
     * callbackResult() is OSS's CallbackFailed error document, so the app reads it from there.
     */
    static void answered(Flows.Step step, int status, String body) {
        step.status = status;
        if (status == 203 && body != null) {
            step.code = Flows.xmlField(body, "Code");
            step.ec = Flows.xmlField(body, "EC");
            step.message = Flows.xmlField(body, "Message");
        } else {
            step.replyRaw = body;
        }
    }

    static Flows.Step putObject(OSSClient client, Flows f, String flow, String bodyType, String[] c) {
        Flows.Step step = f.step(NAME, flow, c);
        try {
            String[] enc = Flows.encoded(c[1], bodyType, step.uid);
            PutObjectResult result = client.putObject(PutObjectRequest.newBuilder().bucket(f.bucket).key(step.key)
                    .body(BinaryData.fromString("from " + NAME)).callback(enc[0]).callbackVar(enc[1]).build());
            answered(step, result.statusCode(), result.callbackResult());
        } catch (Exception e) {
            failed(step, e);
        }
        return step;
    }

    static Flows.Step multipart(OSSClient client, Flows f, String[] c) {
        Flows.Step step = f.step(NAME, "multipart", c);
        try {
            String uploadId = client.initiateMultipartUpload(InitiateMultipartUploadRequest.newBuilder()
                    .bucket(f.bucket).key(step.key).build()).initiateMultipartUpload().uploadId();
            List<Part> parts = new ArrayList<>();
            byte[][] data = {Flows.PART_ONE, Flows.PART_TWO};
            for (int i = 0; i < data.length; i++) {
                String etag = client.uploadPart(UploadPartRequest.newBuilder().bucket(f.bucket).key(step.key)
                        .uploadId(uploadId).partNumber((long) i + 1).body(BinaryData.fromBytes(data[i])).build()).eTag();
                parts.add(Part.newBuilder().partNumber((long) i + 1).eTag(etag).build());
            }
            String[] enc = Flows.encoded(c[1], "json", step.uid);
            CompleteMultipartUploadResult result = client.completeMultipartUpload(CompleteMultipartUploadRequest
                    .newBuilder().bucket(f.bucket).key(step.key).uploadId(uploadId)
                    .completeMultipartUpload(CompleteMultipartUpload.newBuilder().parts(parts).build())
                    .callback(enc[0]).callbackVar(enc[1]).build());
            answered(step, result.statusCode(), result.callbackResult());
        } catch (Exception e) {
            failed(step, e);
        }
        return step;
    }

    /** The callback travels in the URL's query (callback, callback-var), which the presigner signs. */
    static Flows.Step presigned(OSSClient client, Flows f, String[] c) {
        Flows.Step step = f.step(NAME, "presigned", c);
        try {
            String[] enc = Flows.encoded(c[1], "form", step.uid);
            PresignResult signed = client.presign(PutObjectRequest.newBuilder().bucket(f.bucket).key(step.key)
                    .parameter("callback", enc[0]).parameter("callback-var", enc[1]).build(),
                    PresignOptions.newBuilder().expiration(Duration.ofMinutes(10)).build());
            Map<String, String> headers = signed.signedHeaders().orElse(Map.of());
            step.plain(Flows.plainPut(signed.url(), headers, ("from " + NAME + " presigned").getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            step.error = e.toString();
        }
        return step;
    }
}
