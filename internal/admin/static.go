package admin

import (
	"io/fs"
	"net/http"
)

// static serves the admin's stylesheet.
func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	data, err := fs.ReadFile(files, "static/"+r.PathValue("file"))
	if err != nil || r.PathValue("file") != "admin.css" {
		s.notFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "private, max-age=300")
	w.Write(data)
}
