package models_test

import (
	"bytes"
	"image"
	"testing"

	"awda/models"
	"awda/models/dbtest"
)

// FuzzDocumentFile feeds any bytes to the type sniffing and the picture path. Whatever
// comes in, nothing panics, and what is accepted is a clean picture of the declared
// type: it decodes, within the pixel limit, with no markup and no EXIF block left, and
// its thumbnail is a JPEG. The markup scan gives the same answer however the bytes are
// split into pieces (as an upload arrives).
func FuzzDocumentFile(f *testing.F) {
	for _, seed := range [][]byte{
		dbtest.PNG(8, 8), dbtest.JPEG(8, 8), dbtest.JPEGWithGPS(8, 4, 6), dbtest.JPEGWithScript(), dbtest.WebP(),
		dbtest.PolyglotPDF(), dbtest.PDF(300), dbtest.PDFWithTrailer(), dbtest.Truncated(dbtest.PNG(8, 8)),
		dbtest.HTMLNamedPDF(), dbtest.PNGBomb(2000, 2000), {},
	} {
		f.Add(seed, uint16(7))
	}
	const maxPixels = 1 << 20 // a megapixel keeps the fuzzer's memory small
	f.Fuzz(func(t *testing.T, data []byte, split uint16) {
		step := int(split%97) + 1
		if whole, pieces := models.HasMarkup(data), models.MarkupInPieces(data, step); whole != pieces {
			t.Fatalf("markup found in pieces of %d: %v, whole: %v", step, pieces, whole)
		}
		sniffed := models.SniffDocument(data)
		if sniffed == "" || sniffed == models.TypePDF {
			return
		}
		content, contentType, thumb, err := models.PrepareImage(data, sniffed, maxPixels)
		if err != nil {
			if models.FileErrorKey(err) == "" {
				t.Fatalf("refusal without a message: %v", err)
			}
			return
		}
		if models.SniffDocument(content) != contentType || (contentType != models.TypeJPEG && contentType != models.TypePNG) {
			t.Fatalf("stored as %s, sniffed %s", contentType, models.SniffDocument(content))
		}
		cfg, _, err := image.DecodeConfig(bytes.NewReader(content))
		if err != nil || int64(cfg.Width)*int64(cfg.Height) > maxPixels {
			t.Fatalf("stored picture: %v %+v", err, cfg)
		}
		if bytes.Contains(content, []byte("Exif\x00")) || models.HasMarkup(content) {
			t.Fatal("metadata or markup kept")
		}
		if models.SniffDocument(thumb) != models.TypeJPEG {
			t.Fatal("thumbnail is not a JPEG")
		}
	})
}
