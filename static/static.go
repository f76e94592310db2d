// Package static embeds the stylesheets, scripts and images and serves them under
// content-hashed URLs, so browsers can cache them for a year and still see every change.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed css js img
var files embed.FS

// Assets maps file names to hashed URLs and serves the files.
type Assets struct {
	urls   map[string]string // "css/app.css" -> "/static/css/app.3f2a9c1b.css"
	byPath map[string]string // "/static/css/app.3f2a9c1b.css" -> "css/app.css"
	etags  map[string]string
}

// Prefix is where assets are served.
const Prefix = "/static/"

// New hashes every embedded file once at start-up.
func New() (*Assets, error) {
	a := &Assets{urls: map[string]string{}, byPath: map[string]string{}, etags: map[string]string{}}
	err := fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		h := hex.EncodeToString(sum[:])[:12]
		ext := path.Ext(name)
		url := Prefix + strings.TrimSuffix(name, ext) + "." + h + ext
		a.urls[name] = url
		a.byPath[url] = name
		a.etags[name] = `"` + h + `"`
		return nil
	})
	return a, err
}

// URL returns the hashed URL of a file, e.g. URL("css/app.css").
func (a *Assets) URL(name string) string {
	if u, ok := a.urls[name]; ok {
		return u
	}
	return Prefix + name
}

// ServeHTTP serves a file by its hashed URL with a year-long immutable cache lifetime.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, ok := a.byPath[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	b, err := files.ReadFile(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", mime.TypeByExtension(path.Ext(name)))
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("ETag", a.etags[name])
	if r.Header.Get("If-None-Match") == a.etags[name] {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Write(b)
}
