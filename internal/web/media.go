package web

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"vigil/internal/model"
)

// media serves a stored image variant: /media/{id}/{width}.{format}, where
// id is the image's random public ID. Only pictures that published content
// shows are public; the picture of a draft answers 404, except to staff
// who may preview it. A public answer never changes under its URL and may
// be kept forever.
//
// Which pictures are public is read once for each change of content (the
// page cache's generation), not for each request: an image request costs
// what it did, a query for its bytes, and a request for a picture that is
// not public costs no query at all.
func (s *Server) media(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	file := r.PathValue("file")
	ext := path.Ext(file)
	width, err := strconv.Atoi(strings.TrimSuffix(file, ext))
	if err != nil || width <= 0 || !strings.HasPrefix(ext, ".") {
		s.mediaNotFound(w, r)
		return
	}
	public, err := s.mediaAccess.public(r.Context(), s, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	etag := `"` + id + "-" + strconv.Itoa(width) + `"`
	cacheControl := "public, max-age=31536000, immutable"
	if public && r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if !public {
		if staff := s.mediaAccess.staff.Load(); staff == nil || !(*staff)(r) {
			s.mediaNotFound(w, r)
			return
		}
		// A preview: for this staff member's browser only, and not kept,
		// so that nothing between here and there holds a draft's picture.
		cacheControl = "private, no-store"
	}
	v, err := s.store.ImageVariant(r.Context(), id, width)
	if errors.Is(err, model.ErrNotFound) || err == nil && mime.TypeByExtension(ext) != v.ContentType {
		s.mediaNotFound(w, r)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", v.ContentType)
	h.Set("Cache-Control", cacheControl)
	if public {
		h.Set("ETag", etag)
	}
	h.Set("Content-Length", strconv.Itoa(len(v.Data)))
	w.Write(v.Data)
}

// mediaNotFound answers 404 and asks that nobody keep the answer: the
// picture of a draft is public the moment the draft is published.
func (s *Server) mediaNotFound(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	s.notFound(w, r)
}

// AllowDraftMedia lets the staff who may preview drafts see their pictures:
// staff reports whether a request comes from one of them. The admin sets
// it; until then pictures of drafts are not served to anyone.
func (s *Server) AllowDraftMedia(staff func(*http.Request) bool) {
	s.mediaAccess.staff.Store(&staff)
}

// mediaAccess knows which pictures are public. Its zero value is ready.
type mediaAccess struct {
	staff atomic.Pointer[func(*http.Request) bool]

	mu      sync.RWMutex
	loaded  bool
	content uint64    // the content generation the set was read at
	read    time.Time // when it was read
	ids     map[string]struct{}
}

// public reports whether published content shows the picture with this
// public ID, reading the set again when content has changed since, or
// when it is as old as a cached page may be (a change made by another
// process on the same SQLite file is not announced).
func (m *mediaAccess) public(ctx context.Context, s *Server, id string) (bool, error) {
	fresh := func() bool {
		return m.loaded && m.content == s.cache.content.Load() && s.now().Sub(m.read) < maxPageAge
	}
	m.mu.RLock()
	if fresh() {
		_, ok := m.ids[id]
		m.mu.RUnlock()
		return ok, nil
	}
	m.mu.RUnlock()
	m.mu.Lock()
	defer m.mu.Unlock()
	if !fresh() { // one request reads the set; the others wait for it
		// The generation is read first: a change during the query leaves
		// the set marked stale.
		content, now := s.cache.content.Load(), s.now()
		list, err := s.store.PublicImages(ctx)
		if err != nil {
			return false, err
		}
		ids := make(map[string]struct{}, len(list))
		for _, publicID := range list {
			ids[publicID] = struct{}{}
		}
		m.ids, m.content, m.read, m.loaded = ids, content, now, true
	}
	_, ok := m.ids[id]
	return ok, nil
}
