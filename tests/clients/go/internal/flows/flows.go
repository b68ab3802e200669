// Package flows holds what the Go client programs share: their settings (flags and the
// environment an unchanged app reads), the callback definitions of the three flows, the JSON
// line each step prints, and the plain HTTP client that uploads through a presigned URL.
//
// Nothing here talks to OSS by itself: each program does its SDK's own calls.
package flows

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// Settings: what an app sets to point its SDK at the emulator (or at OSS).
type Settings struct {
	Endpoint  string // the emulator's address, http://127.0.0.1:PORT
	Style     string // "path" (endpoint is the address) or "virtual" (endpoint oss-REGION.aliyuncs.com:PORT)
	Sign      string // "v1" or "v4"
	Bucket    string
	Region    string
	AccessKey string
	Secret    string
	OkURL     string // a verifying receiver's callback URL
	FailURL   string // a server answering 500
	Prefix    string // object keys start with it
	Flows     string // comma-separated subset of put-form,put-json,multipart,presigned
}

// Parse reads the flags; credentials come from OSS_ACCESS_KEY_ID / OSS_ACCESS_KEY_SECRET as the
// SDKs' environment providers read them, so they never appear in a process listing.
func Parse() Settings {
	s := Settings{}
	flag.StringVar(&s.Endpoint, "endpoint", "http://127.0.0.1:9000", "the emulator's address")
	flag.StringVar(&s.Style, "style", "path", "path or virtual")
	flag.StringVar(&s.Sign, "sign", "v4", "v1 or v4")
	flag.StringVar(&s.Bucket, "bucket", "demo", "bucket")
	flag.StringVar(&s.Region, "region", "cn-hangzhou", "region (V4 signs it)")
	flag.StringVar(&s.OkURL, "ok-url", "", "callback URL of a verifying receiver")
	flag.StringVar(&s.FailURL, "fail-url", "", "callback URL that answers 500 (empty: skip the failure path)")
	flag.StringVar(&s.Prefix, "prefix", "clients/go", "key prefix")
	flag.StringVar(&s.Flows, "flows", "put-form,put-json,multipart,presigned", "flows to run")
	flag.Parse()
	s.AccessKey = os.Getenv("OSS_ACCESS_KEY_ID")
	s.Secret = os.Getenv("OSS_ACCESS_KEY_SECRET")
	if s.AccessKey == "" || s.Secret == "" || s.OkURL == "" {
		fmt.Fprintln(os.Stderr, "set OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET and -ok-url")
		os.Exit(2)
	}
	if s.Style != "path" && s.Style != "virtual" || s.Sign != "v1" && s.Sign != "v4" {
		fmt.Fprintln(os.Stderr, "-style is path or virtual, -sign is v1 or v4")
		os.Exit(2)
	}
	return s
}

// Wants reports whether flow is selected.
func (s Settings) Wants(flow string) bool {
	for _, f := range strings.Split(s.Flows, ",") {
		if strings.TrimSpace(f) == flow {
			return true
		}
	}
	return false
}

// Port of the emulator's address.
func (s Settings) port() string {
	u, err := url.Parse(s.Endpoint)
	if err != nil || u.Port() == "" {
		return "80"
	}
	return u.Port()
}

// SDKEndpoint is what the app configures: the address itself for path style, OSS's regional
// domain name on the emulator's port for virtual-host style (the bucket then goes into the host).
func (s Settings) SDKEndpoint() string {
	if s.Style == "path" {
		return s.Endpoint
	}
	return fmt.Sprintf("http://oss-%s.aliyuncs.com:%s", s.Region, s.port())
}

// HTTPClient connects every request to the emulator's address whatever host name it carries:
// a stand-in for the DNS entry (BUCKET.oss-REGION.aliyuncs.com -> 127.0.0.1) a machine would need
// for virtual-host style. Nothing leaves loopback.
func (s Settings) HTTPClient() *http.Client {
	u, _ := url.Parse(s.Endpoint)
	target := u.Host
	dialer := &net.Dialer{Timeout: 10 * time.Second}
	transport := &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, target)
		},
		DisableKeepAlives: false,
	}
	return &http.Client{Transport: transport, Timeout: 60 * time.Second}
}

// Callback is one flow's callback parameter: (Base64 callback, Base64 callback-var).
func Callback(callbackURL, bodyType, uid string) (string, string) {
	var body string
	if bodyType == "json" {
		body = `{"bucket":${bucket},"object":${object},"size":${size},"uid":${x:uid}}`
	} else {
		body = "bucket=${bucket}&object=${object}&size=${size}&uid=${x:uid}"
	}
	params := map[string]string{"callbackUrl": callbackURL, "callbackBody": body}
	if bodyType == "json" {
		params["callbackBodyType"] = "application/json"
	} else {
		params["callbackBodyType"] = "application/x-www-form-urlencoded"
	}
	cb, _ := json.Marshal(params)
	vars, _ := json.Marshal(map[string]string{"x:uid": uid})
	return base64.StdEncoding.EncodeToString(cb), base64.StdEncoding.EncodeToString(vars)
}

// Step is one line of output: a flow run against the good receiver ("ok") or the 500 one ("fail").
type Step struct {
	Client  string         `json:"client"`
	Flow    string         `json:"flow"`
	Case    string         `json:"case"`
	Key     string         `json:"key"`
	UID     string         `json:"uid"`
	Status  int            `json:"status"`
	Reply   map[string]any `json:"reply"`
	Code    string         `json:"code"`
	EC      string         `json:"ec"`
	Message string         `json:"message"`
	Error   string         `json:"error"`
	Raised  bool           `json:"raised"` // the SDK call itself failed (rather than returning a result)
}

// Emit prints the step as one JSON line.
func Emit(step Step) {
	out, _ := json.Marshal(step)
	fmt.Println(string(out))
}

// Cases yields the callback URLs to run a flow with: the verifying receiver, then the 500 one.
func (s Settings) Cases() [][2]string {
	cases := [][2]string{{"ok", s.OkURL}}
	if s.FailURL != "" {
		cases = append(cases, [2]string{"fail", s.FailURL})
	}
	return cases
}

// PartOne and PartTwo: a two-part multipart upload (OSS's 100 KB minimum for all parts but the last).
var PartOne = bytes.Repeat([]byte("a"), 100*1024)
var PartTwo = []byte("the last part")

// PlainPut uploads data through a presigned URL with net/http alone (what a browser or a device
// would do), sending only the headers the presigner says were signed. Returns status and body.
func PlainPut(client *http.Client, signedURL string, headers map[string]string, data []byte) (int, []byte, error) {
	req, err := http.NewRequest(http.MethodPut, signedURL, bytes.NewReader(data))
	if err != nil {
		return 0, nil, err
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// FromPlain fills a step from a plain HTTP answer: the JSON reply on 200, OSS's error fields otherwise.
func FromPlain(step *Step, status int, body []byte) {
	step.Status = status
	if status == 200 {
		_ = json.Unmarshal(body, &step.Reply)
		return
	}
	step.Code, step.EC, step.Message = XMLField(body, "Code"), XMLField(body, "EC"), XMLField(body, "Message")
}

// XMLField: the text of <name> in an OSS error document (flat, so a search is enough).
func XMLField(body []byte, name string) string {
	s := string(body)
	i := strings.Index(s, "<"+name+">")
	j := strings.Index(s, "</"+name+">")
	if i < 0 || j < i {
		return ""
	}
	return s[i+len(name)+2 : j]
}
