// The three upload-callback flows of OSS's client demo table with the Go SDK V2
// (github.com/aliyun/alibabacloud-oss-go-sdk-v2), unchanged app code pointed at the emulator by
// configuration only: endpoint, credentials, region, signature version and addressing.
//
//	OSS_ACCESS_KEY_ID=... OSS_ACCESS_KEY_SECRET=... gov2 -endpoint http://127.0.0.1:9000 \
//	    -style virtual -sign v4 -ok-url http://127.0.0.1:8080/callback [-fail-url URL]
//
// Each step prints one JSON line (see internal/flows.Step).
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"

	"osscb/clients/internal/flows"
)

const name = "go-v2"

func main() {
	s := flows.Parse()
	cfg := oss.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(s.AccessKey, s.Secret)).
		WithRegion(s.Region).
		WithEndpoint(s.SDKEndpoint()).
		WithHttpClient(s.HTTPClient()).
		WithRetryMaxAttempts(1)
	if s.Sign == "v1" {
		cfg = cfg.WithSignatureVersion(oss.SignatureVersionV1)
	} // V4 is the SDK's default
	if s.Style == "path" {
		cfg = cfg.WithUsePathStyle(true)
	}
	client := oss.NewClient(cfg)
	ctx := context.Background()
	for _, c := range s.Cases() {
		if s.Wants("put-form") {
			flows.Emit(putObject(ctx, client, s, "put-form", "form", c))
		}
		if s.Wants("put-json") {
			flows.Emit(putObject(ctx, client, s, "put-json", "json", c))
		}
		if s.Wants("multipart") {
			flows.Emit(multipart(ctx, client, s, c))
		}
		if s.Wants("presigned") {
			flows.Emit(presigned(ctx, client, s, c))
		}
	}
}

func newStep(s flows.Settings, flow string, c [2]string) flows.Step {
	key := fmt.Sprintf("%s/%s/%s-%s/%s-%s.txt", s.Prefix, name, s.Sign, s.Style, flow, c[0])
	uid := fmt.Sprintf("%s %s-%s %s/%s", name, s.Sign, s.Style, flow, c[0])
	return flows.Step{Client: name, Flow: flow, Case: c[0], Key: key, UID: uid}
}

// fromError: the SDK's own error for a 203 is a *oss.ServiceError with Code CallbackFailed.
func fromError(step *flows.Step, err error) {
	step.Raised = true
	var se *oss.ServiceError
	if errors.As(err, &se) {
		step.Status, step.Code, step.EC, step.Message = se.StatusCode, se.Code, se.EC, se.Message
		return
	}
	step.Error = err.Error()
}

func putObject(ctx context.Context, client *oss.Client, s flows.Settings, flow, bodyType string, c [2]string) flows.Step {
	step := newStep(s, flow, c)
	cb, cv := flows.Callback(c[1], bodyType, step.UID)
	result, err := client.PutObject(ctx, &oss.PutObjectRequest{
		Bucket: oss.Ptr(s.Bucket), Key: oss.Ptr(step.Key), Body: bytes.NewReader([]byte("from " + name)),
		Callback: oss.Ptr(cb), CallbackVar: oss.Ptr(cv),
	})
	if err != nil {
		fromError(&step, err)
		return step
	}
	step.Status, step.Reply = result.StatusCode, result.CallbackResult
	return step
}

func multipart(ctx context.Context, client *oss.Client, s flows.Settings, c [2]string) flows.Step {
	step := newStep(s, "multipart", c)
	cb, cv := flows.Callback(c[1], "json", step.UID)
	init, err := client.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{
		Bucket: oss.Ptr(s.Bucket), Key: oss.Ptr(step.Key)})
	if err != nil {
		fromError(&step, err)
		return step
	}
	var parts []oss.UploadPart
	for i, data := range [][]byte{flows.PartOne, flows.PartTwo} {
		part, err := client.UploadPart(ctx, &oss.UploadPartRequest{
			Bucket: oss.Ptr(s.Bucket), Key: oss.Ptr(step.Key), UploadId: init.UploadId,
			PartNumber: int32(i + 1), Body: bytes.NewReader(data)})
		if err != nil {
			fromError(&step, err)
			return step
		}
		parts = append(parts, oss.UploadPart{PartNumber: int32(i + 1), ETag: part.ETag})
	}
	result, err := client.CompleteMultipartUpload(ctx, &oss.CompleteMultipartUploadRequest{
		Bucket: oss.Ptr(s.Bucket), Key: oss.Ptr(step.Key), UploadId: init.UploadId,
		CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: parts},
		Callback:                oss.Ptr(cb), CallbackVar: oss.Ptr(cv),
	})
	if err != nil {
		fromError(&step, err)
		return step
	}
	step.Status, step.Reply = result.StatusCode, result.CallbackResult
	return step
}

// presigned: the callback travels in the URL's query (callback, callback-var), which the
// presigner signs; the upload is a plain net/http PUT with only the headers it says it signed.
func presigned(ctx context.Context, client *oss.Client, s flows.Settings, c [2]string) flows.Step {
	step := newStep(s, "presigned", c)
	cb, cv := flows.Callback(c[1], "form", step.UID)
	req := &oss.PutObjectRequest{Bucket: oss.Ptr(s.Bucket), Key: oss.Ptr(step.Key)}
	req.Parameters = map[string]string{"callback": cb, "callback-var": cv}
	signed, err := client.Presign(ctx, req, oss.PresignExpires(10*time.Minute))
	if err != nil {
		step.Error = err.Error()
		return step
	}
	status, body, err := flows.PlainPut(s.HTTPClient(), signed.URL, signed.SignedHeaders, []byte("from "+name+" presigned"))
	if err != nil {
		step.Error = err.Error()
		return step
	}
	flows.FromPlain(&step, status, body)
	return step
}
