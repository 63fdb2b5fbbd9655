// Package passgate is a Traefik middleware for passgate's forward-auth
// deployments: it keeps the application from setting passgate's own
// cookies in the browser, which Traefik's own middlewares cannot do (they
// set or remove a response field whole, not one Set-Cookie among several).
// A hostile application on a shared domain could otherwise fix a victim's
// session to one of its choosing.
//
// Traefik runs it from source (Yaegi) as a local plugin: no download.
package passgate

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
)

// Config has nothing to set: the cookie names are passgate's.
type Config struct{}

// CreateConfig is called by Traefik for the middleware's configuration.
func CreateConfig() *Config {
	return &Config{}
}

// Cookies is the middleware.
type Cookies struct {
	next http.Handler
}

// New is called by Traefik to make the middleware.
func New(_ context.Context, next http.Handler, _ *Config, _ string) (http.Handler, error) {
	return &Cookies{next: next}, nil
}

// passgate's cookie names, compared without regard to case (browsers
// treat the __Host- prefix that way).
var own = map[string]bool{
	"__host-passgate":       true,
	"passgate_session":      true,
	"__host-passgate-csrf":  true,
	"passgate_csrf":         true,
	"__host-passgate-email": true,
	"passgate_email":        true,
}

// setsOwn: a cookie's name is what comes before the first "=" (before the
// first ";"). A nameless one ("=passgate_session=x") is sent back by
// browsers as its bare value, which reads as that name: its value is
// looked at too.
func setsOwn(setCookie string) bool {
	pair := setCookie
	if i := strings.Index(pair, ";"); i >= 0 {
		pair = pair[:i]
	}
	for {
		i := strings.Index(pair, "=")
		if i < 0 {
			return false
		}
		name := strings.TrimSpace(pair[:i])
		if name != "" {
			return own[strings.ToLower(name)]
		}
		pair = pair[i+1:]
	}
}

func (c *Cookies) ServeHTTP(rw http.ResponseWriter, req *http.Request) {
	c.next.ServeHTTP(&writer{ResponseWriter: rw}, req)
}

// writer drops passgate's cookies from the answer's fields just before
// they are written.
type writer struct {
	http.ResponseWriter
	tidied bool
}

func (w *writer) tidy() {
	if w.tidied {
		return
	}
	w.tidied = true
	h := w.ResponseWriter.Header()
	all := h.Values("Set-Cookie")
	kept := make([]string, 0, len(all))
	for _, v := range all {
		if !setsOwn(v) {
			kept = append(kept, v)
		}
	}
	if len(kept) == len(all) {
		return
	}
	h.Del("Set-Cookie")
	for _, v := range kept {
		h.Add("Set-Cookie", v)
	}
}

func (w *writer) WriteHeader(code int) {
	w.tidy()
	w.ResponseWriter.WriteHeader(code)
}

func (w *writer) Write(b []byte) (int, error) {
	w.tidy()
	return w.ResponseWriter.Write(b)
}

// Flush keeps streamed answers streaming.
func (w *writer) Flush() {
	w.tidy()
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack keeps WebSockets working.
func (w *writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.tidy()
	h, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, fmt.Errorf("%T is not an http.Hijacker", w.ResponseWriter)
	}
	return h.Hijack()
}
