package views

import (
	"context"
	"fmt"
	"strconv"

	"awda/models"
)

// DocumentsPath is where a case's documents are attached.
func DocumentsPath(caseID uint) string { return fmt.Sprintf("/cases/%d/documents", caseID) }

// DocumentPath downloads one document.
func DocumentPath(caseID, id uint) string { return fmt.Sprintf("/cases/%d/documents/%d", caseID, id) }

// DocumentThumbPath is a picture's thumbnail, shown in the list.
func DocumentThumbPath(caseID, id uint) string {
	return fmt.Sprintf("/cases/%d/documents/%d/thumbnail", caseID, id)
}

// DocumentWithdrawPath withdraws one document.
func DocumentWithdrawPath(caseID, id uint) string {
	return fmt.Sprintf("/cases/%d/documents/%d/withdraw", caseID, id)
}

// DocumentsVM is the documents section of a case file.
type DocumentsVM struct {
	CaseID     uint
	CaseNumber string
	// CanEdit is true when the user may attach and withdraw (casework roles, case open).
	CanEdit bool
	Items   []models.Document
	// Restricted counts medical documents the user may not see.
	Restricted int
	// MissingReceipts is the delivered support that no receipt proves yet.
	MissingReceipts []models.Support
	Form            DocumentForm
}

// DocumentForm is the upload form, blank or as typed when refused. A file cannot be
// sent back to the browser: it is chosen again.
type DocumentForm struct {
	CaseID     uint
	CaseNumber string
	Category   string
	Desc       string
	SupportID  string
	Supports   []models.Support
	Limits     models.DocumentLimits
	Held       int
	Errors     models.FieldErrors
	// RefusedFile names the file that refused the upload, for its message.
	RefusedFile string
}

// DocumentWithdrawForm asks why a document is withdrawn.
type DocumentWithdrawForm struct {
	CaseID     uint
	CaseNumber string
	Doc        models.Document
	Reason     string
	Errors     models.FieldErrors
}

func docCategories() []string {
	out := make([]string, len(models.DocumentCategories))
	for i, c := range models.DocumentCategories {
		out[i] = string(c)
	}
	return out
}

func docID(id uint) string { return strconv.FormatUint(uint64(id), 10) }

// docSizeKB is a size in kilobytes, rounded up (a file is never shown as 0).
func docSizeKB(n int64) int64 { return (n + 1023) / 1024 }

// docMaxSize is the file size limit as people read it: "10 MB", "1,5 MB", "512 KB".
func docMaxSize(ctx context.Context, l models.DocumentLimits) string {
	if l.MaxBytes >= 1<<20 {
		return T(ctx, "documents.size_mb", "Size", docFigure(ctx, l.MaxBytes, 1<<20))
	}
	return T(ctx, "documents.size_kb", "Size", docFigure(ctx, l.MaxBytes, 1<<10))
}

// docFigure is n in units, whole when it divides exactly, else with one decimal.
func docFigure(ctx context.Context, n, unit int64) string {
	if n%unit == 0 {
		return Int(ctx, n/unit)
	}
	return Decimal(ctx, float64(n)/float64(unit), 1)
}

// docFileError is the message of a refused upload: the reason, after the name of the
// file that refused it when there is one.
func docFileError(ctx context.Context, f DocumentForm) string {
	reason := T(ctx, f.Errors["file"], docLimitArgs(ctx, f.Limits, f.Held)...)
	if f.RefusedFile == "" {
		return reason
	}
	return T(ctx, "documents.error.in_file", "Name", f.RefusedFile, "Reason", reason)
}

// docLimitArgs are the configured limits a document message may name.
func docLimitArgs(ctx context.Context, l models.DocumentLimits, held int) []any {
	return []any{"Size", docMaxSize(ctx, l), "Max", l.MaxPerCase, "Held", held, "Files", l.MaxPerUpload,
		"Megapixels", docFigure(ctx, l.MaxPixels, 1_000_000)}
}

// docSupportOptions names the case's support records a receipt may be linked to.
func docSupportOptions(ctx context.Context, f DocumentForm) []Option {
	var out []Option
	for _, sp := range f.Supports {
		out = append(out, Option{Value: docID(sp.ID), Label: FormatDate(ctx, sp.Date) + " — " +
			Label(ctx, "casework.type", string(sp.Type)) + " — " + Money(ctx, sp.Amount, sp.Currency)})
	}
	return out
}

// PathSummaryReceipts is the share of the period's delivered support that a receipt
// proves, under the summary's filters.
const PathSummaryReceipts = "/summary/receipts"

// PathSummaryReceiptSupports lists the support records behind a receipts figure.
const PathSummaryReceiptSupports = "/summary/receipts/supports"

// SummaryReceiptsLink is the receipts page under the summary's filters.
func SummaryReceiptsLink(f models.SummaryFilter) string {
	return WithQuery(PathSummaryReceipts, f.Query())
}

// ReceiptsDrillPath is the drill-down of a receipts figure, with the same filters.
func ReceiptsDrillPath(f models.SummaryFilter, group string) string {
	return SummaryGroupPath(PathSummaryReceiptSupports, f, group, 0)
}

// ReceiptSupportsView is the list of the support records behind a receipts figure.
type ReceiptSupportsView struct {
	Filter   models.SummaryFilter
	Group    string
	Supports []models.ReceiptSupport
	Pager    Pager
}
