package models

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"
)

// DocumentChunkSize is the size of one stored piece of a file: an upload and a
// download each hold about one piece in memory, whatever the file's size. 128 KB
// rather than 256: the PostgreSQL driver copies each value twice on its way out (its
// encoding, then its message), and with 256 KB pieces a 10 MB upload's heap rose by
// 1.9 MB above its baseline, too near the 2 MB allowed; 80 rows for a 10 MB file
// instead of 40 cost nothing measurable.
const DocumentChunkSize = 128 << 10

// Parts of a document's stored content.
const (
	partContent = 0
	partThumb   = 1
)

// DocumentLimits bounds what may be attached.
type DocumentLimits struct {
	// MaxBytes is the largest file accepted.
	MaxBytes int64
	// MaxPerCase is how many documents (not withdrawn) a case may hold.
	MaxPerCase int
	// MaxPerUpload is how many files one upload may carry; with MaxBytes it bounds an
	// upload's body.
	MaxPerUpload int
	// MaxPixels is the largest picture accepted, in pixels, read from its header before
	// it is decoded. Decoding takes 4 to 8 bytes a pixel: 24 megapixels (a 6000 × 4000
	// camera photo) is up to 190 MB while it is re-encoded.
	MaxPixels int64
	// ImagesAtOnce is how many pictures are decoded at the same time; more wait.
	ImagesAtOnce int
}

// DefaultDocumentLimits are the limits a server starts with.
func DefaultDocumentLimits() DocumentLimits {
	return DocumentLimits{MaxBytes: 10 << 20, MaxPerCase: 50, MaxPerUpload: 10, MaxPixels: 24_000_000, ImagesAtOnce: 1}
}

// UploadBodyLimit is the largest upload body: every file at its largest, and room for
// the form's other fields and the multipart framing.
func (l DocumentLimits) UploadBodyLimit() int64 {
	return l.MaxBytes*int64(max(l.MaxPerUpload, 1)) + 1<<20
}

// DocumentStore attaches documents to cases, lists them, serves them and withdraws them.
//
// Medical documents are seen (listed, downloaded, withdrawn) only by the case's
// assigned caseworker and by supervisors in scope: the rule is applied in the store's
// queries, and a document the user may not see answers ErrNotFound, as one of another
// office does.
type DocumentStore struct {
	db     *DB
	now    func() time.Time
	audit  *AuditStore
	limits DocumentLimits
	images chan struct{}
}

// NewDocumentStore builds the store.
func NewDocumentStore(db *DB, now func() time.Time, audit *AuditStore, limits DocumentLimits) *DocumentStore {
	if limits.ImagesAtOnce <= 0 {
		limits.ImagesAtOnce = 1
	}
	return &DocumentStore{db: db, now: now, audit: audit, limits: limits, images: make(chan struct{}, limits.ImagesAtOnce)}
}

// Limits are the store's limits, for the form's hints.
func (s *DocumentStore) Limits() DocumentLimits { return s.limits }

// DocumentInput is an upload of one file: the form's fields and the file's content,
// read once.
type DocumentInput struct {
	Category    string
	Description string
	Filename    string
	Content     io.Reader
	// SupportID links a receipt to a support record of the same case.
	SupportID *uint
}

// DocumentFile is one file of an upload: the name it had on the uploader's computer and
// its content, read once.
type DocumentFile struct {
	Name    string
	Content io.Reader
}

// DocumentFiles hands over an upload's files one at a time, in the order they arrive in
// the request's body (each is read before the next is asked for); Next returns io.EOF
// after the last.
type DocumentFiles interface {
	Next() (*DocumentFile, error)
}

// DocumentBatch is an upload of one or more files sharing the form's fields: the
// category, description and support say what the files are together (the pages of a
// passport, a receipt and its photo).
type DocumentBatch struct {
	Category    string
	Description string
	// SupportID links receipts to a support record of the same case.
	SupportID *uint
	// Files is nil when no file was chosen.
	Files DocumentFiles
}

// Validate checks the fields typed beside the files.
func (in *DocumentBatch) Validate() FieldErrors {
	fe := FieldErrors{}
	in.Description = strings.TrimSpace(in.Description)
	if !cwOneOf(DocumentCategory(in.Category), DocumentCategories) {
		fe.Add("category", "error.choose_value")
	}
	checkText(fe, "description", in.Description, false)
	if in.Files == nil {
		fe.Add("file", DocErrNoFile)
	}
	return fe
}

// RefusedFile is an upload refused because of one of its files: the message names the
// file (Name, as sent) and the reason (Key, a DocErr… message key). It is a validation
// error on the field "file" (AsValidation).
type RefusedFile struct {
	Name string
	Key  string
}

func (e *RefusedFile) Error() string { return fmt.Sprintf("file %q refused: %s", e.Name, e.Key) }

// Unwrap makes a refused file a validation error of the file field.
func (e *RefusedFile) Unwrap() error { return fieldErr("file", e.Key) }

// oneFile is the files of a one-file upload.
type oneFile struct{ f *DocumentFile }

func (o *oneFile) Next() (*DocumentFile, error) {
	if o.f == nil {
		return nil, io.EOF
	}
	f := o.f
	o.f = nil
	return f, nil
}

// cleanFilename keeps a displayable base name: no folders, no control characters, at
// most 200 characters.
func cleanFilename(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, `\`, "/"))
	if name == "." || name == "/" || !utf8.ValidString(name) {
		return ""
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return -1
		}
		return r
	}, name)
	if utf8.RuneCountInString(name) > 200 {
		name = string([]rune(name)[:200])
	}
	return name
}

// mayReadMedical reports whether a user may see a case's medical documents: a
// supervisor, or the caseworker the case is assigned to.
func mayReadMedical(scope Scope, cs *Case) bool {
	return scope.Role == RoleSupervisor || (cs.AssignedToID != nil && *cs.AssignedToID == scope.UserID)
}

// Upload attaches one file (see UploadBatch).
func (s *DocumentStore) Upload(ctx context.Context, a Actor, scope Scope, caseID uint, in DocumentInput) (*Document, error) {
	b := DocumentBatch{Category: in.Category, Description: in.Description, SupportID: in.SupportID}
	if in.Content != nil {
		b.Files = &oneFile{f: &DocumentFile{Name: in.Filename, Content: in.Content}}
	}
	docs, err := s.UploadBatch(ctx, a, scope, caseID, b)
	if err != nil {
		return nil, err
	}
	return docs[0], nil
}

// UploadBatch checks an upload's files and stores them with their records, all in one
// transaction: a file refused at any point (its type, its size, a polyglot, a damaged
// picture, one file too many for the case or the upload) refuses the whole upload
// (RefusedFile) and leaves nothing behind. Each file is handled as it arrives: a PDF
// is streamed into chunks; a picture (at most MaxBytes) is read whole, checked,
// decoded and re-encoded without its metadata. The documents are returned in the
// order they were sent.
func (s *DocumentStore) UploadBatch(ctx context.Context, a Actor, scope Scope, caseID uint, in DocumentBatch) ([]*Document, error) {
	if err := cwCanWrite(a); err != nil {
		return nil, err
	}
	if err := in.Validate().Err(); err != nil {
		return nil, err
	}
	var ids []uint
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		ids = ids[:0]
		if err := s.db.lockKeys(tx, fmt.Sprintf("documents:%d", caseID)); err != nil {
			return err
		}
		cs, err := caseForWrite(tx, scope, caseID)
		if err != nil {
			return err
		}
		if DocumentCategory(in.Category) == DocMedical && !mayReadMedical(scope, cs) {
			return fieldErr("category", "documents.error.medical_not_assigned")
		}
		if in.SupportID != nil {
			var n int64
			if err := tx.Model(&Support{}).Where("id = ? AND case_id = ?", *in.SupportID, caseID).Count(&n).Error; err != nil {
				return fmt.Errorf("check support: %w", err)
			}
			if n == 0 {
				return ErrNotFound
			}
		}
		var held int64
		if err := tx.Model(&Document{}).Where("case_id = ? AND withdrawn_at IS NULL", caseID).Count(&held).Error; err != nil {
			return fmt.Errorf("count documents: %w", err)
		}
		for {
			f, err := in.Files.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return fmt.Errorf("read upload: %w", err)
			}
			switch {
			case len(ids) >= s.limits.MaxPerUpload:
				return &RefusedFile{Name: cleanFilename(f.Name), Key: DocErrTooManyFiles}
			case held >= int64(s.limits.MaxPerCase) && len(ids) == 0:
				return &RefusedFile{Name: cleanFilename(f.Name), Key: DocErrTooMany}
			case held+int64(len(ids)) >= int64(s.limits.MaxPerCase):
				return &RefusedFile{Name: cleanFilename(f.Name), Key: DocErrTooManyInUpload}
			}
			id, err := s.storeFile(ctx, tx, a, caseID, &in, f)
			if key := fileErrorKey(err); key != "" {
				return &RefusedFile{Name: cleanFilename(f.Name), Key: key}
			}
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		if len(ids) == 0 {
			return fieldErr("file", DocErrNoFile)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	q := s.db.Write.WithContext(ctx)
	docs := make([]*Document, len(ids))
	for i, id := range ids {
		if docs[i], err = s.get(ctx, q, scope, caseID, id); err != nil {
			return nil, err
		}
	}
	return docs, nil
}

// storeFile checks one file of an upload and stores it in tx, with its audit event. A
// file refused for a reason the user can act on is a fileError.
func (s *DocumentStore) storeFile(ctx context.Context, tx *gorm.DB, a Actor, caseID uint, in *DocumentBatch, f *DocumentFile) (uint, error) {
	br := bufio.NewReaderSize(f.Content, 4096)
	head, _ := br.Peek(16)
	if len(head) == 0 {
		return 0, refuse(DocErrEmpty)
	}
	sniffed := SniffDocument(head)
	if sniffed == "" {
		return 0, refuse(DocErrType)
	}
	doc := &Document{
		CaseID: caseID, SupportID: in.SupportID, Category: DocumentCategory(in.Category), Description: in.Description,
		Filename: cleanFilename(f.Name), SourceType: sniffed, UploadedByID: a.User.ID, CreatedAt: s.now().UTC(),
	}
	var img *preparedImage
	if sniffed != TypePDF {
		data, err := io.ReadAll(io.LimitReader(br, s.limits.MaxBytes+1))
		if err != nil {
			return 0, fmt.Errorf("read upload: %w", err)
		}
		if int64(len(data)) > s.limits.MaxBytes {
			return 0, refuse(DocErrTooLarge)
		}
		if img, err = s.prepareImage(ctx, data, sniffed); err != nil {
			return 0, err
		}
		doc.ContentType, doc.Width, doc.Height = img.contentType, img.width, img.height
	} else {
		doc.ContentType = TypePDF
	}
	if err := tx.Create(doc).Error; err != nil {
		return 0, fmt.Errorf("create document: %w", err)
	}
	set := map[string]any{}
	if img != nil {
		sum := sha256.Sum256(img.content)
		set["sha256"], set["size"] = hex.EncodeToString(sum[:]), int64(len(img.content))
		chunks, err := writeChunks(tx, doc.ID, partContent, img.content)
		if err != nil {
			return 0, err
		}
		set["chunks"] = chunks
		set["thumb_size"] = int64(len(img.thumb))
		if set["thumb_chunks"], err = writeChunks(tx, doc.ID, partThumb, img.thumb); err != nil {
			return 0, err
		}
	} else {
		size, sum, chunks, err := s.streamPDF(tx, doc.ID, br)
		if err != nil {
			return 0, err
		}
		set["size"], set["sha256"], set["chunks"] = size, sum, chunks
	}
	if err := tx.Model(&Document{}).Where("id = ?", doc.ID).Updates(set).Error; err != nil {
		return 0, fmt.Errorf("finish document: %w", err)
	}
	ev := a.Event("document.upload", "document", fmt.Sprint(doc.ID))
	ev.Fields = "file,category,description"
	ev.Details = fmt.Sprintf("case=%d category=%s type=%s", caseID, doc.Category, doc.ContentType)
	return doc.ID, s.audit.RecordTx(tx, ev)
}

// fieldErr is a validation error on one field.
func fieldErr(field, key string) error { return FieldErrors{field: key}.Err() }

// prepareImage decodes and re-encodes a picture, at most ImagesAtOnce at a time (each
// may take a couple of hundred megabytes while it is decoded).
func (s *DocumentStore) prepareImage(ctx context.Context, data []byte, sniffed string) (*preparedImage, error) {
	select {
	case s.images <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-s.images }()
	return prepareImage(data, sniffed, s.limits.MaxPixels)
}

// streamPDF writes a PDF into chunks as it is read, checking it on the way: not over
// MaxBytes, no markup anywhere, and an end marker with nothing after it.
func (s *DocumentStore) streamPDF(tx *gorm.DB, docID uint, r io.Reader) (int64, string, int, error) {
	h := sha256.New()
	var scan markupScanner
	var size int64
	tail := make([]byte, 0, pdfTail)
	buf := make([]byte, DocumentChunkSize)
	seq := 0
	for {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			size += int64(n)
			if size > s.limits.MaxBytes {
				return 0, "", 0, refuse(DocErrTooLarge)
			}
			piece := buf[:n]
			h.Write(piece)
			scan.Write(piece)
			if scan.found {
				return 0, "", 0, refuse(DocErrPolyglot)
			}
			if n >= pdfTail {
				tail = append(tail[:0], piece[n-pdfTail:]...)
			} else {
				tail = append(tail, piece...)
				if len(tail) > pdfTail {
					tail = append(tail[:0], tail[len(tail)-pdfTail:]...)
				}
			}
			if err := tx.Exec("INSERT INTO document_chunks (document_id, part, seq, data) VALUES (?, ?, ?, ?)", docID, partContent, seq, piece).Error; err != nil {
				return 0, "", 0, fmt.Errorf("store chunk %d: %w", seq, err)
			}
			seq++
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return 0, "", 0, fmt.Errorf("read upload: %w", err)
		}
	}
	if !pdfEndsCleanly(tail) {
		return 0, "", 0, refuse(DocErrPDFEnd)
	}
	return size, hex.EncodeToString(h.Sum(nil)), seq, nil
}

// writeChunks stores bytes already in memory (a re-encoded picture) as chunk rows.
func writeChunks(tx *gorm.DB, docID uint, part int, data []byte) (int, error) {
	seq := 0
	for len(data) > 0 {
		n := min(len(data), DocumentChunkSize)
		if err := tx.Exec("INSERT INTO document_chunks (document_id, part, seq, data) VALUES (?, ?, ?, ?)", docID, part, seq, data[:n]).Error; err != nil {
			return 0, fmt.Errorf("store chunk %d: %w", seq, err)
		}
		data = data[n:]
		seq++
	}
	return seq, nil
}

// CaseDocuments is what a case file shows of the case's documents.
type CaseDocuments struct {
	Items []Document
	// Restricted counts medical documents this user may not see.
	Restricted int
	// Held counts documents not withdrawn, against DocumentLimits.MaxPerCase.
	Held int
	// Supports are the case's support records, for linking a receipt.
	Supports []Support
	// MissingReceipts are the case's delivered support records that no receipt (a
	// document of category receipt, linked to them and not withdrawn) proves: donors
	// audit support against those receipts.
	MissingReceipts []Support
}

// ForCase lists a case's documents that the user may see, newest first, withdrawn ones
// included (their record stays).
func (s *DocumentStore) ForCase(ctx context.Context, scope Scope, caseID uint) (*CaseDocuments, error) {
	q := s.db.Read.WithContext(ctx)
	cs, err := caseInScope(q, scope, caseID)
	if err != nil {
		return nil, err
	}
	var docs []Document
	if err := q.Preload("UploadedBy").Preload("WithdrawnBy").Where("case_id = ?", caseID).
		Order("created_at DESC, id DESC").Find(&docs).Error; err != nil {
		return nil, fmt.Errorf("list documents: %w", err)
	}
	out := &CaseDocuments{}
	medical := mayReadMedical(scope, cs)
	for _, d := range docs {
		if !d.Withdrawn() {
			out.Held++
		}
		if d.Category == DocMedical && !medical {
			out.Restricted++
			continue
		}
		out.Items = append(out.Items, d)
	}
	if err := q.Where("case_id = ? AND status <> ?", caseID, SupportCancelled).Order("date, id").Find(&out.Supports).Error; err != nil {
		return nil, fmt.Errorf("list support for receipts: %w", err)
	}
	proven := map[uint]bool{}
	for _, d := range docs {
		if d.Category == DocReceipt && d.SupportID != nil && !d.Withdrawn() {
			proven[*d.SupportID] = true
		}
	}
	for _, sp := range out.Supports {
		if sp.Status == SupportDelivered && !proven[sp.ID] {
			out.MissingReceipts = append(out.MissingReceipts, sp)
		}
	}
	return out, nil
}

// get reads one document of a case in scope that the user may see.
func (s *DocumentStore) get(ctx context.Context, q *gorm.DB, scope Scope, caseID, id uint) (*Document, error) {
	cs, err := caseInScope(q, scope, caseID)
	if err != nil {
		return nil, err
	}
	return documentOf(q, scope, cs, id)
}

func documentOf(q *gorm.DB, scope Scope, cs *Case, id uint) (*Document, error) {
	var d Document
	err := q.Where("id = ? AND case_id = ?", id, cs.ID).Take(&d).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load document %d: %w", id, err)
	}
	if d.Category == DocMedical && !mayReadMedical(scope, cs) {
		return nil, ErrNotFound
	}
	return &d, nil
}

// Open reads a document for a download or a thumbnail and records the view in the
// audit log before a byte is sent: a file nobody is recorded as having seen cannot
// leave. A withdrawn document has no content (ErrNotFound for the file).
func (s *DocumentStore) Open(ctx context.Context, a Actor, scope Scope, caseID, id uint, thumb bool) (*Document, error) {
	d, err := s.get(ctx, s.db.Read.WithContext(ctx), scope, caseID, id)
	if err != nil {
		return nil, err
	}
	if d.Withdrawn() || (thumb && d.ThumbChunks == 0) {
		return nil, ErrNotFound
	}
	action := "document.download"
	if thumb {
		action = "document.thumbnail"
	}
	ev := a.Event(action, "document", fmt.Sprint(d.ID))
	ev.Details = fmt.Sprintf("case=%d category=%s", caseID, d.Category)
	if err := s.audit.Record(ctx, ev); err != nil {
		return nil, err
	}
	return d, nil
}

// documentReadPiece is how much of a chunk one query reads on the way out: a driver
// hands each value over as a new slice, so smaller pieces keep a download's garbage,
// and with it the heap, small.
const documentReadPiece = 32 << 10

// pieceBuf receives a piece into one reused buffer.
type pieceBuf struct{ b []byte }

func (p *pieceBuf) Scan(v any) error {
	switch v := v.(type) {
	case []byte:
		p.b = append(p.b[:0], v...)
	case string:
		p.b = append(p.b[:0], v...)
	case nil:
		p.b = p.b[:0]
	default:
		return fmt.Errorf("document piece of type %T", v)
	}
	return nil
}

// WriteContent copies a document's content (or thumbnail) to w a piece at a time, each
// read in its own short query, so a slow client holds no connection or snapshot
// between pieces and the server holds one piece in memory.
func (s *DocumentStore) WriteContent(ctx context.Context, d *Document, thumb bool, w io.Writer) error {
	part, chunks, size := partContent, d.Chunks, d.Size
	if thumb {
		part, chunks, size = partThumb, d.ThumbChunks, d.ThumbSize
	}
	q := s.db.Read.WithContext(ctx)
	var buf pieceBuf
	for seq := range chunks {
		n := min(int64(DocumentChunkSize), size-int64(seq)*DocumentChunkSize)
		for off := int64(0); off < n; off += documentReadPiece {
			want := min(documentReadPiece, n-off)
			row := q.Raw("SELECT substr(data, ?, ?) FROM document_chunks WHERE document_id = ? AND part = ? AND seq = ?",
				off+1, want, d.ID, part, seq).Row()
			if err := row.Scan(&buf); err != nil {
				return fmt.Errorf("read document %d chunk %d: %w", d.ID, seq, err)
			}
			if int64(len(buf.b)) != want {
				return fmt.Errorf("document %d chunk %d: %d bytes at %d, want %d", d.ID, seq, len(buf.b), off, want)
			}
			if _, err := w.Write(buf.b); err != nil {
				return err
			}
		}
	}
	return nil
}

// Withdraw deletes a document's content and keeps its record, with who withdrew it,
// when and why. A closed case's documents cannot be withdrawn.
func (s *DocumentStore) Withdraw(ctx context.Context, a Actor, scope Scope, caseID, id uint, reason string) error {
	if err := cwCanWrite(a); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	fe := FieldErrors{}
	checkText(fe, "reason", reason, true)
	if err := fe.Err(); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *gorm.DB) error {
		cs, err := caseForWrite(tx, scope, caseID)
		if err != nil {
			return err
		}
		d, err := documentOf(tx, scope, cs, id)
		if err != nil {
			return err
		}
		if d.Withdrawn() {
			return fieldErr("reason", DocErrWithdrawn)
		}
		if err := tx.Exec("DELETE FROM document_chunks WHERE document_id = ?", d.ID).Error; err != nil {
			return fmt.Errorf("delete document content: %w", err)
		}
		now := s.now().UTC()
		res := tx.Model(&Document{}).Where("id = ? AND withdrawn_at IS NULL", d.ID).Updates(map[string]any{
			"withdrawn_at": now, "withdrawn_by_id": a.User.ID, "withdraw_reason": reason,
			"chunks": 0, "thumb_chunks": 0,
		})
		if res.Error != nil {
			return fmt.Errorf("withdraw document: %w", res.Error)
		}
		ev := a.Event("document.withdraw", "document", fmt.Sprint(d.ID))
		ev.Fields = "reason"
		ev.Details = fmt.Sprintf("case=%d category=%s", caseID, d.Category)
		return s.audit.RecordTx(tx, ev)
	})
}
