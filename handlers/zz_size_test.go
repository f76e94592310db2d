package handlers

import (
	"compress/gzip"
	"bytes"
	"io"
	"net/http"
	"testing"

	"awda/models"
	"awda/models/dbtest"
	"awda/views"
)

func TestZZPageSizes(t *testing.T) {
	srv, stores := benchCaseServer(t)
	all := benchSignIn(t, srv, stores, "benchsupervisor@example.org", models.RoleSupervisor, "")
	one := benchSignIn(t, srv, stores, dbtest.BenchCaseworker, "", "")
	var id uint
	stores.DB.Read.Raw(`SELECT c.id FROM cases c JOIN offices o ON o.id = c.office_id WHERE o.code = 'OUJ' ORDER BY c.id DESC LIMIT 1`).Scan(&id)
	for _, p := range []struct{ n, path string; ck []*http.Cookie }{{"list-all", views.PathCases, all}, {"list-one", views.PathCases, one}, {"file", views.CasePath(id), one}, {"home", "/", one}} {
		req, _ := http.NewRequest("GET", srv.URL+p.path, nil)
		for _, c := range p.ck { req.AddCookie(c) }
		resp, _ := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
		b, _ := io.ReadAll(resp.Body)
		var z bytes.Buffer
		w, _ := gzip.NewWriterLevel(&z, 5); w.Write(b); w.Close()
		var z1 bytes.Buffer
		w1, _ := gzip.NewWriterLevel(&z1, 1); w1.Write(b); w1.Close()
		t.Logf("%s: %d bytes, gzip5 %d, gzip1 %d, option tags %d", p.n, len(b), z.Len(), z1.Len(), bytes.Count(b, []byte("<option")))
	}
}
