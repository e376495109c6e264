package integration_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stretchr/testify/require"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/modules/postgres"

	"github.com/tmimport/tmimport/pgio"
	"github.com/tmimport/tmimport/pgio/pgtest"
)

// testPKI makes a CA and a server certificate for 127.0.0.1 and localhost signed by it,
// and writes ca.pem (plus a second, unrelated CA) into dir.
func testPKI(t *testing.T, dir string) (certPEM, keyPEM []byte, caFile, otherCAFile string) {
	t.Helper()
	newKey := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(t, err)
		return k
	}
	ca := func(name string) (*x509.Certificate, *ecdsa.PrivateKey, []byte) {
		k := newKey()
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, IsCA: true, BasicConstraintsValid: true,
			KeyUsage: x509.KeyUsageCertSign, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
		require.NoError(t, err)
		c, err := x509.ParseCertificate(der)
		require.NoError(t, err)
		return c, k, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	}
	caCert, caKey, caPEM := ca("tmimport test CA")
	_, _, otherPEM := ca("some other CA")
	k := newKey()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &k.PublicKey, caKey)
	require.NoError(t, err)
	kder, err := x509.MarshalECPrivateKey(k)
	require.NoError(t, err)
	caFile, otherCAFile = filepath.Join(dir, "ca.pem"), filepath.Join(dir, "other.pem")
	require.NoError(t, os.WriteFile(caFile, caPEM, 0o644))
	require.NoError(t, os.WriteFile(otherCAFile, otherPEM, 0o644))
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), caFile, otherCAFile
}

// TestTLSVerifyFullWorksAndPlaintextIsRefused loads through sslmode=verify-full, and
// through a DSN with no sslmode but sslrootcert (over TLS, pg_stat_ssl says), against a
// server whose certificate a test CA signed; both DSNs with another CA are refused, and
// a plaintext server is refused when TLS is required.
func TestTLSVerifyFullWorksAndPlaintextIsRefused(t *testing.T) {
	t.Parallel()
	plain := pgtest.Start(t) // also skips or fails the test like every other without Docker
	dir := t.TempDir()
	cert, key, caFile, otherCA := testPKI(t, dir)
	ctx := context.Background()
	ctr, err := postgres.Run(ctx, pgImage(), postgres.WithDatabase("tls"), postgres.WithUsername("tls"), postgres.WithPassword("tls"),
		postgres.BasicWaitStrategies(),
		testcontainers.WithFiles(
			testcontainers.ContainerFile{Reader: bytes.NewReader(cert), ContainerFilePath: "/tls/server.crt", FileMode: 0o644},
			testcontainers.ContainerFile{Reader: bytes.NewReader(key), ContainerFilePath: "/tls/server.key", FileMode: 0o644},
		))
	testcontainers.CleanupContainer(t, ctr)
	require.NoError(t, err)
	dsn, err := ctr.ConnectionString(ctx, "sslmode=verify-full", "sslrootcert="+url.QueryEscape(caFile))
	require.NoError(t, err)

	path := writeFile(t, "tls.csv", numbered(0, 1000, false))
	r := runCLI(t, "csv", "--to", dsn, "--table", "secure", "--create", "-q", "--report", "json", path)
	require.Zero(t, r.code, r.stderr)
	require.EqualValues(t, 1000, reportOf(t, r)["rows_written"])

	// No sslmode: verify-full against sslrootcert, and the session is encrypted.
	noMode, err := ctr.ConnectionString(ctx, "sslrootcert="+url.QueryEscape(caFile))
	require.NoError(t, err)
	require.NotContains(t, noMode, "sslmode")
	r = runCLI(t, "csv", "--to", noMode, "--table", "secure", "-q", path)
	require.Zero(t, r.code, r.stderr)
	c, err := pgio.New(pgio.Config{DSN: noMode})
	require.NoError(t, err)
	require.NoError(t, c.Connect(ctx))
	var ssl bool
	require.NoError(t, c.QueryRow(ctx, "select ssl from pg_stat_ssl where pid = pg_backend_pid()", nil, &ssl))
	c.Close()
	require.True(t, ssl)
	noModeWrongCA, err := ctr.ConnectionString(ctx, "sslrootcert="+url.QueryEscape(otherCA))
	require.NoError(t, err)
	r = runCLI(t, "csv", "--to", noModeWrongCA, "--table", "secure", "-q", path)
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "certificate signed by unknown authority")

	wrongCA, err := ctr.ConnectionString(ctx, "sslmode=verify-full", "sslrootcert="+url.QueryEscape(otherCA))
	require.NoError(t, err)
	r = runCLI(t, "csv", "--to", wrongCA, "--table", "secure", "-q", path)
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "certificate")

	u, err := url.Parse(plain.DSN)
	require.NoError(t, err)
	q := u.Query()
	q.Set("sslmode", "require")
	u.RawQuery = q.Encode()
	r = runCLI(t, "csv", "--to", u.String(), "--table", "secure", "-q", path)
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "refused TLS")
}

// testCA is a certificate authority made for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	file string // its certificate as PEM, for sslrootcert
}

func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	require.NoError(t, err)
	c, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	file := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644))
	return &testCA{cert: c, key: k, file: file}
}

// issue makes a server certificate with that common name and those DNS and IP subject
// alternative names (none: a CN-only certificate, as older PKIs make them).
func (ca *testCA) issue(t *testing.T, cn string, dns []string, ips []net.IP) tls.Certificate {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn}, DNSNames: dns, IPAddresses: ips,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &k.PublicKey, ca.key)
	require.NoError(t, err)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: k}
}

// tlsProxy is a PostgreSQL server front that speaks TLS: it answers a client's
// SSLRequest with 'S', completes the handshake with its certificate, and relays the
// session to a plaintext PostgreSQL server. It counts completed handshakes and clients
// that sent anything else first (a plaintext startup).
type tlsProxy struct {
	addr       string
	handshakes atomic.Int32
	plaintext  atomic.Int32
}

// startTLSProxy serves on a loopback port until the test ends.
func startTLSProxy(t *testing.T, upstream string, cert tls.Certificate) *tlsProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &tlsProxy{addr: l.Addr().String()}
	var (
		mu    sync.Mutex
		conns []net.Conn
		wg    sync.WaitGroup
	)
	track := func(c net.Conn) {
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
	}
	t.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	serve := func(c net.Conn) {
		defer c.Close()
		var req [8]byte
		if _, err := io.ReadFull(c, req[:]); err != nil {
			return
		}
		if binary.BigEndian.Uint32(req[:4]) != 8 || binary.BigEndian.Uint32(req[4:]) != 80877103 {
			p.plaintext.Add(1) // a startup message without SSLRequest: refuse it
			return
		}
		if _, err := c.Write([]byte{'S'}); err != nil {
			return
		}
		tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		if err := tc.Handshake(); err != nil {
			return
		}
		p.handshakes.Add(1)
		up, err := net.Dial("tcp", upstream)
		if err != nil {
			return
		}
		track(up)
		defer up.Close()
		done := make(chan struct{})
		go func() {
			_, _ = io.Copy(up, tc)
			_ = up.Close()
			close(done)
		}()
		_, _ = io.Copy(tc, up)
		_ = c.Close()
		<-done
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			track(c)
			wg.Add(1)
			go func() { defer wg.Done(); serve(c) }()
		}
	}()
	return p
}

// dsnTo returns db's DSN aimed at addr, without sslmode, with the given parameters.
func dsnTo(t *testing.T, db *pgtest.DB, addr string, params ...string) string {
	t.Helper()
	u, err := url.Parse(db.DSN)
	require.NoError(t, err)
	u.Host = addr
	q := u.Query()
	q.Del("sslmode")
	for i := 0; i+1 < len(params); i += 2 {
		q.Set(params[i], params[i+1])
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// TestTLSDefaultIsVerifyFullAndFailsClosed runs the CLI with DSNs that set no sslmode
// against a TLS server whose certificate a test CA signed: it loads, over TLS, when
// sslrootcert names that CA; it fails without writing anything with another CA, with
// the system's roots (which lack the test CA), with a certificate for another host,
// and against a plaintext server (no fallback). A wrong password over TLS says so
// without TLS noise.
func TestTLSDefaultIsVerifyFullAndFailsClosed(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	upstream := mustHost(t, db.DSN)
	ca, other := newTestCA(t, "tmimport test CA"), newTestCA(t, "some other CA")
	good := startTLSProxy(t, upstream, ca.issue(t, "localhost", []string{"localhost"}, []net.IP{net.ParseIP("127.0.0.1")}))
	elsewhere := startTLSProxy(t, upstream, ca.issue(t, "db.example", []string{"db.example"}, nil))
	mustExec(t, db.Pool, "create table secure (id bigint, val text)")
	path := writeFile(t, "tls.csv", numbered(0, 1000, false))
	count := func() int64 { return stateOf(t, db.Pool, pgx.Identifier{"secure"}).Count }

	r := runCLI(t, "csv", "--to", dsnTo(t, db, good.addr, "sslrootcert", ca.file), "--table", "secure", "-q", path)
	require.Zero(t, r.code, r.stderr)
	require.EqualValues(t, 1000, count())
	require.Positive(t, good.handshakes.Load())
	require.Zero(t, good.plaintext.Load())

	for _, tc := range []struct {
		name, dsn, want string
	}{
		{"wrong CA", dsnTo(t, db, good.addr, "sslrootcert", other.file), "certificate signed by unknown authority"},
		{"system roots", dsnTo(t, db, good.addr), "certificate signed by unknown authority"},
		{"another host's certificate", dsnTo(t, db, elsewhere.addr, "sslrootcert", ca.file), `does not name "127.0.0.1"`},
		{"plaintext server", dsnTo(t, db, upstream, "sslrootcert", ca.file), "refused TLS"},
	} {
		r := runCLI(t, "csv", "--to", tc.dsn, "--table", "secure", "-q", path)
		require.Equal(t, 1, r.code, "%s: %s", tc.name, r.stderr)
		require.Contains(t, r.stderr, tc.want, tc.name)
		require.EqualValues(t, 1000, count(), "%s: nothing was written", tc.name)
	}
	require.Zero(t, good.plaintext.Load()+elsewhere.plaintext.Load(), "no client fell back to plaintext")

	wrongPassword := strings.Replace(dsnTo(t, db, good.addr, "sslrootcert", ca.file), ":pgtest@", ":wrong@", 1)
	r = runCLI(t, "csv", "--to", wrongPassword, "--table", "secure", "-q", path)
	require.Equal(t, 1, r.code, r.stderr)
	require.Contains(t, r.stderr, "password authentication failed")
	require.NotContains(t, r.stderr, "tls error")
	require.NotContains(t, r.stderr, "refused TLS")
}

// TestTLSAcceptsCommonNameOnlyCertificateLikeLibpq connects, with no sslmode and with
// sslmode=verify-full, to a server whose certificate names its host only in the common
// name, as libpq does (Go's verification refuses it: "certificate relies on legacy
// Common Name field"); a CN naming another host is still refused.
func TestTLSAcceptsCommonNameOnlyCertificateLikeLibpq(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	upstream := mustHost(t, db.DSN)
	ca := newTestCA(t, "tmimport test CA")
	cnOnly := startTLSProxy(t, upstream, ca.issue(t, "127.0.0.1", nil, nil))
	cnOther := startTLSProxy(t, upstream, ca.issue(t, "db.example", nil, nil))
	ctx := context.Background()
	connect := func(dsn string) error {
		c, err := pgio.New(pgio.Config{DSN: dsn})
		require.NoError(t, err)
		defer c.Close()
		if err := c.Connect(ctx); err != nil {
			return err
		}
		var one int
		return c.QueryRow(ctx, "select 1", nil, &one)
	}
	require.NoError(t, connect(dsnTo(t, db, cnOnly.addr, "sslrootcert", ca.file)))
	require.NoError(t, connect(dsnTo(t, db, cnOnly.addr, "sslrootcert", ca.file, "sslmode", "verify-full")))
	require.Positive(t, cnOnly.handshakes.Load())
	err := connect(dsnTo(t, db, cnOther.addr, "sslrootcert", ca.file))
	require.ErrorContains(t, err, `does not name "127.0.0.1": its common name is "db.example"`)
	require.Zero(t, cnOnly.plaintext.Load()+cnOther.plaintext.Load())

	path := writeFile(t, "cn.csv", numbered(0, 10, false))
	r := runCLI(t, "csv", "--to", dsnTo(t, db, cnOnly.addr, "sslrootcert", ca.file), "--table", "cn", "--create", "-q", path)
	require.Zero(t, r.code, r.stderr)
	require.EqualValues(t, 10, stateOf(t, db.Pool, pgx.Identifier{"cn"}).Count)
}
