package integration_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/modules/postgres"

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

// TestTLSVerifyFullWorksAndPlaintextIsRefused loads through sslmode=verify-full against
// a server whose certificate a test CA signed; the same DSN with another CA is refused,
// and a plaintext server is refused when TLS is required.
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
