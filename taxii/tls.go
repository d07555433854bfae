package taxii

import (
	"crypto/tls"
	"fmt"
)

// cipherSuites are the TLS 1.2 suites Herald accepts: ECDHE key exchange
// with AEAD ciphers only, i.e. none of RFC 7540 Appendix A's blacklist
// (TAXII 2.1 §8.2.2 item 4). TLS 1.3 suites are not configurable in Go and
// are all AEAD.
var cipherSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// tlsConfig is the server's TLS configuration: TLS 1.2 and 1.3, AEAD ECDHE
// suites, HTTP/2 and HTTP/1.1 via ALPN, and the certificate loaded by
// loadCert (swapped atomically on Reload). Go's server never accepts TLS
// 1.3 0-RTT data (§8.2.2 item 3).
func (s *Server) tlsConfig() *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		MaxVersion:   tls.VersionTLS13,
		CipherSuites: cipherSuites,
		NextProtos:   []string{"h2", "http/1.1"},
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return s.cert.Load(), nil
		},
	}
}

// loadCert reads the certificate and key files of st.
func (s *Server) loadCert(st *settings) error {
	cert, err := tls.LoadX509KeyPair(st.TLSCertFile, st.TLSKeyFile)
	if err != nil {
		return fmt.Errorf("taxii: load TLS certificate %s and key %s: %w", st.TLSCertFile, st.TLSKeyFile, err)
	}
	s.cert.Store(&cert)
	return nil
}
