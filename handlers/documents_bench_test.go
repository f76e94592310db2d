package handlers

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"awda/models"
	"awda/models/dbtest"
	"awda/views"
)

// pdfStream writes a PDF of about size bytes to w without holding it: the client side
// of the measurement must not be what fills the heap.
func pdfStream(w io.Writer, size int) error {
	if _, err := io.WriteString(w, "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n3 0 obj << >> stream\n"); err != nil {
		return err
	}
	line := bytes.Repeat([]byte("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.\n"), 512) // 32 KiB
	for left := size - 200; left > 0; left -= len(line) {
		if _, err := w.Write(line[:min(left, len(line))]); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, "\nendstream endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	return err
}

// streamUpload posts a generated PDF through the upload form, streamed.
func (c *client) streamUpload(caseID uint, size int) *http.Response {
	c.t.Helper()
	pr, pw := io.Pipe()
	w := multipart.NewWriter(pw)
	go func() {
		_ = w.WriteField("_csrf", c.csrf)
		_ = w.WriteField("category", "receipt")
		fw, _ := w.CreateFormFile("file", "big.pdf")
		err := pdfStream(fw, size)
		if err == nil {
			err = w.Close()
		}
		pw.CloseWithError(err)
	}()
	req, _ := http.NewRequest(http.MethodPost, c.app.http.URL+views.DocumentsPath(caseID), pr)
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// heapPeak samples the heap every half millisecond while fn runs and returns the
// highest live heap (what the last collection found reachable) and the highest heap
// including garbage not yet collected. The caller keeps the collector eager (GOGC=5),
// so a collection ends every few hundred kilobytes and the live figure follows the
// transfer closely; the other one also counts the collector's lag, which depends on
// how busy the machine's CPUs are.
func heapPeak(fn func()) (live, all uint64) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/memory/classes/heap/objects:bytes"}}
	var peakLive, peakAll atomic.Uint64
	read := func() {
		metrics.Read(sample)
		if v := sample[0].Value.Uint64(); v > peakLive.Load() {
			peakLive.Store(v)
		}
		if v := sample[1].Value.Uint64(); v > peakAll.Load() {
			peakAll.Store(v)
		}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(500 * time.Microsecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				read()
			}
		}
	})
	fn()
	close(stop)
	wg.Wait()
	read()
	return peakLive.Load(), peakAll.Load()
}

// heapNow is the live heap after a full collection.
func heapNow() uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	return sample[0].Value.Uint64()
}

// TestDocumentTransferKeepsTheHeapFlat uploads and downloads a 10 MB document through
// the real portal (client and server in this process) and measures how far the heap
// rises above what it held before: under 2 MB each way, because the file goes through
// in 256 KB chunks and is never held whole.
func TestDocumentTransferKeepsTheHeapFlat(t *testing.T) {
	if testing.Short() || raceDetector {
		t.Skip("moves 20 MB, and measures the heap (meaningless under the race detector)")
	}
	app := newTestApp(t)
	cw, u := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	cs := app.insertCase("RAB", u, models.StatusRegistered, true)
	cw.get(views.CasePath(cs.ID))
	const size = 10 << 20
	// Warm up every pool and cache on a small file first.
	if resp := cw.streamUpload(cs.ID, 1<<20); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("warm-up upload: %d", resp.StatusCode)
	}
	warm := app.onlyDocument()
	cw.fetch(views.DocumentPath(cs.ID, warm.ID))
	defer debug.SetGCPercent(debug.SetGCPercent(5))

	base := heapNow()
	var resp *http.Response
	up, upAll := heapPeak(func() { resp = cw.streamUpload(cs.ID, size) })
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: %d", resp.StatusCode)
	}
	d := app.onlyDocument()
	if d.Size < size-256 || d.Chunks != int((d.Size+models.DocumentChunkSize-1)/models.DocumentChunkSize) {
		t.Fatalf("stored %d bytes in %d chunks", d.Size, d.Chunks)
	}
	base2 := heapNow()
	var got int64
	down, downAll := heapPeak(func() {
		req, _ := http.NewRequest(http.MethodGet, app.http.URL+views.DocumentPath(cs.ID, d.ID), nil)
		r, err := cw.http.Do(req)
		if err != nil {
			t.Error(err)
			return
		}
		got, _ = io.Copy(io.Discard, r.Body)
		r.Body.Close()
	})
	if got != d.Size {
		t.Fatalf("downloaded %d of %d bytes", got, d.Size)
	}
	mb := func(peak, base uint64) float64 { return float64(int64(peak)-int64(base)) / (1 << 20) }
	t.Logf("%s: 10 MB upload: live heap +%.2f MB over %.1f MB (with uncollected garbage +%.2f MB); "+
		"download: live heap +%.2f MB over %.1f MB (with garbage +%.2f MB)", dbtest.Backend(),
		mb(up, base), float64(base)/(1<<20), mb(upAll, base), mb(down, base2), float64(base2)/(1<<20), mb(downAll, base2))
	if mb(up, base) >= 2 || mb(down, base2) >= 2 {
		t.Fatalf("live heap growth: upload %.2f MB, download %.2f MB, want under 2 MB each", mb(up, base), mb(down, base2))
	}
}
