// OSS upload-callback receiver for your own server (exported by osscb-notebook; Go 1.19+).
//
// One file, Go's standard library only.
//
//	go run oss_callback_receiver.go                                   # 127.0.0.1:8080
//	OSS_CALLBACK_HOST=0.0.0.0 OSS_CALLBACK_PORT=8080 go run oss_callback_receiver.go
//	OSS_CALLBACK_TRUSTED_KEY_URLS=http://127.0.0.1:9000/_osscb/ go run oss_callback_receiver.go
//
// OSS's callback key is RSA-512. Go 1.24 and later refuse RSA keys under 1024 bits in crypto/rsa
// (golang/go#68762), so this file checks the RSA PKCS#1 v1.5 / MD5 signature itself with math/big
// (verifyPKCS1v15MD5): it works the same on every Go from 1.19 on, with no GODEBUG setting and no
// //go:debug line (which Go before 1.21 rejects).
//
// Rules (the same in every language osscb-notebook exports):
//   - Key URL (Base64 in x-oss-pub-key-url): trusted only under http(s)://gosspublic.alicdn.com/ and the
//     prefixes in OSS_CALLBACK_TRUSTED_KEY_URLS (comma-separated; each gets a trailing '/'; an invalid one
//     stops the receiver at startup). Anything else is rejected WITHOUT being fetched: a forger would
//     point it at their own key. Also refused: '\', '#', '@', spaces, control or non-ASCII characters,
//     an encoded '/', '\' or '%' (%2f, %5c, %25), and a '.' or '..' segment once percent-decoded,
//     however it ends ('/', '?', '#', ';' or the end: "PREFIX..?x=1" and "PREFIX%2e%2e" too).
//   - OSS's own key is pinned below: real callbacks verify with no fetch. Other trusted keys are
//     fetched once (3 s in total, 16 KiB cap, no redirects, one fetch in flight per URL: callbacks
//     arriving meanwhile wait for it) and cached; a failed fetch is remembered for 10 s, so the
//     callbacks behind a slow key server fail at once instead of each waiting 3 s again.
//   - String to sign: the percent-decoded path (to bytes; '+' stays '+'; a malformed '%' stays as it
//     is), then '?' and the raw query if there is one, then '\n' and the raw body bytes. The
//     signature is RSA PKCS#1 v1.5 with MD5.
//   - Replies (JSON, with Content-Length, no BOM): 200 {"Status":"OK"}; 400 when verification fails,
//     for a duplicated authorization or x-oss-pub-key-url header and for a body shorter than its
//     Content-Length; 405 for any method but POST (exactly: "post" too); 411 with no Content-Length
//     (a chunked body included); 413 over 1 MiB; 503 when the work queue is full.
//   - What net/http answers itself, before this file's handler runs (plain text, not JSON, and this
//     file cannot change it): 400 for a malformed request line or header, a target with a malformed
//     '%' escape, and a Content-Length that is non-numeric or conflicting (a 20-digit one too: 400
//     there, where the others answer 413); 431 for headers over 1 MiB.
//
// Put your slow work in processCallback(): it runs after the reply, from a bounded queue.
//
// Gin: the tested hookup is `osscb export-receiver --lang go --framework gin` (folder
// exports/go/gin/ in osscb-notebook): a Gin handler that reads the raw body with c.GetRawData() and
// the raw target from c.Request.RequestURI, and calls verify() from this file.
//
// With net/http's ServeMux, note that it redirects paths with "//" or dot segments before your
// handler runs; this file uses a plain handler so every path OSS signed reaches verify().
package main

import (
	"crypto/md5"
	"crypto/rsa"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
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
	MAX_BODY          = 1024 * 1024 // a generous cap: OSS's callback bodies are small (the template is <= 5 KB of Base64)
	MAX_KEY_BYTES     = 16 * 1024
	KEY_FETCH_TIMEOUT = 3 * time.Second // OSS waits 5 s for the whole callback
	QUEUE_SIZE        = 1000
	FAILURE_MEMORY    = 10 * time.Second // a failed key fetch is not retried for this long
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
	trustedPrefixes   = mustTrustedPrefixes()
	keys              = map[string]*rsa.PublicKey{} // key URL -> key, kept forever (OSS: it never changes)
	fetches           = map[string]*keyFetch{}      // key URL -> the fetch in flight, or one that failed lately
	keysLock          sync.Mutex
	hostPattern       = regexp.MustCompile(`^[A-Za-z0-9.\-:\[\]]+$`)
	base64Pattern     = regexp.MustCompile(`^[A-Za-z0-9+/]*={0,2}$`)
	dotSegmentPattern = regexp.MustCompile(`(^|[/?#;\\])\.\.?([/?#;\\]|$)`)
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

// dotSegment: a '.' or '..' segment once percent-decoded, however it ends ('/', '?', '#', ';', '\'
// or the end), or an encoded '/', '\' or '%' (a key server may decode and resolve them).
func dotSegment(url string) bool {
	lower := strings.ToLower(url)
	if strings.Contains(lower, "%2f") || strings.Contains(lower, "%5c") || strings.Contains(lower, "%25") {
		return true
	}
	return dotSegmentPattern.Match(percentDecode(url))
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
		return "key URL has forbidden characters, an encoded '/', or a dot segment (not fetched)"
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

type keyFetch struct {
	done   chan struct{} // closed when the fetch ends
	key    *rsa.PublicKey
	err    error
	failed time.Time
}

// publicKeyFor returns the key at a trusted url: pinned, cached, or fetched once. Callbacks that
// arrive while it is being fetched wait for that one fetch; a failure is shared with them and
// remembered for FAILURE_MEMORY.
func publicKeyFor(url string) (*rsa.PublicKey, error) {
	keysLock.Lock()
	if key, ok := keys[url]; ok {
		keysLock.Unlock()
		return key, nil
	}
	f, ok := fetches[url]
	if ok && f.err != nil && time.Since(f.failed) >= FAILURE_MEMORY {
		ok = false // an old failure: try again
	}
	if !ok {
		f = &keyFetch{done: make(chan struct{})}
		fetches[url] = f
		go func() {
			key, err := fetchKey(url)
			keysLock.Lock()
			if err == nil {
				keys[url] = key
				delete(fetches, url)
			} else {
				f.failed = time.Now()
			}
			f.key, f.err = key, err
			keysLock.Unlock()
			close(f.done)
		}()
	}
	keysLock.Unlock()
	<-f.done // fetchKey ends within KEY_FETCH_TIMEOUT
	return f.key, f.err
}

func fetchKey(url string) (*rsa.PublicKey, error) {
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
	return parsePublicKey(data)
}

// md5DigestInfo is the DER prefix of an MD5 DigestInfo (RFC 8017, section 9.2, note 1).
var md5DigestInfo = []byte{0x30, 0x20, 0x30, 0x0c, 0x06, 0x08, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x05, 0x05, 0x00, 0x04, 0x10}

// verifyPKCS1v15MD5 is RSASSA-PKCS1-v1_5 verification with MD5 (RFC 8017, section 8.2.2), done
// with math/big so that it also accepts OSS's 512-bit key on Go 1.24+ (crypto/rsa refuses keys
// under 1024 bits there). The signature is public: only the final comparison is constant-time.
func verifyPKCS1v15MD5(pub *rsa.PublicKey, digest [md5.Size]byte, sig []byte) bool {
	k := (pub.N.BitLen() + 7) / 8
	tLen := len(md5DigestInfo) + md5.Size
	if pub.E < 2 || len(sig) != k || k < tLen+11 {
		return false
	}
	s := new(big.Int).SetBytes(sig)
	if s.Cmp(pub.N) >= 0 {
		return false
	}
	em := new(big.Int).Exp(s, big.NewInt(int64(pub.E)), pub.N).FillBytes(make([]byte, k))
	// EM = 0x00 || 0x01 || PS (0xff...) || 0x00 || DigestInfo || MD5(message)
	want := make([]byte, k)
	want[1] = 0x01
	for i := 2; i < k-tLen-1; i++ {
		want[i] = 0xff
	}
	copy(want[k-tLen:], md5DigestInfo)
	copy(want[k-md5.Size:], digest[:])
	return subtle.ConstantTimeCompare(em, want) == 1
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
	if len(header.Values("x-oss-pub-key-url")) > 1 || len(header.Values("authorization")) > 1 {
		return "duplicated x-oss-pub-key-url or authorization header"
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
	if !verifyPKCS1v15MD5(key, md5.Sum(message), signature) {
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
	// net/http reads a request without Content-Length as an empty body: OSS always sends one
	if len(r.Header["Content-Length"]) == 0 || len(r.TransferEncoding) > 0 || r.ContentLength < 0 {
		reply(w, r, 411, map[string]string{"Status": "length required", "Reason": "send the body with a Content-Length"})
		return
	}
	if r.ContentLength > MAX_BODY {
		reply(w, r, 413, map[string]string{"Status": "body too large", "Reason": fmt.Sprintf("the body is over %d bytes", MAX_BODY)})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MAX_BODY)) // the raw bytes OSS signed: never re-encode them
	if err != nil || int64(len(body)) != r.ContentLength {
		reply(w, r, 400, map[string]string{"Status": "bad request", "Reason": "the body is shorter than its Content-Length"})
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
