// OSS upload callbacks in a Gin app: a handler built on verify() of oss_callback_receiver.go, which
// sits in the same package main (exported by osscb-notebook; tested with the versions in go.mod).
//
//	for _, path := range callbackPaths {
//		if !strings.HasSuffix(path, "/") {
//			r.POST(path, ossCallback)
//		}
//		r.POST(strings.TrimRight(path, "/")+"/*rest", ossCallback)
//	}
//
// It answers POST at every path of callbackPaths and below it (/hooks/oss/callback/<anything>).
// OSS signs the path of your callbackUrl, so the URL you give OSS must be one of these paths: add
// yours to callbackPaths rather than moving the route.
//
// What makes it work:
//   - the body is c.GetRawData(), read before anything else reads it: c.ShouldBind, c.BindJSON and
//     c.PostForm parse it, and re-encoding the result does not give back the bytes OSS signed;
//   - the path is c.Request.RequestURI, the raw target of the request line: c.Request.URL.Path is
//     decoded, c.FullPath() is the route pattern and c.Param("rest") is decoded too;
//   - replies: 200 {"Status":"OK"}; 400 with a Reason when verification fails; 413 over 1 MiB; 503
//     when the work queue is full. Each with Content-Length.
//
// Your slow work goes in processCallback() of oss_callback_receiver.go: this handler hands it to
// that file's bounded queue, which runs it after the reply. OSS waits at most 5 s and never retries.
package main

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

const hookPath = "/hooks/oss/callback"

// callbackPaths are the paths OSS posts to (each also answers its sub-paths). Add the path of your callbackUrl here.
var callbackPaths = []string{hookPath}

// rawTarget is the request path exactly as sent (still percent-encoded) and the raw query.
func rawTarget(r *http.Request) (string, string) {
	target := r.RequestURI
	if !strings.HasPrefix(target, "/") { // absolute form: POST http://host/path HTTP/1.1
		target = r.URL.EscapedPath()
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
	}
	path, query, _ := strings.Cut(target, "?")
	return path, query
}

func ossCallback(c *gin.Context) {
	if c.Request.ContentLength > MAX_BODY {
		c.JSON(http.StatusRequestEntityTooLarge, gin.H{"Status": "body too large", "Reason": "the body is over 1 MiB"})
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, MAX_BODY)
	body, err := c.GetRawData() // the raw bytes OSS signed: never re-encode them
	if err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"Status": "bad request", "Reason": "could not read the body: " + err.Error()})
		return
	}
	rawPath, rawQuery := rawTarget(c.Request)
	if reason := verify(c.Request.Method, rawPath, rawQuery, c.Request.Header, body); reason != "" {
		c.JSON(http.StatusBadRequest, gin.H{"Status": "verify not ok", "Reason": reason})
		return
	}
	select {
	case jobs <- job{body, c.Request.Header.Clone()}:
		c.JSON(http.StatusOK, gin.H{"Status": "OK"})
	default:
		c.JSON(http.StatusServiceUnavailable, gin.H{"Status": "busy", "Reason": "work queue full; callback verified but not accepted"})
	}
}
