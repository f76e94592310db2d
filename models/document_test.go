package models_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"io"
	"strings"
	"testing"

	"awda/models"
	"awda/models/dbtest"
)

// upload attaches a file as u, the way the handler does.
func upload(f *caseworkFixture, u *models.User, cs *models.Case, category string, data []byte) (*models.Document, error) {
	return f.s.Documents.Upload(context.Background(), act(u), u.Scope(), cs.ID, models.DocumentInput{
		Category: category, Description: "signed on arrival", Filename: "scan.pdf", Content: bytes.NewReader(data),
	})
}

func mustUpload(t *testing.T, f *caseworkFixture, u *models.User, cs *models.Case, category string, data []byte) *models.Document {
	t.Helper()
	d, err := upload(f, u, cs, category, data)
	if err != nil {
		t.Fatalf("upload %s: %v", dbtest.Describe(data), err)
	}
	return d
}

// read downloads a document's content (or thumbnail) as u.
func read(t *testing.T, f *caseworkFixture, u *models.User, cs *models.Case, id uint, thumb bool) ([]byte, error) {
	t.Helper()
	ctx := context.Background()
	d, err := f.s.Documents.Open(ctx, act(u), u.Scope(), cs.ID, id, thumb)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := f.s.Documents.WriteContent(ctx, d, thumb, &b); err != nil {
		t.Fatalf("write content: %v", err)
	}
	return b.Bytes(), nil
}

func countRows(t *testing.T, s *models.Stores, table string) int64 {
	t.Helper()
	var n int64
	if err := s.DB.Read.Table(table).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func auditActions(t *testing.T, s *models.Stores, recordType string) []string {
	t.Helper()
	if err := s.Audit.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	var actions []string
	if err := s.DB.Read.Table("audit_events").Where("record_type = ?", recordType).Order("id").Pluck("action", &actions).Error; err != nil {
		t.Fatal(err)
	}
	return actions
}

func TestDocumentUploadListDownload(t *testing.T) {
	f := newCaseworkFixture(t)
	cs := insertCase(t, f.s, f.rab, f.cw, models.StatusRegistered, true)
	pdf := dbtest.PDF(3*models.DocumentChunkSize + 1234) // four chunks, the last one short
	d := mustUpload(t, f, f.cw, cs, "consent", pdf)
	if d.ContentType != models.TypePDF || d.Size != int64(len(pdf)) || d.Chunks != 4 || d.Filename != "scan.pdf" {
		t.Fatalf("stored %+v", d)
	}
	got, err := read(t, f, f.sup, cs, d.ID, false)
	if err != nil || !bytes.Equal(got, pdf) {
		t.Fatalf("download: %v, %d bytes, same=%v", err, len(got), bytes.Equal(got, pdf))
	}
	if _, err := read(t, f, f.sup, cs, d.ID, true); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("a PDF has no thumbnail: %v", err)
	}
	list, err := f.s.Documents.ForCase(context.Background(), f.cw.Scope(), cs.ID)
	if err != nil || len(list.Items) != 1 || list.Items[0].UploadedBy == nil || list.Items[0].UploadedBy.ID != f.cw.ID || list.Held != 1 {
		t.Fatalf("list: %v %+v", err, list)
	}
	if got := auditActions(t, f.s, "document"); strings.Join(got, ",") != "document.upload,document.download" {
		t.Fatalf("audit: %v", got)
	}
}

func TestDocumentImagesAreReencoded(t *testing.T) {
	f := newCaseworkFixture(t)
	cs := insertCase(t, f.s, f.rab, f.cw, models.StatusRegistered, true)
	src := dbtest.JPEGWithGPS(40, 20, 6)
	if !bytes.Contains(src, []byte(dbtest.GPSMarker)) || !bytes.Contains(src, []byte("Exif")) {
		t.Fatal("the test photo must carry its EXIF block")
	}
	d := mustUpload(t, f, f.cw, cs, "project", src)
	stored, err := read(t, f, f.cw, cs, d.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{dbtest.GPSMarker, "Exif", "\xFF\xE1"} {
		if bytes.Contains(stored, []byte(leak)) {
			t.Errorf("stored photo still holds %q", leak)
		}
	}
	img, format, err := image.Decode(bytes.NewReader(stored))
	if err != nil || format != "jpeg" || d.ContentType != models.TypeJPEG {
		t.Fatalf("stored photo: %v %s %s", err, format, d.ContentType)
	}
	// Orientation 6 (the camera held upright): 40 × 20 as sent, 20 × 40 as shown.
	if b := img.Bounds(); b.Dx() != 20 || b.Dy() != 40 || d.Width != 20 || d.Height != 40 {
		t.Fatalf("orientation not applied: %v, record %d×%d", b, d.Width, d.Height)
	}
	thumb, err := read(t, f, f.cw, cs, d.ID, true)
	if err != nil || models.SniffDocument(thumb) != models.TypeJPEG {
		t.Fatalf("thumbnail: %v %s", err, dbtest.Describe(thumb))
	}
	big := mustUpload(t, f, f.cw, cs, "project", dbtest.PNG(800, 400))
	thumb, err = read(t, f, f.cw, cs, big.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if cfg, _, err := image.DecodeConfig(bytes.NewReader(thumb)); err != nil || cfg.Width != 320 || cfg.Height != 160 {
		t.Fatalf("thumbnail size: %v %+v", err, cfg)
	}
	if big.ContentType != models.TypePNG {
		t.Fatalf("a PNG stays PNG: %s", big.ContentType)
	}
	// A transparent WebP is kept as PNG (there is no WebP encoder to write it back).
	wp := mustUpload(t, f, f.cw, cs, "project", dbtest.WebP())
	stored, err = read(t, f, f.cw, cs, wp.ID, false)
	if err != nil || wp.ContentType != models.TypePNG || wp.SourceType != models.TypeWebP || models.SniffDocument(stored) != models.TypePNG {
		t.Fatalf("webp: %v %s from %s", err, wp.ContentType, wp.SourceType)
	}
}

func TestDocumentHostileFilesAreRefused(t *testing.T) {
	f := newCaseworkFixture(t)
	cs := insertCase(t, f.s, f.rab, f.cw, models.StatusRegistered, true)
	eleven := dbtest.PDF(11 << 20)
	tests := []struct {
		name string
		data []byte
		key  string
	}{
		{"png 30000x30000", dbtest.PNGBomb(30000, 30000), models.DocErrPixels},
		{"html named .pdf", dbtest.HTMLNamedPDF(), models.DocErrType},
		{"pdf with a web page inside", dbtest.PolyglotPDF(), models.DocErrPolyglot},
		{"pdf with a zip after its end", dbtest.PDFWithTrailer(), models.DocErrPDFEnd},
		{"jpeg with a script in a comment", dbtest.JPEGWithScript(), models.DocErrPolyglot},
		{"zero bytes", nil, models.DocErrEmpty},
		{"11 MB", eleven, models.DocErrTooLarge},
		{"truncated png", dbtest.Truncated(dbtest.PNG(64, 64)), models.DocErrDamaged},
		{"truncated jpeg", dbtest.Truncated(dbtest.JPEG(64, 64)), models.DocErrDamaged},
		{"truncated pdf", dbtest.Truncated(dbtest.PDF(5000)), models.DocErrPDFEnd},
		{"gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), models.DocErrType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := upload(f, f.cw, cs, "identity", tt.data)
			fe, ok := models.AsValidation(err)
			if !ok || fe["file"] != tt.key {
				t.Fatalf("got %v (%v), want file error %s", err, fe, tt.key)
			}
			if n := countRows(t, f.s, "documents") + countRows(t, f.s, "document_chunks"); n != 0 {
				t.Fatalf("%d rows left behind", n)
			}
		})
	}
	if got := auditActions(t, f.s, "document"); len(got) != 0 {
		t.Fatalf("refusals recorded as uploads: %v", got)
	}
}

func TestDocumentScopeAndRoles(t *testing.T) {
	f := newCaseworkFixture(t)
	ctx := context.Background()
	rabCase := insertCase(t, f.s, f.rab, f.cw, models.StatusRegistered, true)
	casCase := insertCase(t, f.s, f.cas, f.cwCas, models.StatusRegistered, true)
	d := mustUpload(t, f, f.cw, rabCase, "identity", dbtest.PDF(1000))
	// Another office's document id under one's own case, and under its own case.
	if _, err := read(t, f, f.cwCas, casCase, d.ID, false); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("other office's document under own case: %v", err)
	}
	if _, err := read(t, f, f.cwCas, rabCase, d.ID, false); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("other office's case: %v", err)
	}
	if _, err := upload(f, f.cwCas, rabCase, "identity", dbtest.PDF(1000)); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("upload to another office's case: %v", err)
	}
	if err := f.s.Documents.Withdraw(ctx, act(f.cwCas), f.cwCas.Scope(), casCase.ID, d.ID, "wrong"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("withdraw another office's document: %v", err)
	}
	if _, err := upload(f, f.admin, rabCase, "identity", dbtest.PDF(1000)); !errors.Is(err, models.ErrForbidden) {
		t.Fatalf("admins only read: %v", err)
	}
	if _, err := read(t, f, f.hq, rabCase, d.ID, false); err != nil {
		t.Fatalf("an all-offices supervisor reads it: %v", err)
	}
	if _, err := read(t, f, f.admin, rabCase, d.ID, false); err != nil {
		t.Fatalf("an admin reads a non-medical document: %v", err)
	}
}

func TestDocumentMedicalOnlyForAssignedAndSupervisors(t *testing.T) {
	f := newCaseworkFixture(t)
	ctx := context.Background()
	cw2 := dbtest.MustUser(t, f.s, "cw2@example.org", models.RoleCaseworker, "RAB", "a long test passphrase")
	cs := insertCase(t, f.s, f.rab, f.cw, models.StatusRegistered, true)
	if err := f.s.DB.Write.Table("cases").Where("id = ?", cs.ID).Update("assigned_to_id", f.cw.ID).Error; err != nil {
		t.Fatal(err)
	}
	med := mustUpload(t, f, f.cw, cs, "medical", dbtest.PDF(1000))
	mustUpload(t, f, f.cw, cs, "consent", dbtest.PDF(1000))
	for _, tc := range []struct {
		who     *models.User
		allowed bool
	}{{f.cw, true}, {f.sup, true}, {f.hq, true}, {cw2, false}, {f.admin, false}} {
		_, err := read(t, f, tc.who, cs, med.ID, false)
		if tc.allowed != (err == nil) || (err != nil && !errors.Is(err, models.ErrNotFound)) {
			t.Errorf("%s reading a medical document: %v", tc.who.Email, err)
		}
		list, err := f.s.Documents.ForCase(ctx, tc.who.Scope(), cs.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantItems, wantRestricted := 2, 0
		if !tc.allowed {
			wantItems, wantRestricted = 1, 1
		}
		if len(list.Items) != wantItems || list.Restricted != wantRestricted {
			t.Errorf("%s lists %d documents, %d restricted", tc.who.Email, len(list.Items), list.Restricted)
		}
	}
	if err := f.s.Documents.Withdraw(ctx, act(cw2), cw2.Scope(), cs.ID, med.ID, "duplicate"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("another caseworker withdraws a medical document: %v", err)
	}
	_, err := upload(f, cw2, cs, "medical", dbtest.PDF(1000))
	if fe, ok := models.AsValidation(err); !ok || fe["category"] == "" {
		t.Fatalf("a caseworker not assigned attaches a medical document they could not read: %v", err)
	}
}

func TestDocumentWithdraw(t *testing.T) {
	f := newCaseworkFixture(t)
	ctx := context.Background()
	cs := insertCase(t, f.s, f.rab, f.cw, models.StatusRegistered, true)
	d := mustUpload(t, f, f.cw, cs, "project", dbtest.PNG(64, 64))
	err := f.s.Documents.Withdraw(ctx, act(f.cw), f.cw.Scope(), cs.ID, d.ID, "  ")
	if fe, ok := models.AsValidation(err); !ok || fe["reason"] != "error.required" {
		t.Fatalf("a reason is required: %v", err)
	}
	if err := f.s.Documents.Withdraw(ctx, act(f.cw), f.cw.Scope(), cs.ID, d.ID, "wrong person's photo"); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, f.s, "document_chunks"); n != 0 {
		t.Fatalf("%d chunks kept after withdrawal", n)
	}
	if _, err := read(t, f, f.cw, cs, d.ID, false); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("withdrawn content served: %v", err)
	}
	list, err := f.s.Documents.ForCase(ctx, f.cw.Scope(), cs.ID)
	if err != nil || len(list.Items) != 1 || !list.Items[0].Withdrawn() || list.Items[0].WithdrawReason != "wrong person's photo" ||
		list.Items[0].WithdrawnBy == nil || list.Held != 0 {
		t.Fatalf("record after withdrawal: %v %+v", err, list)
	}
	err = f.s.Documents.Withdraw(ctx, act(f.cw), f.cw.Scope(), cs.ID, d.ID, "again")
	if fe, ok := models.AsValidation(err); !ok || fe["reason"] != models.DocErrWithdrawn {
		t.Fatalf("withdrawn twice: %v", err)
	}
	if got := auditActions(t, f.s, "document"); strings.Join(got, ",") != "document.upload,document.withdraw" {
		t.Fatalf("audit: %v", got)
	}
}

func TestDocumentClosedCaseIsReadOnly(t *testing.T) {
	f := newCaseworkFixture(t)
	ctx := context.Background()
	cs := insertCase(t, f.s, f.rab, f.cw, models.StatusRegistered, true)
	d := mustUpload(t, f, f.cw, cs, "consent", dbtest.PDF(1000))
	if err := f.s.DB.Write.Table("cases").Where("id = ?", cs.ID).Update("status", models.StatusClosed).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := upload(f, f.cw, cs, "consent", dbtest.PDF(1000)); !errors.Is(err, models.ErrCaseClosed) {
		t.Fatalf("upload to a closed case: %v", err)
	}
	if err := f.s.Documents.Withdraw(ctx, act(f.sup), f.sup.Scope(), cs.ID, d.ID, "cleanup"); !errors.Is(err, models.ErrCaseClosed) {
		t.Fatalf("withdraw on a closed case: %v", err)
	}
	if _, err := read(t, f, f.cw, cs, d.ID, false); err != nil {
		t.Fatalf("a closed case's documents stay readable: %v", err)
	}
}

func TestDocumentLimitPerCase(t *testing.T) {
	f := newCaseworkFixture(t)
	lim := models.DefaultDocumentLimits()
	lim.MaxPerCase = 2
	f.s.Documents = models.NewDocumentStore(f.s.DB, f.clock.Now, f.s.Audit, lim)
	cs := insertCase(t, f.s, f.rab, f.cw, models.StatusRegistered, true)
	first := mustUpload(t, f, f.cw, cs, "consent", dbtest.PDF(1000))
	mustUpload(t, f, f.cw, cs, "travel", dbtest.PDF(1000))
	_, err := upload(f, f.cw, cs, "other", dbtest.PDF(1000))
	if fe, ok := models.AsValidation(err); !ok || fe["file"] != models.DocErrTooMany {
		t.Fatalf("third document: %v", err)
	}
	// A withdrawn document no longer counts.
	if err := f.s.Documents.Withdraw(context.Background(), act(f.cw), f.cw.Scope(), cs.ID, first.ID, "replaced"); err != nil {
		t.Fatal(err)
	}
	mustUpload(t, f, f.cw, cs, "other", dbtest.PDF(1000))
}

func TestCasesExportCountsDocumentsNotWithdrawn(t *testing.T) {
	f := newCaseworkFixture(t)
	ctx := context.Background()
	cs := insertCase(t, f.s, f.rab, f.cw, models.StatusRegistered, true)
	other := insertCase(t, f.s, f.rab, f.cw, models.StatusRegistered, true)
	mustUpload(t, f, f.cw, cs, "consent", dbtest.PDF(1000))
	mustUpload(t, f, f.cw, cs, "receipt", dbtest.PDF(1000))
	gone := mustUpload(t, f, f.cw, cs, "travel", dbtest.PDF(1000))
	if err := f.s.Documents.Withdraw(ctx, act(f.cw), f.cw.Scope(), cs.ID, gone.ID, "duplicate"); err != nil {
		t.Fatal(err)
	}
	col := -1
	for i, name := range models.ExportColumns["cases"] {
		if name == "document_count" {
			col = i
		}
	}
	if col < 0 {
		t.Fatal("no document_count column")
	}
	got := map[string]string{}
	_, err := f.s.Exports.Cases(ctx, models.ExportFilter{}, false, func(row []string) error {
		got[row[0]] = row[col]
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got[cs.CaseNumber] != "2" || got[other.CaseNumber] != "0" {
		t.Fatalf("document counts %v", got)
	}
}

func TestDeliveredSupportWithoutReceiptIsListed(t *testing.T) {
	f := newCaseworkFixture(t)
	ctx := context.Background()
	cs := insertCase(t, f.s, f.rab, f.cw, models.StatusReturned, true)
	other := insertCase(t, f.s, f.rab, f.cw, models.StatusReturned, true)
	sp := f.plan(t, f.cw, cs, "1500")
	waiting := f.plan(t, f.cw, cs, "800")
	if err := f.s.Support.Approve(ctx, act(f.sup), f.sup.Scope(), cs.ID, sp.ID, 0); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Support.Deliver(ctx, act(f.cw), f.cw.Scope(), cs.ID, sp.ID, 0, "2021-05-25"); err != nil {
		t.Fatal(err)
	}
	missing := func() []uint {
		t.Helper()
		docs, err := f.s.Documents.ForCase(ctx, f.cw.Scope(), cs.ID)
		if err != nil {
			t.Fatal(err)
		}
		var ids []uint
		for _, m := range docs.MissingReceipts {
			ids = append(ids, m.ID)
		}
		return ids
	}
	if got := missing(); len(got) != 1 || got[0] != sp.ID {
		t.Fatalf("missing receipts %v, want the delivered support %d only (not %d, still planned)", got, sp.ID, waiting.ID)
	}
	queue := func(u *models.User, office string) int64 {
		t.Helper()
		items, total, err := f.s.Documents.DeliveredWithoutReceipt(ctx, u.Scope(), models.QueueFilter{OfficeCode: office})
		if err != nil {
			t.Fatal(err)
		}
		if total > 0 && (len(items) != 1 || items[0].SupportID != sp.ID || items[0].CaseNumber != cs.CaseNumber ||
			items[0].Amount != 150000 || items[0].DeliveredOn.String() != "2021-05-25") || total == 0 && len(items) != 0 {
			t.Fatalf("%s, office %q: %d, lines %+v", u.Email, office, total, items)
		}
		return total
	}
	if queue(f.sup, "") != 1 || queue(f.hq, "") != 1 || queue(f.hq, "RAB") != 1 || queue(f.hq, "CAS") != 0 || queue(f.cwCas, "") != 0 {
		t.Fatal("the supervisors' list of delivered support without a receipt")
	}
	attach := func(c *models.Case, supportID uint) (*models.Document, error) {
		return f.s.Documents.Upload(ctx, act(f.cw), f.cw.Scope(), c.ID, models.DocumentInput{
			Category: "receipt", Filename: "recu.jpg", Content: bytes.NewReader(dbtest.JPEG(64, 48)), SupportID: &supportID})
	}
	if _, err := attach(other, sp.ID); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("a receipt for another case's support: %v", err)
	}
	receipt, err := attach(cs, sp.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := missing(); len(got) != 0 || queue(f.sup, "") != 0 {
		t.Fatalf("missing receipts after attaching one: %v", got)
	}
	if err := f.s.Documents.Withdraw(ctx, act(f.cw), f.cw.Scope(), cs.ID, receipt.ID, "illegible"); err != nil {
		t.Fatal(err)
	}
	if got := missing(); len(got) != 1 {
		t.Fatalf("a withdrawn receipt proves nothing: %v", got)
	}
}

func TestOfficeReceiptRuleBeforeCashDelivery(t *testing.T) {
	f := newCaseworkFixture(t)
	ctx := context.Background()
	cs := insertCase(t, f.s, f.rab, f.cw, models.StatusReturned, true)
	cas := insertCase(t, f.s, f.cas, f.cwCas, models.StatusReturned, true)
	plan := func(c *models.Case, u *models.User, typ string) *models.Support {
		t.Helper()
		sp, err := f.s.Support.Plan(ctx, act(u), u.Scope(), c.ID, models.SupportInput{
			Type: typ, Description: "Handed over at the office", Amount: "900", Currency: "MAD", Date: "2021-05-20"})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.s.Support.Approve(ctx, act(f.hq), f.hq.Scope(), c.ID, sp.ID, 0); err != nil {
			t.Fatal(err)
		}
		return sp
	}
	cash, training := plan(cs, f.cw, "cash"), plan(cs, f.cw, "training")
	casCash := plan(cas, f.cwCas, "cash")
	if err := f.s.Documents.RequireReceipts(ctx, act(f.cw), f.rab.ID, true); !errors.Is(err, models.ErrForbidden) {
		t.Fatalf("a caseworker sets the rule: %v", err)
	}
	if err := f.s.Documents.RequireReceipts(ctx, act(f.admin), f.rab.ID, true); err != nil {
		t.Fatal(err)
	}
	deliver := func(c *models.Case, u *models.User, sp *models.Support) error {
		return f.s.Support.Deliver(ctx, act(u), u.Scope(), c.ID, sp.ID, 0, "2021-05-25")
	}
	if err := deliver(cs, f.cw, cash); !errors.Is(err, models.ErrReceiptRequired) {
		t.Fatalf("cash delivered without a receipt: %v", err)
	}
	if got := supportStatus(t, f.s, cs, cash.ID); got != models.SupportApproved {
		t.Fatalf("refused delivery left the support %s", got)
	}
	if err := deliver(cs, f.cw, training); err != nil {
		t.Fatalf("the rule is for cash only: %v", err)
	}
	if err := deliver(cas, f.cwCas, casCash); err != nil {
		t.Fatalf("another office without the rule: %v", err)
	}
	// A receipt of another kind does not count; a receipt does.
	other := cash.ID
	if _, err := f.s.Documents.Upload(ctx, act(f.cw), f.cw.Scope(), cs.ID, models.DocumentInput{
		Category: "other", Content: bytes.NewReader(dbtest.PDF(500)), SupportID: &other}); err != nil {
		t.Fatal(err)
	}
	if err := deliver(cs, f.cw, cash); !errors.Is(err, models.ErrReceiptRequired) {
		t.Fatalf("a document that is no receipt counted: %v", err)
	}
	if _, err := f.s.Documents.Upload(ctx, act(f.cw), f.cw.Scope(), cs.ID, models.DocumentInput{
		Category: "receipt", Content: bytes.NewReader(dbtest.JPEG(40, 30)), SupportID: &other}); err != nil {
		t.Fatal(err)
	}
	if err := deliver(cs, f.cw, cash); err != nil {
		t.Fatalf("cash with its receipt: %v", err)
	}
	var office models.Office
	if err := f.s.DB.Read.First(&office, f.rab.ID).Error; err != nil || !office.ReceiptRequired {
		t.Fatalf("office rule not stored: %v %+v", err, office)
	}
}

// files is an upload's files handed over one at a time, as the handler does from the body.
type files []models.DocumentFile

func (f *files) Next() (*models.DocumentFile, error) {
	if len(*f) == 0 {
		return nil, io.EOF
	}
	next := (*f)[0]
	*f = (*f)[1:]
	return &next, nil
}

func batchOf(named ...any) *files {
	var out files
	for i := 0; i < len(named); i += 2 {
		out = append(out, models.DocumentFile{Name: named[i].(string), Content: bytes.NewReader(named[i+1].([]byte))})
	}
	return &out
}

// An upload of several files stores all of them, in order, or none: a file refused
// after others were written takes them back with it, and the refusal names it.
func TestDocumentUploadBatchAllOrNothing(t *testing.T) {
	f := newCaseworkFixture(t)
	ctx := context.Background()
	cs := insertCase(t, f.s, f.rab, f.cw, models.StatusRegistered, true)
	upload := func(fs *files) ([]*models.Document, error) {
		return f.s.Documents.UploadBatch(ctx, act(f.cw), f.cw.Scope(), cs.ID, models.DocumentBatch{
			Category: "identity", Description: "Passeport", Files: fs})
	}
	for _, bad := range []struct {
		name  string
		batch *files
		file  string
		key   string
	}{
		{"last refused", batchOf("p1.pdf", dbtest.PDF(3*models.DocumentChunkSize), "p2.jpg", dbtest.JPEG(40, 30), "bombe.png", dbtest.PNGBomb(30000, 30000)),
			"bombe.png", models.DocErrPixels},
		{"middle refused", batchOf("p1.pdf", dbtest.PDF(2000), "facture.pdf", dbtest.HTMLNamedPDF(), "p3.pdf", dbtest.PDF(2000)),
			"facture.pdf", models.DocErrType},
		{"polyglot last", batchOf("p1.png", dbtest.PNG(20, 20), "scan.pdf", dbtest.PolyglotPDF()), "scan.pdf", models.DocErrPolyglot},
	} {
		_, err := upload(bad.batch)
		var refused *models.RefusedFile
		if !errors.As(err, &refused) || refused.Name != bad.file || refused.Key != bad.key {
			t.Fatalf("%s: %v, want %s refused for %s", bad.name, err, bad.file, bad.key)
		}
		if fe, ok := models.AsValidation(err); !ok || fe["file"] != bad.key {
			t.Fatalf("%s: not a validation error of the file field: %v", bad.name, err)
		}
		if n, c := countRows(t, f.s, "documents"), countRows(t, f.s, "document_chunks"); n+c != 0 {
			t.Fatalf("%s: %d documents and %d chunks left behind", bad.name, n, c)
		}
	}
	if got := auditActions(t, f.s, "document"); len(got) != 0 {
		t.Fatalf("refused uploads audited: %v", got)
	}
	docs, err := upload(batchOf("recto.jpg", dbtest.JPEG(40, 30), "verso.png", dbtest.PNG(30, 20), "copie.pdf", dbtest.PDF(5000)))
	if err != nil || len(docs) != 3 {
		t.Fatalf("three good files: %v, %d documents", err, len(docs))
	}
	for i, want := range []string{"recto.jpg", "verso.png", "copie.pdf"} {
		if docs[i].Filename != want || docs[i].Category != models.DocIdentity || docs[i].Description != "Passeport" {
			t.Errorf("document %d: %+v", i, docs[i])
		}
	}
	if got := auditActions(t, f.s, "document"); len(got) != 3 {
		t.Fatalf("audit %v, want one upload event per file", got)
	}
}

// The per-case limit counts the upload's files, and an upload carries at most
// MaxPerUpload files.
func TestDocumentUploadBatchLimits(t *testing.T) {
	f := newCaseworkFixture(t)
	ctx := context.Background()
	lim := models.DefaultDocumentLimits()
	lim.MaxPerCase, lim.MaxPerUpload = 4, 2
	f.s.Documents = models.NewDocumentStore(f.s.DB, f.clock.Now, f.s.Audit, lim)
	cs := insertCase(t, f.s, f.rab, f.cw, models.StatusRegistered, true)
	upload := func(fs *files) error {
		_, err := f.s.Documents.UploadBatch(ctx, act(f.cw), f.cw.Scope(), cs.ID, models.DocumentBatch{Category: "other", Files: fs})
		return err
	}
	refusedAs := func(err error, name, key string) {
		t.Helper()
		var refused *models.RefusedFile
		if !errors.As(err, &refused) || refused.Name != name || refused.Key != key {
			t.Fatalf("%v, want %s refused for %s", err, name, key)
		}
	}
	refusedAs(upload(batchOf("a.pdf", dbtest.PDF(900), "b.pdf", dbtest.PDF(900), "c.pdf", dbtest.PDF(900))), "c.pdf", models.DocErrTooManyFiles)
	if err := upload(batchOf("a.pdf", dbtest.PDF(900), "b.pdf", dbtest.PDF(900))); err != nil {
		t.Fatal(err)
	}
	if err := upload(batchOf("c.pdf", dbtest.PDF(900))); err != nil {
		t.Fatal(err)
	}
	refusedAs(upload(batchOf("d.pdf", dbtest.PDF(900), "e.pdf", dbtest.PDF(900))), "e.pdf", models.DocErrTooManyInUpload)
	if n := countRows(t, f.s, "documents"); n != 3 {
		t.Fatalf("%d documents, want 3: the refused upload's first file stays out", n)
	}
	if err := upload(batchOf("d.pdf", dbtest.PDF(900))); err != nil {
		t.Fatal(err)
	}
	refusedAs(upload(batchOf("f.pdf", dbtest.PDF(900))), "f.pdf", models.DocErrTooMany)
}
