package handlers

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"awda/models"
	"awda/views"
)

// Route patterns of the documents, for the middleware that treats their bodies and
// answers apart (echo has matched the route before any middleware runs).
const (
	documentsRoute     = "/cases/:id/documents"
	documentRoute      = "/cases/:id/documents/:did"
	documentThumbRoute = "/cases/:id/documents/:did/thumbnail"
)

// isDocumentUpload is an upload of a document: its body is streamed, not parsed whole.
func isDocumentUpload(c echo.Context) bool {
	return c.Request().Method == http.MethodPost && c.Path() == documentsRoute
}

// isDocumentFile is a document's content going out: already compressed formats, sent
// as they are stored (no gzip, which would also drop the Content-Length).
func isDocumentFile(c echo.Context) bool {
	return c.Request().Method == http.MethodGet && (c.Path() == documentRoute || c.Path() == documentThumbRoute)
}

// documentFileResponse is the Content-Security-Policy of every file response: a
// sandbox with nothing allowed, so that even a file a browser chose to render could run
// no script and reach nothing of the portal's.
const documentFileResponse = "sandbox; default-src 'none'"

// uploadedFiles are the file parts of an upload, left unread for the handler: the first
// one the middleware stopped at, then each next one read from the body when the store
// asks for it (the store has read the one before).
type uploadedFiles struct {
	first *multipart.Part
	rest  *multipart.Reader
	body  *cappedBody
}

// Next is the next chosen file; parts of the file field without a file (an input left
// empty) and any field after the files are skipped.
func (u *uploadedFiles) Next() (*models.DocumentFile, error) {
	if p := u.first; p != nil {
		u.first = nil
		return &models.DocumentFile{Name: p.FileName(), Content: p}, nil
	}
	for {
		p, err := u.rest.NextPart()
		if err != nil {
			return nil, err
		}
		if p.FormName() == "file" && p.FileName() != "" {
			return &models.DocumentFile{Name: p.FileName(), Content: p}, nil
		}
	}
}

const ctxUploadedFiles = "documents.upload"

// documentTextLimit bounds each form value beside the file (the description's 4,000
// characters are at most 16 KB in UTF-8).
const documentTextLimit = 32 << 10

// streamDocumentUpload reads an upload's form fields from the multipart body up to the
// first file part and leaves the files unread: the CSRF check and the handler then see
// the fields as usual, and the store streams each file into the database in chunks as
// it arrives, so the server never holds one whole (the standard parser keeps files up
// to 32 MB in memory). The form puts the files last; a body with a file first has no
// token before it and fails the CSRF check. The body is capped at the configured file
// size times the files an upload may carry (and a margin for the fields). What the
// handler leaves unread is drained (up to the cap), so the browser reads the answer
// instead of a reset connection.
func (s *server) streamDocumentUpload(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !isDocumentUpload(c) {
			return next(c)
		}
		r := c.Request()
		if mt, _, _ := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType)); mt != "multipart/form-data" {
			// A form without a file: parsed as usual, under the ordinary body limit.
			r.Body = &cappedBody{ReadCloser: r.Body, left: documentTextLimit * 4}
			return next(c)
		}
		body := &cappedBody{ReadCloser: r.Body, left: s.stores.Documents.Limits().UploadBodyLimit()}
		r.Body = body
		defer drainUpload(c)
		mr, err := r.MultipartReader()
		if err != nil {
			return echo.NewHTTPError(http.StatusBadRequest)
		}
		values := url.Values{}
		r.Form, r.PostForm = values, values
		r.MultipartForm = &multipart.Form{Value: values}
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return echo.NewHTTPError(http.StatusBadRequest)
			}
			if p.FormName() == "file" {
				if p.FileName() != "" {
					c.Set(ctxUploadedFiles, &uploadedFiles{first: p, rest: mr, body: body})
					break
				}
				continue // no file chosen
			}
			b, err := io.ReadAll(io.LimitReader(p, documentTextLimit+1))
			if err != nil || len(b) > documentTextLimit {
				return echo.NewHTTPError(http.StatusRequestEntityTooLarge)
			}
			values.Add(p.FormName(), string(b))
		}
		return next(c)
	}
}

// drainUpload reads and drops what is left of an upload's body, up to its cap.
func drainUpload(c echo.Context) {
	_, _ = io.Copy(io.Discard, c.Request().Body)
}

// documentsSection builds the case file's documents section.
func (s *server) documentsSection(c echo.Context, cs *models.Case) (views.DocumentsVM, error) {
	u := currentUser(c)
	docs, err := s.stores.Documents.ForCase(c.Request().Context(), u.Scope(), cs.ID)
	if err != nil {
		return views.DocumentsVM{}, err
	}
	canEdit := u.CanEditCases() && cs.Status != models.StatusClosed
	return views.DocumentsVM{
		CaseID: cs.ID, CaseNumber: cs.CaseNumber, CanEdit: canEdit, Items: docs.Items, Restricted: docs.Restricted,
		MissingReceipts: docs.MissingReceipts,
		Form: views.DocumentForm{CaseID: cs.ID, CaseNumber: cs.CaseNumber, Supports: docs.Supports,
			Limits: s.stores.Documents.Limits(), Held: docs.Held},
	}, nil
}

// createDocument attaches the files of an upload to a case, all of them or none.
func (s *server) createDocument(c echo.Context) error {
	cs, err := s.caseworkCase(c)
	if err != nil {
		return err
	}
	ctx, scope := c.Request().Context(), currentUser(c).Scope()
	in := models.DocumentBatch{Category: c.FormValue("category"), Description: c.FormValue("description")}
	files, _ := c.Get(ctxUploadedFiles).(*uploadedFiles)
	if files != nil {
		in.Files = files
	}
	supportID := c.FormValue("support_id")
	if supportID != "" {
		n, err := strconv.ParseUint(supportID, 10, 64)
		if err != nil {
			return models.ErrNotFound
		}
		id := uint(n)
		in.SupportID = &id
	}
	docs, err := s.stores.Documents.UploadBatch(ctx, actor(c), scope, cs.ID, in)
	// the store met the cap: the files allowed could not carry this much
	over := files != nil && files.body.over
	// What the store left unread (a refused file) is read before answering: an HTTP/1
	// server cannot read a body once its answer has gone out.
	drainUpload(c)
	status := http.StatusUnprocessableEntity
	if over {
		err, status = models.FieldErrors{"file": models.DocErrUploadTooLarge}.Err(), http.StatusRequestEntityTooLarge
	}
	if fe, ok := models.AsValidation(err); ok {
		list, lerr := s.stores.Documents.ForCase(ctx, scope, cs.ID)
		if lerr != nil {
			return lerr
		}
		form := views.DocumentForm{CaseID: cs.ID, CaseNumber: cs.CaseNumber, Category: in.Category, Desc: in.Description,
			SupportID: supportID, Supports: list.Supports, Limits: s.stores.Documents.Limits(), Held: list.Held, Errors: fe}
		var refused *models.RefusedFile
		if errors.As(err, &refused) {
			form.RefusedFile = refused.Name
		}
		return s.render(c, status, views.DocumentFormPage(form))
	}
	if errors.Is(err, models.ErrCaseClosed) {
		s.flash(c, "error", "casework.error.case_closed")
		return redirect(c, views.CasePath(cs.ID))
	}
	if err != nil {
		return err
	}
	return s.caseworkDone(c, cs.ID, "documents", "documents.flash.uploaded", "Count", strconv.Itoa(len(docs)))
}

// showDocument sends a document (an attachment) or its thumbnail (inline), after the
// store has recorded the view in the audit log.
func (s *server) showDocument(thumb bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		cs, err := s.caseworkCase(c)
		if err != nil {
			return err
		}
		did, err := caseworkParamID(c, "did")
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		d, err := s.stores.Documents.Open(ctx, actor(c), currentUser(c).Scope(), cs.ID, did, thumb)
		if err != nil {
			return err
		}
		h := c.Response().Header()
		h.Set("Content-Security-Policy", documentFileResponse)
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		// The name is made of the case number and the document id: the uploader's file
		// name may carry a person's name, and is never put in a header.
		name := fmt.Sprintf("%s-%d%s", strings.ToLower(cs.CaseNumber), d.ID, d.Extension())
		if thumb {
			h.Set(echo.HeaderContentType, models.TypeJPEG)
			h.Set(echo.HeaderContentLength, strconv.FormatInt(d.ThumbSize, 10))
			h.Set(echo.HeaderContentDisposition, "inline")
		} else {
			h.Set(echo.HeaderContentType, d.ContentType)
			h.Set(echo.HeaderContentLength, strconv.FormatInt(d.Size, 10))
			h.Set(echo.HeaderContentDisposition, fmt.Sprintf("attachment; filename=%q", name))
		}
		c.Response().WriteHeader(http.StatusOK)
		return s.stores.Documents.WriteContent(ctx, d, thumb, c.Response())
	}
}

// showWithdrawDocument asks why a document is withdrawn (a page of its own: the form
// needs more room than a row of the case file's table gives).
func (s *server) showWithdrawDocument(c echo.Context) error {
	cs, err := s.caseworkCase(c)
	if err != nil {
		return err
	}
	did, err := caseworkParamID(c, "did")
	if err != nil {
		return err
	}
	if cs.Status == models.StatusClosed {
		s.flash(c, "error", "casework.error.case_closed")
		return redirect(c, views.CasePath(cs.ID))
	}
	docs, err := s.stores.Documents.ForCase(c.Request().Context(), currentUser(c).Scope(), cs.ID)
	if err != nil {
		return err
	}
	for _, d := range docs.Items {
		if d.ID == did && !d.Withdrawn() {
			return s.ok(c, views.DocumentWithdrawPage(views.DocumentWithdrawForm{CaseID: cs.ID, CaseNumber: cs.CaseNumber, Doc: d}))
		}
	}
	return models.ErrNotFound
}

// withdrawDocument deletes a document's content, keeping its record and the reason.
func (s *server) withdrawDocument(c echo.Context) error {
	cs, err := s.caseworkCase(c)
	if err != nil {
		return err
	}
	did, err := caseworkParamID(c, "did")
	if err != nil {
		return err
	}
	ctx, scope, reason := c.Request().Context(), currentUser(c).Scope(), c.FormValue("reason")
	err = s.stores.Documents.Withdraw(ctx, actor(c), scope, cs.ID, did, reason)
	if fe, ok := models.AsValidation(err); ok {
		docs, lerr := s.stores.Documents.ForCase(ctx, scope, cs.ID)
		if lerr != nil {
			return lerr
		}
		for _, d := range docs.Items {
			if d.ID == did {
				return s.invalid(c, views.DocumentWithdrawPage(views.DocumentWithdrawForm{CaseID: cs.ID, CaseNumber: cs.CaseNumber,
					Doc: d, Reason: reason, Errors: fe}))
			}
		}
		return models.ErrNotFound
	}
	if errors.Is(err, models.ErrCaseClosed) {
		s.flash(c, "error", "casework.error.case_closed")
		return redirect(c, views.CasePath(cs.ID))
	}
	if err != nil {
		return err
	}
	return s.caseworkDone(c, cs.ID, "documents", "documents.flash.withdrawn")
}
