package metrics

import (
	"crypto/sha256"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"sipslb/slb/config"
	"sipslb/slb/throttle"
)

// Bounds of the login check. A bcrypt comparison costs about 50 ms of one
// core: only one runs at a time, a source that keeps failing waits longer
// each time (slb/throttle, the schedule of SSH logins), and a login that
// succeeded is remembered so that a scrape every few seconds costs no
// bcrypt at all.
const (
	maxLoginsWaiting = 8  // requests waiting for a login check; more get 503
	maxRemembered    = 64 // successful logins remembered (name, password, hash)
)

// auth is the ip http authentication local check. Its zero value asks
// for no login.
type auth struct {
	mu    sync.Mutex
	users map[string]string // name → bcrypt hash; nil: no login asked
	ok    map[[32]byte]bool // digests of logins that matched users

	throttle *throttle.Throttle[netip.Addr]
	hashSem  chan struct{} // one bcrypt at a time
	waiting  chan struct{} // requests in the check, bounded
}

func newAuth() *auth {
	return &auth{throttle: throttle.New[netip.Addr](throttle.Default), hashSem: make(chan struct{}, 1),
		waiting: make(chan struct{}, maxLoginsWaiting)}
}

// set replaces the users (nil: no login asked) and forgets the logins
// remembered, so a changed or removed password stops working at once.
func (a *auth) set(users map[string]string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.users, a.ok = users, map[[32]byte]bool{}
}

// wrap asks for a login before next when users are set.
func (a *auth) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		users := a.users
		a.mu.Unlock()
		if users == nil {
			next.ServeHTTP(w, r)
			return
		}
		select {
		case a.waiting <- struct{}{}:
		default:
			http.Error(w, "too many login attempts at once", http.StatusServiceUnavailable)
			return
		}
		status := a.check(r, users)
		<-a.waiting
		switch status {
		case http.StatusOK:
			next.ServeHTTP(w, r)
		case http.StatusUnauthorized:
			w.Header().Set("WWW-Authenticate", `Basic realm="sipslb", charset="UTF-8"`)
			http.Error(w, "login required (ip http authentication local)", status)
		default:
			http.Error(w, "too many failed logins from this address, try later", status)
		}
	})
}

// check judges the request's basic authentication against users.
func (a *auth) check(r *http.Request, users map[string]string) int {
	name, pass, given := r.BasicAuth()
	if !given {
		return http.StatusUnauthorized
	}
	hash := users[name]
	digest := sha256.Sum256([]byte(name + "\x00" + pass + "\x00" + hash))
	a.mu.Lock()
	known := a.ok[digest]
	a.mu.Unlock()
	if known && hash != "" {
		return http.StatusOK
	}
	src := remoteIP(r.RemoteAddr)
	v, d := a.throttle.Admit(src)
	switch v {
	case throttle.Refused:
		return http.StatusTooManyRequests
	case throttle.After:
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return http.StatusTooManyRequests
		}
	}
	a.hashSem <- struct{}{}
	ok := config.MatchSecret(hash, pass)
	<-a.hashSem
	if !ok {
		a.throttle.Fail(src)
		return http.StatusUnauthorized
	}
	a.mu.Lock()
	if len(a.ok) >= maxRemembered {
		clear(a.ok)
	}
	if users[name] == hash { // not replaced meanwhile
		a.ok[digest] = true
	}
	a.mu.Unlock()
	return http.StatusOK
}

func remoteIP(addr string) netip.Addr {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	ip, _ := netip.ParseAddr(host)
	return ip.Unmap()
}
