package web

import (
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
)

// media serves a stored image variant: /media/{hash}/{width}.{format}. The
// hash is in the URL, so the response never changes and may be kept
// forever.
func (s *Server) media(w http.ResponseWriter, r *http.Request) {
	hash := r.PathValue("hash")
	file := r.PathValue("file")
	ext := path.Ext(file)
	width, err := strconv.Atoi(strings.TrimSuffix(file, ext))
	if err != nil || width <= 0 || !strings.HasPrefix(ext, ".") {
		s.notFound(w, r)
		return
	}
	etag := `"` + hash + "-" + strconv.Itoa(width) + `"`
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	v, err := s.store.ImageVariant(r.Context(), hash, width)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if mime.TypeByExtension(ext) != v.ContentType {
		s.notFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", v.ContentType)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", etag)
	h.Set("Content-Length", strconv.Itoa(len(v.Data)))
	w.Write(v.Data)
}
