package pgio

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// SSLModeDefault is the sslmode tmimport uses when neither the DSN, nor PGSSLMODE, nor a
// service the DSN names sets one: TLS, with the server's certificate verified against
// the system's roots (or sslrootcert / PGSSLROOTCERT when given) and its name checked,
// and no plaintext fallback. (libpq and pgx default to prefer: TLS without any
// verification, and plaintext when the server offers no TLS.) Unix-domain sockets are
// never encrypted, as in libpq.
const SSLModeDefault = "verify-full"

// withDefaultSSLMode returns dsn with sslmode=verify-full added when nothing sets an
// sslmode (see [SSLModeDefault]), and dsn itself otherwise.
func withDefaultSSLMode(dsn string) string {
	if sslModeSet(dsn) {
		return dsn
	}
	if isURL(dsn) {
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		if i := strings.IndexByte(dsn, '#'); i >= 0 { // keep a fragment last
			return dsn[:i] + sep + "sslmode=" + SSLModeDefault + dsn[i:]
		}
		return dsn + sep + "sslmode=" + SSLModeDefault
	}
	return dsn + " sslmode=" + SSLModeDefault
}

// isURL reports whether pgx reads dsn as a URL rather than as keyword/value pairs.
func isURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// sslModeSet reports whether an sslmode is set for dsn: in dsn itself, in PGSSLMODE, or
// in the service (pg_service.conf) that dsn or PGSERVICE names. An unparsable dsn
// counts as set: pgx reports its error unchanged.
func sslModeSet(dsn string) bool {
	if os.Getenv("PGSSLMODE") != "" {
		return true
	}
	settings, err := dsnSettings(dsn)
	if err != nil {
		return true
	}
	if _, ok := settings["sslmode"]; ok {
		return true
	}
	service := settings["service"]
	if service == "" {
		service = os.Getenv("PGSERVICE")
	}
	if service == "" {
		return false
	}
	file := settings["servicefile"]
	if file == "" {
		file = os.Getenv("PGSERVICEFILE")
	}
	if file == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return false
		}
		file = filepath.Join(home, ".pg_service.conf")
	}
	return serviceSetsSSLMode(file, service)
}

// serviceSetsSSLMode reports whether the service's section of a pg_service.conf file
// sets sslmode. An unreadable file or a missing service is pgx's error to report.
func serviceSetsSSLMode(file, service string) bool {
	data, err := os.ReadFile(file)
	if err != nil {
		return false
	}
	in := false
	for line := range strings.Lines(string(data)) {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || line[0] == '#':
		case line[0] == '[' && strings.HasSuffix(line, "]"):
			in = line[1:len(line)-1] == service
		case in:
			if k, _, ok := strings.Cut(line, "="); ok && strings.TrimSpace(k) == "sslmode" {
				return true
			}
		}
	}
	return false
}

// dsnSettings returns the keywords dsn sets, with their values, as libpq reads a URL or a
// keyword/value string.
func dsnSettings(dsn string) (map[string]string, error) {
	settings := map[string]string{}
	if isURL(dsn) {
		u, err := url.Parse(dsn)
		if err != nil {
			return nil, err
		}
		for k, v := range u.Query() {
			settings[k] = v[0]
		}
		return settings, nil
	}
	const space = " \t\n\r\v\f"
	s := strings.TrimLeft(dsn, space)
	for s != "" {
		eq := strings.IndexByte(s, '=')
		if eq < 0 {
			return nil, errors.New("invalid keyword/value")
		}
		key := strings.Trim(s[:eq], space)
		s = strings.TrimLeft(s[eq+1:], space)
		var val strings.Builder
		if strings.HasPrefix(s, "'") {
			i := 1
			for ; i < len(s) && s[i] != '\''; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				val.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, errors.New("unterminated quoted string")
			}
			s = s[i+1:]
		} else {
			i := 0
			for ; i < len(s) && !strings.ContainsRune(space, rune(s[i])); i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				val.WriteByte(s[i])
			}
			s = s[i:]
		}
		settings[key] = val.String()
		s = strings.TrimLeft(s, space)
	}
	return settings, nil
}

// libpqVerifyFull replaces Go's verification in every verify-full TLS configuration of
// cfg (and its fallbacks) with libpq's: the chain must lead to the roots (the system's
// when none were given), and the host must match a DNS or IP subject alternative name
// or, when the certificate has none, its common name. Go's own verification refuses a
// certificate that names its host only in the CN ("certificate relies on legacy Common
// Name field"), which libpq, and so psql, accepts.
func libpqVerifyFull(cfg *pgconn.Config) {
	install := func(host string, tc *tls.Config) {
		if tc == nil || tc.InsecureSkipVerify || tc.VerifyConnection != nil || tc.ServerName == "" {
			return // not verify-full (prefer, require and verify-ca skip Go's verification)
		}
		roots := tc.RootCAs
		tc.InsecureSkipVerify = true // Go's verification is replaced, not dropped:
		tc.VerifyConnection = func(cs tls.ConnectionState) error {
			return verifyServer(cs.PeerCertificates, roots, host)
		}
	}
	install(cfg.Host, cfg.TLSConfig)
	for _, fb := range cfg.Fallbacks {
		install(fb.Host, fb.TLSConfig)
	}
}

// verifyServer checks a server's certificate chain the way libpq's sslmode=verify-full
// does (see [libpqVerifyFull]). roots nil means the system's roots.
func verifyServer(certs []*x509.Certificate, roots *x509.CertPool, host string) error {
	if len(certs) == 0 {
		return errors.New("pgio: tls: the server sent no certificate")
	}
	leaf := certs[0]
	opts := x509.VerifyOptions{
		Roots:         roots,
		Intermediates: x509.NewCertPool(),
		// libpq (OpenSSL) checks no extended key usage of a server certificate.
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}
	for _, c := range certs[1:] {
		opts.Intermediates.AddCert(c)
	}
	if _, err := leaf.Verify(opts); err != nil {
		return fmt.Errorf("pgio: tls: server certificate for %q: %w", host, err)
	}
	if len(leaf.DNSNames) > 0 || len(leaf.IPAddresses) > 0 {
		if err := leaf.VerifyHostname(host); err != nil {
			return fmt.Errorf("pgio: tls: server certificate does not name %q: %w", host, err)
		}
		return nil
	}
	// No DNS or IP name: libpq matches the host against the common name, a wildcard
	// in it included.
	cn := leaf.Subject.CommonName
	if cn != "" {
		if net.ParseIP(host) != nil {
			if ip := net.ParseIP(cn); ip != nil && ip.Equal(net.ParseIP(host)) {
				return nil
			}
		} else {
			byName := *leaf
			byName.DNSNames = []string{cn}
			if byName.VerifyHostname(host) == nil {
				return nil
			}
		}
	}
	return fmt.Errorf("pgio: tls: server certificate does not name %q: its common name is %q, and it has no subject alternative names", host, cn)
}
