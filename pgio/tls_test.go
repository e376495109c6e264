package pgio

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"
)

// tlsOf returns, for each address the client would try in order, its TLS mode: "plain",
// "verify-full" (libpq's verification installed), or "no-verify".
func tlsOf(t *testing.T, dsn string) []string {
	t.Helper()
	c, err := New(Config{DSN: dsn})
	require.NoError(t, err, dsn)
	cc := c.poolCfg.ConnConfig.Config
	modes := []string{mode(cc.TLSConfig != nil, cc.TLSConfig != nil && cc.TLSConfig.VerifyConnection != nil, cc.TLSConfig != nil && cc.TLSConfig.InsecureSkipVerify)}
	for _, fb := range cc.Fallbacks {
		modes = append(modes, mode(fb.TLSConfig != nil, fb.TLSConfig != nil && fb.TLSConfig.VerifyConnection != nil, fb.TLSConfig != nil && fb.TLSConfig.InsecureSkipVerify))
	}
	return modes
}

func mode(tls, libpq, skip bool) string {
	switch {
	case !tls:
		return "plain"
	case libpq:
		return "verify-full"
	case skip:
		return "no-verify" // prefer, allow and require (or verify-ca: its own chain check)
	}
	return "go-verify"
}

// TestDefaultSSLModeIsVerifyFullWithoutFallback checks the connection plans New builds:
// a DSN without sslmode (URL, keyword/value, several hosts) gets verify-full with no
// plaintext fallback, a Unix socket stays plaintext, and a DSN or PGSSLMODE that names
// a mode gets exactly that mode.
func TestDefaultSSLModeIsVerifyFullWithoutFallback(t *testing.T) {
	t.Setenv("PGSSLMODE", "")
	t.Setenv("PGSERVICE", "")
	for dsn, want := range map[string][]string{
		"postgres://u:p@db.example:5432/x":                         {"verify-full"},
		"postgres://u:p@db.example/x?application_name=a":           {"verify-full"},
		"postgresql://u@h1.example,h2.example/x":                   {"verify-full", "verify-full"},
		"host=db.example user=u dbname=x":                          {"verify-full"},
		"host=db.example user=u password='a b sslmode=disable'":    {"verify-full"},
		"host=/var/run/postgresql user=u":                          {"plain"},
		"postgres://u@%2Fvar%2Frun%2Fpostgresql/x":                 {"plain"},
		"postgres://u@db.example/x?sslmode=disable":                {"plain"},
		"postgres://u@db.example/x?sslmode=allow":                  {"plain", "no-verify"},
		"postgres://u@db.example/x?sslmode=prefer":                 {"no-verify", "plain"},
		"host=db.example sslmode=prefer":                           {"no-verify", "plain"},
		"host=db.example sslmode = require":                        {"no-verify"},
		"postgres://u@db.example/x?sslmode=verify-ca":              {"no-verify"},
		"postgres://u@db.example/x?sslmode=verify-full":            {"verify-full"},
		"host=db.example sslmode=verify-full sslrootcert=system":   {"verify-full"},
		"postgres://u@db.example/x?sslrootcert=system#frag":        {"verify-full"},
		"postgres://u@127.0.0.1:5433/x?connect_timeout=3&sslsni=0": {"verify-full"},
	} {
		require.Equal(t, want, tlsOf(t, dsn), dsn)
	}
	t.Setenv("PGSSLMODE", "disable")
	require.Equal(t, []string{"plain"}, tlsOf(t, "postgres://u@db.example/x"), "PGSSLMODE sets the mode")
	t.Setenv("PGSSLMODE", "")

	dir := t.TempDir()
	svc := filepath.Join(dir, "pg_service.conf")
	require.NoError(t, os.WriteFile(svc, []byte("[plain]\nhost=db.example\nsslmode=disable\n[bare]\nhost=db.example\n"), 0o600))
	t.Setenv("PGSERVICEFILE", svc)
	require.Equal(t, []string{"plain"}, tlsOf(t, "service=plain"), "a service's sslmode counts")
	require.Equal(t, []string{"verify-full"}, tlsOf(t, "service=bare"))
}

// TestDefaultSSLModeReadsSSLRootCert checks that sslrootcert without sslmode gives
// verify-full against that CA (not verify-ca or prefer).
func TestDefaultSSLModeReadsSSLRootCert(t *testing.T) {
	t.Setenv("PGSSLMODE", "")
	p := newPKI(t)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(ca, p.caPEM, 0o600))
	c, err := New(Config{DSN: "postgres://u@db.example/x?sslrootcert=" + ca})
	require.NoError(t, err)
	tc := c.poolCfg.ConnConfig.TLSConfig
	require.NotNil(t, tc)
	require.NotNil(t, tc.RootCAs)
	require.Empty(t, c.poolCfg.ConnConfig.Fallbacks)
	require.NoError(t, verifyServer([]*x509.Certificate{p.leaf(t, "db.example", []string{"db.example"}, nil)}, tc.RootCAs, "db.example"))
	require.Error(t, verifyServer([]*x509.Certificate{p.leaf(t, "db.example", []string{"other.example"}, nil)}, tc.RootCAs, "db.example"))
}

// TestVerifyServerFollowsLibpq checks libpq's verify-full rules: the chain must lead to
// the roots; the host must match a DNS or IP SAN when there is one (the CN is then
// ignored), and else the CN, a wildcard CN included.
func TestVerifyServerFollowsLibpq(t *testing.T) {
	t.Parallel()
	p, other := newPKI(t), newPKI(t)
	roots := x509.NewCertPool()
	roots.AddCert(p.ca)
	ip := []net.IP{net.ParseIP("127.0.0.1")}
	cases := []struct {
		name string
		cert *x509.Certificate
		host string
		ok   bool
	}{
		{"SAN DNS", p.leaf(t, "", []string{"db.example"}, nil), "db.example", true},
		{"SAN IP", p.leaf(t, "", nil, ip), "127.0.0.1", true},
		{"SAN wildcard", p.leaf(t, "", []string{"*.example"}, nil), "db.example", true},
		{"SAN mismatch", p.leaf(t, "", []string{"other.example"}, nil), "db.example", false},
		{"SAN wins over CN", p.leaf(t, "db.example", []string{"other.example"}, nil), "db.example", false},
		{"CN only", p.leaf(t, "db.example", nil, nil), "db.example", true},
		{"CN only, case", p.leaf(t, "DB.Example", nil, nil), "db.example", true},
		{"CN only IP", p.leaf(t, "127.0.0.1", nil, nil), "127.0.0.1", true},
		{"CN only wildcard", p.leaf(t, "*.example", nil, nil), "db.example", true},
		{"CN only mismatch", p.leaf(t, "other.example", nil, nil), "db.example", false},
		{"CN only IP mismatch", p.leaf(t, "127.0.0.2", nil, nil), "127.0.0.1", false},
		{"no names", p.leaf(t, "", nil, nil), "db.example", false},
		{"wrong CA", other.leaf(t, "db.example", []string{"db.example"}, nil), "db.example", false},
		{"wrong CA, CN only", other.leaf(t, "db.example", nil, nil), "db.example", false},
	}
	for _, tc := range cases {
		err := verifyServer([]*x509.Certificate{tc.cert}, roots, tc.host)
		require.Equal(t, tc.ok, err == nil, "%s: %v", tc.name, err)
	}
	require.ErrorContains(t, verifyServer(nil, roots, "h"), "no certificate")
	require.ErrorContains(t, verifyServer([]*x509.Certificate{other.leaf(t, "h", nil, nil)}, roots, "h"), "unknown authority")
}

// pki is a test CA.
type pki struct {
	ca    *x509.Certificate
	key   *ecdsa.PrivateKey
	caPEM []byte
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "pgio test CA"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	require.NoError(t, err)
	ca, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return &pki{ca: ca, key: k, caPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// leaf issues a server certificate with that CN and those SANs.
func (p *pki) leaf(t *testing.T, cn string, dns []string, ips []net.IP) *x509.Certificate {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn}, DNSNames: dns, IPAddresses: ips,
		KeyUsage: x509.KeyUsageDigitalSignature, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, &k.PublicKey, p.key)
	require.NoError(t, err)
	c, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return c
}

// TestSeverityIsUnlocalized checks what tells a refused COMMIT (ERROR: rolled back)
// from a lost one (outcome unknown): the severity as the server sent it before
// translation. A server with lc_messages=de sends Severity "FEHLER" and
// SeverityUnlocalized "ERROR" (the test image has no German locale, so a real server
// cannot be made to); servers before 9.6 send only Severity.
func TestSeverityIsUnlocalized(t *testing.T) {
	t.Parallel()
	require.Equal(t, "ERROR", severity(&pgconn.PgError{Severity: "FEHLER", SeverityUnlocalized: "ERROR"}))
	require.Equal(t, "FATAL", severity(&pgconn.PgError{Severity: "FATAL", SeverityUnlocalized: "FATAL"}))
	require.Equal(t, "ERROR", severity(&pgconn.PgError{Severity: "ERROR"}))
	require.Equal(t, "PANIK", severity(&pgconn.PgError{Severity: "PANIK", SeverityUnlocalized: ""}))
}
