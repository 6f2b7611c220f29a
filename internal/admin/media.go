package admin

import "net/http"

// mayPreview reports whether a request comes from staff who may preview
// drafts (signed in, second factor given, allowed to read content): the
// public site serves them the pictures of unpublished content, which it
// answers 404 to anyone else.
func (s *Server) mayPreview(r *http.Request) bool {
	sess, err := s.session(r)
	return err == nil && sess.Verified && allowed(sess.User.Role, permContentRead)
}
