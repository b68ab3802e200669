// A minimal Gin app with the middleware a real one has on (logger, recovery, cookie sessions) and
// the OSS callback handler mounted under /hooks/oss/callback.
//
//	go run .                      # 127.0.0.1:8080; OSS_CALLBACK_HOST / OSS_CALLBACK_PORT to change
//	GIN_MODE=release go run .     # production: no debug output
//
// Environment: OSS_CALLBACK_TRUSTED_KEY_URLS (extra trusted key URL prefixes, comma-separated; read
// at startup), SESSION_SECRET (set it in production).
//
// oss_callback_receiver.go is the stand-alone receiver: this folder builds it into the same package
// for its verify(), and the init() below has its main() start this app instead of its own server.
package main

import (
	"crypto/rand"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-contrib/sessions/cookie"
	"github.com/gin-gonic/gin"
)

func init() {
	frameworkMain = runGin
}

func newRouter() *gin.Engine {
	r := gin.Default() // Logger and Recovery
	if err := r.SetTrustedProxies(nil); err != nil {
		log.Fatal(err)
	}
	secret := []byte(os.Getenv("SESSION_SECRET"))
	if len(secret) == 0 {
		secret = make([]byte, 32)
		rand.Read(secret)
	}
	r.Use(sessions.Sessions("session", cookie.NewStore(secret)))
	for _, path := range callbackPaths {
		// "/x/*rest" answers "/x/" and below; a path without the trailing '/' gets its own route
		if !strings.HasSuffix(path, "/") {
			r.POST(path, ossCallback)
		}
		r.POST(strings.TrimRight(path, "/")+"/*rest", ossCallback)
	}
	r.POST("/notes", func(c *gin.Context) {
		var note struct {
			Note string `json:"note" form:"note"`
		}
		if err := c.ShouldBind(&note); err != nil {
			c.JSON(http.StatusBadRequest, gin.H{"error": err.Error()})
			return
		}
		session := sessions.Default(c)
		count, _ := session.Get("notes").(int)
		session.Set("notes", count+1)
		_ = session.Save()
		c.JSON(http.StatusOK, gin.H{"notes": count + 1})
	})
	return r
}

func envOr(name, fallback string) string {
	if value := os.Getenv(name); value != "" {
		return value
	}
	return fallback
}

func runGin() {
	addr := net.JoinHostPort(envOr("OSS_CALLBACK_HOST", "127.0.0.1"), envOr("OSS_CALLBACK_PORT", envOr("PORT", "8080")))
	go worker() // oss_callback_receiver.go's: runs processCallback after each reply
	server := &http.Server{
		Addr:              addr,
		Handler:           newRouter(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second, // a client that stops sending must not hold a connection forever
	}
	log.Printf("gin app listening on http://%s/ (OSS callbacks under %s)", addr, strings.Join(callbackPaths, ", "))
	log.Fatal(server.ListenAndServe())
}
