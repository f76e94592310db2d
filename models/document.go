package models

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"strings"
	"time"

	xdraw "golang.org/x/image/draw"
	_ "golang.org/x/image/webp" // registers the WebP decoder with image.Decode
)

// Document is a file attached to a case: a signed consent, identity papers, a receipt.
// Its content lives in document_chunks, in the same database as the case, so backups
// carry both together and every app server sees the same files.
type Document struct {
	ID     uint
	CaseID uint
	// SupportID links a receipt to the support record it proves was handed over.
	SupportID   *uint
	Category    DocumentCategory
	Description string
	// Filename is the name the file had on the uploader's computer, shown in the list
	// only; downloads are named from the case number and the document id.
	Filename string
	// ContentType is what the stored bytes are (application/pdf, image/jpeg,
	// image/png), decided from the content; SourceType is what was sent (a WebP photo
	// is stored re-encoded as JPEG or PNG).
	ContentType string
	SourceType  string
	Size        int64
	SHA256      string `gorm:"column:sha256"`
	Width       int
	Height      int
	ThumbSize   int64
	// Chunks counts the content's chunk rows, so a download can tell a missing chunk
	// from the end of the file.
	Chunks         int
	ThumbChunks    int
	UploadedByID   uint
	UploadedBy     *User `gorm:"foreignKey:UploadedByID"`
	CreatedAt      time.Time
	WithdrawnAt    *time.Time
	WithdrawnByID  *uint
	WithdrawnBy    *User `gorm:"foreignKey:WithdrawnByID"`
	WithdrawReason string
}

// Withdrawn reports whether the document's content has been deleted.
func (d *Document) Withdrawn() bool { return d.WithdrawnAt != nil }

// IsImage reports whether the stored content is a picture (with a thumbnail).
func (d *Document) IsImage() bool { return strings.HasPrefix(d.ContentType, "image/") }

// Extension is the file name extension of the stored type, for the download's name.
func (d *Document) Extension() string {
	switch d.ContentType {
	case TypePDF:
		return ".pdf"
	case TypeJPEG:
		return ".jpg"
	case TypePNG:
		return ".png"
	}
	return ".bin"
}

// DocumentCategory says what a document is for.
type DocumentCategory string

const (
	DocConsent  DocumentCategory = "consent"
	DocIdentity DocumentCategory = "identity"
	DocTravel   DocumentCategory = "travel"
	DocReceipt  DocumentCategory = "receipt"
	DocProject  DocumentCategory = "project"
	DocMedical  DocumentCategory = "medical"
	DocOther    DocumentCategory = "other"
)

// DocumentCategories lists the categories in the order forms show them.
var DocumentCategories = []DocumentCategory{DocConsent, DocIdentity, DocTravel, DocReceipt, DocProject, DocMedical, DocOther}

// The content types Awda accepts, decided from the bytes, never from the name or the
// browser's claim. Others are refused: office documents (DOCX, XLSX) carry macros and
// embedded objects and are better sent as PDF; HEIC and TIFF have no decoder in the
// standard library or x/image that we trust with hostile input; SVG and HTML are
// scripts.
const (
	TypePDF  = "application/pdf"
	TypeJPEG = "image/jpeg"
	TypePNG  = "image/png"
	TypeWebP = "image/webp"
)

// SniffDocument decides a file's type from its first bytes, or "" when it is none of
// the accepted ones.
func SniffDocument(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return TypePDF
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return TypeJPEG
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return TypePNG
	case len(head) >= 12 && bytes.HasPrefix(head, []byte("RIFF")) && string(head[8:12]) == "WEBP":
		return TypeWebP
	}
	return ""
}

// markup is what makes a file readable as a web page or script besides its own format.
// A file that is a valid PDF or picture AND carries any of these (a polyglot) is
// refused: served from our origin it could be read as HTML by a browser or tool that
// ignores the declared type. XMP metadata (<x:xmpmeta, <rdf:) is XML, not a page, and
// is allowed in what is sent (images are re-encoded without it).
var markup = [][]byte{
	[]byte("<html"), []byte("<script"), []byte("<body"), []byte("<!doctype html"), []byte("<iframe"),
	[]byte("<svg"), []byte("<object"), []byte("<embed"), []byte("javascript:"),
}

// markupScanner finds markup in a stream read in pieces, across piece boundaries. Its
// buffer is reused from piece to piece, so scanning a 10 MB upload allocates one piece.
type markupScanner struct {
	carry []byte
	buf   []byte
	found bool
}

const markupOverlap = 15 // longest marker less one byte

func (m *markupScanner) Write(p []byte) {
	if m.found || len(p) == 0 {
		return
	}
	m.buf = append(append(m.buf[:0], m.carry...), p...)
	for i, b := range m.buf {
		if 'A' <= b && b <= 'Z' {
			m.buf[i] = b + ('a' - 'A')
		}
	}
	for _, mk := range markup {
		if bytes.Contains(m.buf, mk) {
			m.found = true
			return
		}
	}
	m.carry = append(m.carry[:0], m.buf[max(0, len(m.buf)-markupOverlap):]...)
}

// HasMarkup reports whether data holds markup a browser could run.
func HasMarkup(data []byte) bool {
	var m markupScanner
	for len(data) > 0 {
		n := min(len(data), 64<<10)
		m.Write(data[:n])
		data = data[n:]
	}
	return m.found
}

// pdfTail keeps a PDF's last bytes to check how it ends.
const pdfTail = 1024

// pdfEndsCleanly reports whether a PDF's last bytes hold its end marker followed by
// nothing but white space: data appended after %%EOF is where PDF+ZIP and PDF+HTML
// polyglots hide, and a file cut short has no marker at all.
func pdfEndsCleanly(tail []byte) bool {
	i := bytes.LastIndex(tail, []byte("%%EOF"))
	if i < 0 {
		return false
	}
	for _, b := range tail[i+5:] {
		switch b {
		case ' ', '\t', '\r', '\n', '\f', 0:
		default:
			return false
		}
	}
	return true
}

// Refusals of a file, each the translation key of the message shown beside the field.
const (
	DocErrEmpty    = "documents.error.empty"
	DocErrTooLarge = "documents.error.too_large"
	DocErrType     = "documents.error.type"
	DocErrPixels   = "documents.error.pixels"
	DocErrDamaged  = "documents.error.damaged"
	DocErrPolyglot = "documents.error.polyglot"
	DocErrPDFEnd   = "documents.error.pdf_end"
	DocErrTooMany  = "documents.error.too_many"
	// DocErrTooManyInUpload: the files before this one filled the case.
	DocErrTooManyInUpload = "documents.error.too_many_in_upload"
	// DocErrTooManyFiles: more files than one upload may carry.
	DocErrTooManyFiles = "documents.error.too_many_files"
	// DocErrUploadTooLarge: a body larger than the files an upload may carry.
	DocErrUploadTooLarge = "documents.error.upload_too_large"
	DocErrNoFile         = "documents.error.no_file"
	DocErrWithdrawn      = "documents.error.withdrawn"
)

// fileError is a file refused for a reason the user can act on.
type fileError struct{ key string }

func (e *fileError) Error() string { return "file refused: " + e.key }

func refuse(key string) error { return &fileError{key: key} }

// fileErrorKey is the message key of a refused file, or "".
func fileErrorKey(err error) string {
	var fe *fileError
	if errors.As(err, &fe) {
		return fe.key
	}
	return ""
}

// thumbSize is the longest side of a thumbnail, in pixels.
const thumbSize = 320

// preparedImage is an image ready to store: re-encoded without any metadata block, and
// its thumbnail.
type preparedImage struct {
	content     []byte
	contentType string
	thumb       []byte
	width       int
	height      int
}

// PrepareImage checks and re-encodes a picture (for the fuzz test and the store).
// The pixel count is read from the header and checked BEFORE decoding, so a small
// file that would unpack into gigabytes (a decompression bomb) is refused without
// allocating its pixels. Re-encoding writes only the pixels: EXIF (with GPS
// positions), XMP, ICC profiles, comments and anything appended after the image's end
// are gone. EXIF orientation is applied first, so a phone photo stays upright.
func PrepareImage(data []byte, sniffed string, maxPixels int64) (content []byte, contentType string, thumb []byte, err error) {
	p, err := prepareImage(data, sniffed, maxPixels)
	if err != nil {
		return nil, "", nil, err
	}
	return p.content, p.contentType, p.thumb, nil
}

func prepareImage(data []byte, sniffed string, maxPixels int64) (*preparedImage, error) {
	if HasMarkup(data) {
		return nil, refuse(DocErrPolyglot)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, refuse(DocErrDamaged)
	}
	if "image/"+format != sniffed {
		return nil, refuse(DocErrType)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, refuse(DocErrDamaged)
	}
	if int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return nil, refuse(DocErrPixels)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, refuse(DocErrDamaged)
	}
	if sniffed == TypeJPEG {
		img = orient(img, jpegOrientation(data))
	}
	opaque := isOpaque(img)
	var out bytes.Buffer
	ct := TypePNG
	if sniffed == TypeJPEG || (sniffed == TypeWebP && opaque) {
		// Photos stay JPEG (a WebP photo becomes one: there is no WebP encoder we can
		// use, and PNG would make a photo several times larger).
		ct = TypeJPEG
		err = jpeg.Encode(&out, img, &jpeg.Options{Quality: 90})
	} else {
		err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&out, img)
	}
	if err != nil {
		return nil, refuse(DocErrDamaged)
	}
	b := img.Bounds()
	return &preparedImage{content: out.Bytes(), contentType: ct, thumb: thumbnail(img), width: b.Dx(), height: b.Dy()}, nil
}

// isOpaque reports whether an image has no transparent pixel (decoders say so for
// formats without alpha).
func isOpaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	return false
}

// thumbnail scales an image to fit thumbSize on white (for transparent pictures), as
// JPEG.
func thumbnail(img image.Image) []byte {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w > thumbSize || h > thumbSize {
		if w >= h {
			w, h = thumbSize, max(1, h*thumbSize/b.Dx())
		} else {
			w, h = max(1, w*thumbSize/b.Dy()), thumbSize
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	xdraw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, xdraw.Src)
	xdraw.ApproxBiLinear.Scale(dst, dst.Bounds(), img, b, xdraw.Over, nil)
	var out bytes.Buffer
	_ = jpeg.Encode(&out, dst, &jpeg.Options{Quality: 80})
	return out.Bytes()
}

// jpegOrientation reads the EXIF orientation tag (1–8) of a JPEG, or 1. Only the APP1
// segments before the image data are read, each bounds-checked: the input is hostile.
func jpegOrientation(data []byte) int {
	p := 2
	for p+4 <= len(data) {
		if data[p] != 0xFF {
			return 1
		}
		marker := data[p+1]
		if marker == 0xDA || marker == 0xD9 { // start of scan, end of image
			return 1
		}
		n := int(data[p+2])<<8 | int(data[p+3])
		if n < 2 || p+2+n > len(data) {
			return 1
		}
		seg := data[p+4 : p+2+n]
		if marker == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return exifOrientation(seg[6:])
		}
		p += 2 + n
	}
	return 1
}

// exifOrientation reads tag 0x0112 from the first IFD of a TIFF-structured EXIF block.
func exifOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var u16 func([]byte) int
	var u32 func([]byte) int
	switch string(t[:2]) {
	case "II":
		u16 = func(b []byte) int { return int(b[0]) | int(b[1])<<8 }
		u32 = func(b []byte) int { return int(b[0]) | int(b[1])<<8 | int(b[2])<<16 | int(b[3])<<24 }
	case "MM":
		u16 = func(b []byte) int { return int(b[1]) | int(b[0])<<8 }
		u32 = func(b []byte) int { return int(b[3]) | int(b[2])<<8 | int(b[1])<<16 | int(b[0])<<24 }
	default:
		return 1
	}
	off := u32(t[4:8])
	if off < 8 || off+2 > len(t) {
		return 1
	}
	count := u16(t[off : off+2])
	for i := range count {
		e := off + 2 + i*12
		if e+12 > len(t) {
			return 1
		}
		if u16(t[e:e+2]) == 0x0112 {
			if v := u16(t[e+8 : e+10]); v >= 1 && v <= 8 {
				return v
			}
			return 1
		}
	}
	return 1
}

// orient turns an image as its EXIF orientation says, so the stored copy (which has no
// EXIF any more) shows the way the camera meant.
func orient(img image.Image, o int) image.Image {
	if o <= 1 || o > 8 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewNRGBA(image.Rect(0, 0, dw, dh))
	for y := range h {
		for x := range w {
			var dx, dy int
			switch o {
			case 2:
				dx, dy = w-1-x, y
			case 3:
				dx, dy = w-1-x, h-1-y
			case 4:
				dx, dy = x, h-1-y
			case 5:
				dx, dy = y, x
			case 6:
				dx, dy = h-1-y, x
			case 7:
				dx, dy = h-1-y, w-1-x
			case 8:
				dx, dy = y, w-1-x
			}
			dst.Set(dx, dy, img.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return dst
}

// readHead reads up to n bytes (fewer only at the end of r).
func readHead(r io.Reader, n int) ([]byte, error) {
	buf := make([]byte, n)
	k, err := io.ReadFull(r, buf)
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		err = nil
	}
	return buf[:k], err
}
