package dbtest

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
)

// Files for the document tests: good ones and hostile ones, made here rather than
// committed so each says how it is built.

// PDF is a small valid-looking PDF padded to about size bytes (at least its skeleton).
func PDF(size int) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n")
	b.WriteString("2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n3 0 obj << /Length 0 >> stream\n")
	pad := size - b.Len() - 64
	line := []byte("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.\n")
	for pad > 0 {
		n := min(pad, len(line))
		b.Write(line[:n])
		pad -= n
	}
	b.WriteString("\nendstream endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	return b.Bytes()
}

// HTMLNamedPDF is a web page, whatever name it is sent under.
func HTMLNamedPDF() []byte {
	return []byte("<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>")
}

// PolyglotPDF starts as a PDF and carries a web page inside.
func PolyglotPDF() []byte {
	p := PDF(2000)
	return bytes.Replace(p, []byte("0123456789"), []byte("<html><script>fetch('/')</script></html>"), 1)
}

// PDFWithTrailer is a PDF with a ZIP archive appended after its end marker.
func PDFWithTrailer() []byte {
	return append(PDF(2000), []byte("PK\x03\x04\x14\x00\x00\x00payload")...)
}

// PNG is a w × h picture with a gradient.
func PNG(w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{uint8(x), uint8(y), 128, 255})
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

// JPEG is a w × h photo-like picture.
func JPEG(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 3), uint8(y * 5), 90, 255})
		}
	}
	var b bytes.Buffer
	_ = jpeg.Encode(&b, img, &jpeg.Options{Quality: 85})
	return b.Bytes()
}

// GPSMarker is text in JPEGWithGPS's EXIF block: the stored copy must not hold it.
const GPSMarker = "AwdaTestCamera"

// JPEGWithGPS is a JPEG whose EXIF block (APP1) gives a camera make and a GPS position
// (34°1'N, 6°50'W, Rabat), with an orientation tag (o, 1–8), as phones write them.
func JPEGWithGPS(w, h int, o uint16) []byte {
	base := JPEG(w, h)
	le := binary.LittleEndian
	var t bytes.Buffer
	t.WriteString("II*\x00")
	binary.Write(&t, le, uint32(8))
	// IFD0: Make (ASCII, at offset), Orientation, GPS IFD pointer.
	const ifd0 = 8
	const n0 = 3
	makeOff := ifd0 + 2 + n0*12 + 4
	makeStr := GPSMarker + "\x00"
	gpsOff := makeOff + len(makeStr)
	binary.Write(&t, le, uint16(n0))
	entry := func(tag, typ uint16, count, value uint32) {
		binary.Write(&t, le, tag)
		binary.Write(&t, le, typ)
		binary.Write(&t, le, count)
		binary.Write(&t, le, value)
	}
	entry(0x010F, 2, uint32(len(makeStr)), uint32(makeOff))
	binary.Write(&t, le, uint16(0x0112))
	binary.Write(&t, le, uint16(3))
	binary.Write(&t, le, uint32(1))
	binary.Write(&t, le, o)
	binary.Write(&t, le, uint16(0))
	entry(0x8825, 4, 1, uint32(gpsOff))
	binary.Write(&t, le, uint32(0))
	t.WriteString(makeStr)
	// GPS IFD: LatitudeRef N, Latitude (3 rationals), LongitudeRef W, Longitude.
	const ng = 4
	latOff := gpsOff + 2 + ng*12 + 4
	lonOff := latOff + 24
	binary.Write(&t, le, uint16(ng))
	entry(0x0001, 2, 2, uint32('N'))
	entry(0x0002, 5, 3, uint32(latOff))
	entry(0x0003, 2, 2, uint32('W'))
	entry(0x0004, 5, 3, uint32(lonOff))
	binary.Write(&t, le, uint32(0))
	for _, v := range []uint32{34, 1, 1, 1, 0, 1, 6, 1, 50, 1, 0, 1} {
		binary.Write(&t, le, v)
	}
	app1 := append([]byte("Exif\x00\x00"), t.Bytes()...)
	seg := []byte{0xFF, 0xE1, byte((len(app1) + 2) >> 8), byte(len(app1) + 2)}
	out := append([]byte{}, base[:2]...)
	out = append(out, seg...)
	out = append(out, app1...)
	return append(out, base[2:]...)
}

// JPEGWithScript is a JPEG whose comment segment holds a web page: a polyglot.
func JPEGWithScript() []byte {
	base := JPEG(16, 16)
	com := []byte("<html><script>alert(1)</script></html>")
	seg := []byte{0xFF, 0xFE, byte((len(com) + 2) >> 8), byte(len(com) + 2)}
	out := append([]byte{}, base[:2]...)
	out = append(out, seg...)
	out = append(out, com...)
	return append(out, base[2:]...)
}

// PNGBomb is a real PNG of w × h one-bit pixels: a small file that decodes into w·h
// bytes (30,000 × 30,000 is 900 MB).
func PNGBomb(w, h int) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.WriteString(typ)
		b.Write(data)
		crc := crc32.NewIEEE()
		crc.Write([]byte(typ))
		crc.Write(data)
		binary.Write(&b, binary.BigEndian, crc.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 1, 0 // bit depth 1, greyscale
	chunk("IHDR", ihdr)
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	row := make([]byte, 1+(w+7)/8)
	for range h {
		zw.Write(row)
	}
	zw.Close()
	chunk("IDAT", z.Bytes())
	chunk("IEND", nil)
	return b.Bytes()
}

// Truncated cuts a file to its first half.
func Truncated(b []byte) []byte { return b[:len(b)/2] }

// Describe names a test file by its first bytes, for failure messages.
func Describe(b []byte) string { return fmt.Sprintf("%d bytes %q", len(b), b[:min(len(b), 8)]) }

// WebP is a 1 × 1 transparent lossless WebP picture.
func WebP() []byte {
	return []byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00")
}
