// OSS upload-callback receiver for your own server (exported by osscb-notebook; Go 1.19+).
//
// One file, Go's standard library only.
//
//	go run oss_callback_receiver.go                                   # 127.0.0.1:8080
//	OSS_CALLBACK_HOST=0.0.0.0 OSS_CALLBACK_PORT=8080 go run oss_callback_receiver.go
//	OSS_CALLBACK_TRUSTED_KEY_URLS=http://127.0.0.1:9000/_osscb/ go run oss_callback_receiver.go
//
// OSS's callback key is RSA-512. Go up to 1.23 verifies with it as is; Go 1.24 and later refuse RSA
// keys under 1024 bits unless run with GODEBUG=rsa1024min=0 (set it in the environment, or put
// `//go:debug rsa1024min=0` above `package main`).
//
// Rules (the same in every language osscb-notebook exports):
//   - Key URL (Base64 in x-oss-pub-key-url): trusted only under http(s)://gosspublic.alicdn.com/ and the
//     prefixes in OSS_CALLBACK_TRUSTED_KEY_URLS (comma-separated; each gets a trailing '/'; an invalid one
//     stops the receiver at startup). Anything else is rejected WITHOUT being fetched: a forger would
//     point it at their own key. URLs with '..' segments, '\', '#', '@', spaces, control or non-ASCII
//     characters are refused too.
//   - OSS's own key is pinned below: real callbacks verify with no fetch. Other trusted keys are
//     fetched once (3 s timeout, 16 KiB cap, no redirects) and cached.
//   - String to sign: percent-decoded path (to bytes; '+' stays '+'; a malformed '%' stays as it is)
//   - '?' + raw query (only if there is one) + '\n' + raw body bytes. RSA PKCS#1 v1.5 with MD5.
//   - Replies (JSON, with Content-Length, no BOM): 200 {"Status":"OK"}; 400 when verification fails;
//     405 for anything but POST; 411 without Content-Length; 413 over 1 MiB; 503 when the work queue is full.
//
// Put your slow work in processCallback(): it runs after the reply, from a bounded queue.
//
// Gin: copy verify() and the helpers it calls into your package. verify() needs the RAW body and
// path: read the body with c.GetRawData() before anything else reads it (c.ShouldBind, c.BindJSON,
// c.ShouldBindJSON and c.PostForm parse it, and re-encoding the result does not give back the bytes
// OSS signed), and take the path and query from c.Request.RequestURI (c.Request.URL.Path is already
// decoded; c.FullPath() is the route pattern):
//
//	r.POST("/oss/callback", func(c *gin.Context) {
//		body, err := c.GetRawData()
//		if err != nil {
//			c.JSON(400, gin.H{"Status": "bad request"})
//			return
//		}
//		rawPath, rawQuery, _ := strings.Cut(c.Request.RequestURI, "?")
//		if reason := verify("POST", rawPath, rawQuery, c.Request.Header, body); reason != "" {
//			c.JSON(400, gin.H{"Status": "verify not ok", "Reason": reason})
//			return
//		}
//		c.JSON(200, gin.H{"Status": "OK"}) // then queue the slow work
//	})
//
// With net/http's ServeMux, note that it redirects paths with "//" or dot segments before your
// handler runs; this file uses a plain handler so every path OSS signed reaches verify().
package main

import (
	"crypto"
	"crypto/md5"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	MAX_BODY          = 1024 * 1024 // OSS's own limit for a callback body
	MAX_KEY_BYTES     = 16 * 1024
	KEY_FETCH_TIMEOUT = 3 * time.Second // OSS waits 5 s for the whole callback
	QUEUE_SIZE        = 1000
)

// OSS's callback public key (public data), pinned for both official URLs.
const OFFICIAL_PUBLIC_KEY_PEM = `-----BEGIN PUBLIC KEY-----
MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAKs/JBGzwUB2aVht4crBx3oIPBLNsjGs
C0fTXv+nvlmklvkcolvpvXLTjaxUHR3W9LXxQ2EHXAJfCB+6H2YF1k8CAwEAAQ==
-----END PUBLIC KEY-----
`

var (
	officialPrefixes = []string{"http://gosspublic.alicdn.com/", "https://gosspublic.alicdn.com/"}
	// OSS's prefixes plus OSS_CALLBACK_TRUSTED_KEY_URLS, read when the program starts (also when
	// verify is copied into your package): an invalid entry stops it there, before it serves.
	trustedPrefixes = mustTrustedPrefixes()
	keys            = map[string]*rsa.PublicKey{} // key URL -> key, kept forever (OSS: it never changes)
	keysLock        sync.Mutex
	hostPattern     = regexp.MustCompile(`^[A-Za-z0-9.\-:\[\]]+$`)
	base64Pattern   = regexp.MustCompile(`^[A-Za-z0-9+/]*={0,2}$`)
	// No redirects: one could leave the trusted prefix. A 3xx is then refused like any other non-200.
	keyClient = &http.Client{
		Timeout:       KEY_FETCH_TIMEOUT,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
)

func init() {
	key, err := parsePublicKey([]byte(OFFICIAL_PUBLIC_KEY_PEM))
	if err != nil {
		panic(err)
	}
	for _, prefix := range officialPrefixes {
		keys[prefix+"callback_pub_key_v1.pem"] = key
	}
}

// processCallback is your slow work for one verified callback (thumbnails, database, other
// services). It runs AFTER the reply: OSS waits at most 5 s for the reply, holds the client's
// upload response meanwhile, and never retries. Make it idempotent: key it on signed fields
// (${bucket}, ${object}, ${etag}) from the body, not on unsigned headers.
func processCallback(body []byte, header http.Header) {
	// YOUR SLOW WORK GOES HERE
	if len(body) > 200 {
		body = body[:200]
	}
	log.Printf("callback: %q", body)
}

type job struct {
	body   []byte
	header http.Header
}

// Slow work is handed to one worker through a bounded queue, after the reply is decided: OSS gives
// up after 5 s (the client then gets 203 CallbackFailed) and never retries. When the queue is full
// the receiver answers 503, so OSS reports the failure instead of a silent loss.
var jobs = make(chan job, QUEUE_SIZE)

func worker() {
	for j := range jobs {
		func() {
			defer func() {
				if err := recover(); err != nil {
					log.Printf("processCallback failed: %v", err)
				}
			}()
			processCallback(j.body, j.header)
		}()
	}
}

func badChars(text string) bool {
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c <= 0x20 || c >= 0x7f || c == '\\' || c == '#' || c == '@' {
			return true
		}
	}
	return false
}

func dotSegment(url string) bool {
	url = strings.ReplaceAll(strings.ReplaceAll(url, "%2e", "."), "%2E", ".")
	for _, seg := range strings.Split(url, "/") {
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
}

// normalizePrefix checks a trusted key URL prefix: an http(s) URL with a host, ending with '/'
// (added if missing), so that it pins the scheme, host and port.
func normalizePrefix(prefix string) (string, error) {
	prefix = strings.TrimSpace(prefix)
	scheme, rest, found := strings.Cut(prefix, "://")
	host := strings.SplitN(rest, "/", 2)[0]
	if !found || (scheme != "http" && scheme != "https") || host == "" || badChars(prefix) ||
		strings.Contains(prefix, "?") || dotSegment(rest) || !hostPattern.MatchString(host) {
		return "", fmt.Errorf("not an http(s) URL prefix: %q", prefix)
	}
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return prefix, nil
}

// parseTrusted reads OSS_CALLBACK_TRUSTED_KEY_URLS: comma-separated prefixes; unset or blank means none.
func parseTrusted(value string) ([]string, error) {
	if strings.TrimSpace(value) == "" {
		return nil, nil
	}
	var out []string
	for _, entry := range strings.Split(value, ",") {
		if strings.TrimSpace(entry) == "" {
			return nil, fmt.Errorf("empty entry in %q", value)
		}
		prefix, err := normalizePrefix(entry)
		if err != nil {
			return nil, err
		}
		out = append(out, prefix)
	}
	return out, nil
}

func mustTrustedPrefixes() []string {
	extra, err := parseTrusted(os.Getenv("OSS_CALLBACK_TRUSTED_KEY_URLS"))
	if err != nil {
		fmt.Fprintf(os.Stderr, "OSS_CALLBACK_TRUSTED_KEY_URLS: %v\n", err)
		os.Exit(2)
	}
	return append(append([]string{}, officialPrefixes...), extra...)
}

// keyURLProblem says why url may not be used (it is then never fetched), or "" when it is trusted.
func keyURLProblem(url string) string {
	if badChars(url) || dotSegment(url) {
		return "key URL has forbidden characters or '..' (not fetched)"
	}
	for _, prefix := range trustedPrefixes {
		if strings.HasPrefix(url, prefix) {
			return ""
		}
	}
	return "key URL is not under a trusted prefix (not fetched)"
}

func parsePublicKey(data []byte) (*rsa.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("not a PEM key")
	}
	if key, err := x509.ParsePKIXPublicKey(block.Bytes); err == nil {
		if rsaKey, ok := key.(*rsa.PublicKey); ok {
			return rsaKey, nil
		}
		return nil, errors.New("not an RSA key")
	}
	return x509.ParsePKCS1PublicKey(block.Bytes)
}

// publicKeyFor returns the key at a trusted url: pinned, cached, or fetched once.
func publicKeyFor(url string) (*rsa.PublicKey, error) {
	keysLock.Lock()
	key, ok := keys[url]
	keysLock.Unlock()
	if ok {
		return key, nil
	}
	resp, err := keyClient.Get(url) // the Timeout covers connecting and reading the body
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("key server answered %d", resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MAX_KEY_BYTES+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MAX_KEY_BYTES {
		return nil, errors.New("key larger than 16 KiB")
	}
	key, err = parsePublicKey(data)
	if err != nil {
		return nil, err
	}
	keysLock.Lock()
	keys[url] = key
	keysLock.Unlock()
	return key, nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// percentDecode turns %XX into that byte; everything else (including '+' and a malformed '%')
// stays as it is. (url.PathUnescape would fail on a malformed escape.)
func percentDecode(path string) []byte {
	out := make([]byte, 0, len(path))
	for i := 0; i < len(path); {
		if path[i] == '%' && i+2 < len(path) {
			hi, ok1 := unhex(path[i+1])
			lo, ok2 := unhex(path[i+2])
			if ok1 && ok2 {
				out = append(out, hi<<4|lo)
				i += 3
				continue
			}
		}
		out = append(out, path[i])
		i++
	}
	return out
}

func isASCII(data []byte) bool {
	for _, b := range data {
		if b >= 0x80 {
			return false
		}
	}
	return true
}

func decodeBase64(value string) ([]byte, error) {
	value = strings.TrimSpace(value)
	if len(value)%4 != 0 || !base64Pattern.MatchString(value) {
		return nil, errors.New("not Base64")
	}
	return base64.StdEncoding.DecodeString(value)
}

// verify checks one OSS callback and returns "" when it is genuine, else the reason.
//
//	method:   the HTTP method
//	rawPath:  the request path exactly as sent (still percent-encoded)
//	rawQuery: the raw query without '?' ("" if none)
//	header:   the request headers (http.Header: names in any case)
//	body:     the raw body bytes as received
func verify(method, rawPath, rawQuery string, header http.Header, body []byte) string {
	if method != http.MethodPost {
		return "not a POST"
	}
	urlBytes, err1 := decodeBase64(header.Get("x-oss-pub-key-url"))
	signature, err2 := decodeBase64(header.Get("authorization"))
	if err1 != nil || err2 != nil || !isASCII(urlBytes) {
		return "malformed x-oss-pub-key-url or authorization header"
	}
	keyURL := string(urlBytes)
	if keyURL == "" || len(signature) == 0 {
		return "missing x-oss-pub-key-url or authorization header"
	}
	if problem := keyURLProblem(keyURL); problem != "" {
		return problem
	}
	key, err := publicKeyFor(keyURL)
	if err != nil {
		return "cannot get the public key: " + err.Error()
	}
	message := percentDecode(rawPath)
	if rawQuery != "" {
		message = append(append(message, '?'), rawQuery...)
	}
	message = append(append(message, '\n'), body...)
	digest := md5.Sum(message)
	if rsa.VerifyPKCS1v15(key, crypto.MD5, digest[:], signature) != nil {
		return "signature does not match"
	}
	return ""
}

func reply(w http.ResponseWriter, r *http.Request, status int, doc map[string]string) {
	body, _ := json.Marshal(doc)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Header().Set("Connection", "close")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

func handle(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		reply(w, r, 405, map[string]string{"Status": "method not allowed", "Reason": "OSS callbacks are POST requests"})
		return
	}
	if r.ContentLength < 0 || len(r.TransferEncoding) > 0 {
		reply(w, r, 411, map[string]string{"Status": "length required", "Reason": "send the body with a Content-Length"})
		return
	}
	if r.ContentLength > MAX_BODY {
		reply(w, r, 413, map[string]string{"Status": "body too large", "Reason": fmt.Sprintf("the body is over %d bytes", MAX_BODY)})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MAX_BODY)) // the raw bytes OSS signed: never re-encode them
	if err != nil {
		reply(w, r, 400, map[string]string{"Status": "bad request", "Reason": "could not read the body"})
		return
	}
	// RequestURI is the raw target from the request line (r.URL.Path is decoded)
	rawPath, rawQuery, _ := strings.Cut(r.RequestURI, "?")
	if reason := verify(r.Method, rawPath, rawQuery, r.Header, body); reason != "" {
		log.Printf("callback rejected: %s", reason)
		reply(w, r, 400, map[string]string{"Status": "verify not ok", "Reason": reason})
		return
	}
	select {
	case jobs <- job{body, r.Header.Clone()}:
		reply(w, r, 200, map[string]string{"Status": "OK"})
	default:
		reply(w, r, 503, map[string]string{"Status": "busy", "Reason": "work queue full; callback verified but not accepted"})
	}
}

// frameworkMain is set by a framework hookup built into the same package (the Gin app of
// `osscb export-receiver --lang go --framework gin`); main() then runs it instead of this server.
var frameworkMain func()

func main() {
	if frameworkMain != nil {
		frameworkMain()
		return
	}
	host := os.Getenv("OSS_CALLBACK_HOST")
	if host == "" {
		host = "127.0.0.1"
	}
	port := os.Getenv("OSS_CALLBACK_PORT")
	if port == "" {
		port = "8080"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		fmt.Fprintf(os.Stderr, "OSS_CALLBACK_PORT: not a port: %q\n", port)
		os.Exit(2)
	}
	listener, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		fmt.Fprintf(os.Stderr, "cannot listen on %s:%s: %v\n", host, port, err)
		os.Exit(1)
	}
	go worker()
	fmt.Printf("oss callback receiver listening on http://%s/\n", net.JoinHostPort(host, strconv.Itoa(listener.Addr().(*net.TCPAddr).Port)))
	server := &http.Server{
		Handler:           http.HandlerFunc(handle),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second, // a client that stops sending must not hold a connection forever
	}
	log.Fatal(server.Serve(listener))
}
