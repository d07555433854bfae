package taxii

// Hooks into the credential cache for the external tests (auth_refresh_test.go).

// CredentialRefreshes is how many credential refreshes are running now.
func CredentialRefreshes(s *Server) int {
	s.auth.mu.Lock()
	defer s.auth.mu.Unlock()
	return len(s.auth.refreshing)
}

// WaitCredentialRefreshes waits until the credential refreshes running
// have settled their cache entries. No request may be in flight.
func WaitCredentialRefreshes(s *Server) { s.auth.refreshes.Wait() }
