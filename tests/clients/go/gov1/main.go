// The three upload-callback flows of OSS's client demo table with the Go SDK V1
// (github.com/aliyun/aliyun-oss-go-sdk), unchanged app code pointed at the emulator by
// configuration only: endpoint, credentials, signature version (V4 also needs the region) and
// addressing. Same flags and output as ../gov2.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"

	"osscb/clients/internal/flows"
)

const name = "go-v1"

func main() {
	s := flows.Parse()
	options := []oss.ClientOption{oss.HTTPClient(s.HTTPClient())}
	if s.Sign == "v4" {
		options = append(options, oss.AuthVersion(oss.AuthV4), oss.Region(s.Region))
	} // V1 is the SDK's default
	if s.Style == "path" {
		options = append(options, oss.ForcePathStyle(true))
	}
	client, err := oss.New(s.SDKEndpoint(), s.AccessKey, s.Secret, options...)
	if err != nil {
		panic(err)
	}
	bucket, err := client.Bucket(s.Bucket)
	if err != nil {
		panic(err)
	}
	for _, c := range s.Cases() {
		if s.Wants("put-form") {
			flows.Emit(putObject(bucket, s, "put-form", "form", c))
		}
		if s.Wants("put-json") {
			flows.Emit(putObject(bucket, s, "put-json", "json", c))
		}
		if s.Wants("multipart") {
			flows.Emit(multipart(bucket, s, c))
		}
		if s.Wants("presigned") {
			flows.Emit(presigned(bucket, s, c))
		}
	}
}

func newStep(s flows.Settings, flow string, c [2]string) flows.Step {
	key := fmt.Sprintf("%s/%s/%s-%s/%s-%s.txt", s.Prefix, name, s.Sign, s.Style, flow, c[0])
	uid := fmt.Sprintf("%s %s-%s %s/%s", name, s.Sign, s.Style, flow, c[0])
	return flows.Step{Client: name, Flow: flow, Case: c[0], Key: key, UID: uid}
}

// finish: the SDK's own error for a 203 is an oss.ServiceError with Code CallbackFailed; on
// success the receiver's reply is what oss.CallbackResult captured.
func finish(step *flows.Step, err error, body []byte) {
	var se oss.ServiceError
	step.Raised = err != nil
	if errors.As(err, &se) {
		step.Status, step.Code, step.EC, step.Message = se.StatusCode, se.Code, se.Ec, se.Message
		return
	}
	if err != nil {
		step.Error = err.Error()
		return
	}
	step.Status = 200
	if uerr := json.Unmarshal(body, &step.Reply); uerr != nil {
		step.Error = fmt.Sprintf("callback result is not JSON: %q", body)
	}
}

func putObject(bucket *oss.Bucket, s flows.Settings, flow, bodyType string, c [2]string) flows.Step {
	step := newStep(s, flow, c)
	cb, cv := flows.Callback(c[1], bodyType, step.UID)
	var body []byte
	err := bucket.PutObject(step.Key, bytes.NewReader([]byte("from "+name)),
		oss.Callback(cb), oss.CallbackVar(cv), oss.CallbackResult(&body))
	finish(&step, err, body)
	return step
}

func multipart(bucket *oss.Bucket, s flows.Settings, c [2]string) flows.Step {
	step := newStep(s, "multipart", c)
	cb, cv := flows.Callback(c[1], "json", step.UID)
	imur, err := bucket.InitiateMultipartUpload(step.Key)
	if err != nil {
		finish(&step, err, nil)
		return step
	}
	var parts []oss.UploadPart
	for i, data := range [][]byte{flows.PartOne, flows.PartTwo} {
		part, err := bucket.UploadPart(imur, bytes.NewReader(data), int64(len(data)), i+1)
		if err != nil {
			finish(&step, err, nil)
			return step
		}
		parts = append(parts, part)
	}
	var body []byte
	_, err = bucket.CompleteMultipartUpload(imur, parts, oss.Callback(cb), oss.CallbackVar(cv), oss.CallbackResult(&body))
	finish(&step, err, body)
	return step
}

// presigned: the callback travels in the URL's query (callback, callback-var are signed
// sub-resources); the upload is a plain net/http PUT of the URL with no extra header.
func presigned(bucket *oss.Bucket, s flows.Settings, c [2]string) flows.Step {
	step := newStep(s, "presigned", c)
	cb, cv := flows.Callback(c[1], "form", step.UID)
	signed, err := bucket.SignURL(step.Key, oss.HTTPPut, 600, oss.AddParam("callback", cb), oss.AddParam("callback-var", cv))
	if err != nil {
		step.Error = err.Error()
		return step
	}
	status, body, err := flows.PlainPut(s.HTTPClient(), signed, nil, []byte("from "+name+" presigned"))
	if err != nil {
		step.Error = err.Error()
		return step
	}
	flows.FromPlain(&step, status, body)
	return step
}
