package daemon

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/lib/pq"
)

// DBTLSWarning says why the database connection can be read or
// impersonated on the network: a host that is not loopback (nor a Unix
// socket) reached with an sslmode that does not verify the server. It
// returns "" when there is nothing to warn about. dsn is a lib/pq URL or
// key=value string; the PG* environment variables count, as they do for the
// driver.
func DBTLSWarning(dsn string) (string, error) {
	cfg, err := pq.NewConfig(dsn)
	if err != nil {
		return "", err
	}
	var remote []string
	hosts := []pq.ConfigMultihost{{Host: cfg.Host, Hostaddr: cfg.Hostaddr}}
	for _, h := range append(hosts, cfg.Multi...) {
		if !localHost(h) {
			name := h.Host
			if h.Hostaddr.IsValid() {
				name = h.Hostaddr.String()
			}
			remote = append(remote, name)
		}
	}
	if len(remote) == 0 {
		return "", nil
	}
	var why string
	switch mode := cfg.SSLMode; {
	case mode == pq.SSLModeVerifyFull, mode == pq.SSLModeVerifyCA, strings.HasPrefix(string(mode), "pqgo-"):
		return "", nil // verified, or a TLS config the program registered
	case mode == "":
		why = "sslmode is not set, and lib/pq's default (require) encrypts but does not verify the server"
	case mode == pq.SSLModeRequire:
		why = "sslmode=require encrypts but does not verify the server"
	default: // disable, allow, prefer
		why = fmt.Sprintf("sslmode=%s may not even encrypt, and does not verify the server", mode)
	}
	return fmt.Sprintf("database host %s is not loopback and %s: whoever sits on the path can read or impersonate it; set sslmode=verify-full (or verify-ca) with sslrootcert",
		strings.Join(remote, ", "), why), nil
}

// localHost reports whether h is reached without a network: a Unix socket,
// localhost or a loopback address (hostaddr, when set, is where lib/pq
// connects).
func localHost(h pq.ConfigMultihost) bool {
	if h.Hostaddr.IsValid() {
		return h.Hostaddr.IsLoopback()
	}
	host := h.Host
	if host == "" || strings.HasPrefix(host, "/") || strings.HasPrefix(host, "@") || strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && a.IsLoopback()
}
