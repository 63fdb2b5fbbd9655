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
	"bytes"
	"context"
	"fmt"
	"io"
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

// writer drops passgate's cookies from the answer's fields whenever they
// are written: an interim 1xx answer, the final one, or the head of a 101
// written on the hijacked connection.
type writer struct {
	http.ResponseWriter
}

func (w *writer) tidy() {
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

// Hijack keeps WebSockets working; the 101 head written on the connection
// goes through headFilter.
func (w *writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.tidy()
	h, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, fmt.Errorf("%T is not an http.Hijacker", w.ResponseWriter)
	}
	conn, brw, err := h.Hijack()
	if err != nil {
		return conn, brw, err
	}
	out := bufio.NewWriter(&headFilter{w: brw.Writer})
	return conn, bufio.NewReadWriter(brw.Reader, out), nil
}

// headFilter passes bytes on, but first takes the answer's head whole and
// drops its Set-Cookie lines for passgate's cookies.
type headFilter struct {
	w    *bufio.Writer
	head []byte
	done bool
}

func (f *headFilter) Write(p []byte) (int, error) {
	if f.done {
		return f.pass(p, len(p))
	}
	f.head = append(f.head, p...)
	end := bytes.Index(f.head, []byte("\r\n\r\n"))
	if end < 0 {
		if len(f.head) <= 64<<10 {
			return len(p), nil
		}
		end = len(f.head) - 4
	}
	f.done = true
	out := make([]byte, 0, len(f.head))
	for _, line := range bytes.SplitAfter(f.head[:end+4], []byte("\r\n")) {
		if i := bytes.IndexByte(line, ':'); i > 0 &&
			strings.EqualFold(strings.TrimSpace(string(line[:i])), "Set-Cookie") &&
			setsOwn(strings.TrimSpace(string(line[i+1:]))) {
			continue
		}
		out = append(out, line...)
	}
	out = append(out, f.head[end+4:]...)
	f.head = nil
	return f.pass(out, len(p))
}

// pass writes b on and flushes; n is what Write reports.
func (f *headFilter) pass(b []byte, n int) (int, error) {
	if _, err := f.w.Write(b); err != nil {
		return 0, err
	}
	if err := f.w.Flush(); err != nil {
		return 0, err
	}
	return n, nil
}

var _ io.Writer = (*headFilter)(nil)
