package services

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/myapihq/myapihq-mcp/internal/fsx"
	"github.com/myapihq/myapihq-mcp/internal/textsafe"
)

const (
	// MaxDocs is the most of an llms.txt kept.
	MaxDocs = 1 << 20
	// DocsTTL: cached docs are used as they are for this long, then
	// revalidated (ETag / Last-Modified).
	DocsTTL = 24 * time.Hour
)

// Doc is a service's llms.txt as cached.
type Doc struct {
	URL          string    `json:"url"`
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	FetchedAt    time.Time `json:"fetched_at"` // last fetched or revalidated
	Cut          bool      `json:"cut,omitempty"`
	BaseURL      string    `json:"base_url,omitempty"` // accepted from the text
	Text         string    `json:"-"`
	// How this answer was had: "cache", "revalidated", "fetched" or
	// "stale" (the service could not be reached; the old copy is served).
	Source string `json:"-"`
}

type docsCache struct {
	dir   string
	door  *Door
	mu    sync.Mutex      // mem
	hosts sync.Map        // host -> *sync.Mutex: one fetch per host at a time
	mem   map[string]*Doc // when there is no cache folder
}

// file names the cache entry of a docs URL: the host for people, a hash
// of the whole URL (an override, port included, is its own entry: a Base
// URL stated by a stub on one port must not outlive it).
func (c *docsCache) file(host, docsURL string) string {
	sum := sha256.Sum256([]byte(docsURL))
	return filepath.Join(c.dir, host+"-"+hex.EncodeToString(sum[:6]))
}

func (c *docsCache) cached(host, docsURL string) (*Doc, bool) { return c.load(host, docsURL) }

func (c *docsCache) load(host, docsURL string) (*Doc, bool) {
	if c.dir == "" || !c.dirSafe() {
		c.mu.Lock()
		defer c.mu.Unlock()
		d, ok := c.mem[docsURL]
		if !ok {
			return nil, false
		}
		cp := *d
		return &cp, true
	}
	f := c.file(host, docsURL)
	meta, err := readRegular(f+".json", 64<<10)
	if err != nil {
		return nil, false
	}
	text, err := readRegular(f+".txt", MaxDocs)
	if err != nil {
		return nil, false
	}
	d := &Doc{}
	if json.Unmarshal(meta, d) != nil || d.URL != docsURL {
		return nil, false
	}
	// The file is no authority on where the key goes: its Base URL passes
	// the same check as one read from the docs.
	if d.BaseURL != "" {
		d.BaseURL = c.door.baseFromDocs(host, d.BaseURL)
	}
	d.Text = string(text)
	return d, true
}

// dirSafe: the cache folder is a real folder only its owner can write (a
// planted symlink, FIFO or Base URL needs write access to it). A folder
// left open by someone else's umask is closed when it is ours; otherwise
// the cache stays in memory.
func (c *docsCache) dirSafe() bool {
	fi, err := os.Lstat(c.dir)
	if err != nil || !fi.IsDir() {
		return false
	}
	if fi.Mode().Perm()&0o022 != 0 && (runtime.GOOS == "windows" || os.Chmod(c.dir, 0o700) != nil) {
		c.door.opts.Log.Warn().Str("dir", c.dir).Msg("docs cache folder is writable by others: not used")
		return false
	}
	return true
}

// readRegular reads a regular file (not a symlink, FIFO or device) of at
// most max bytes.
func readRegular(path string, max int64) ([]byte, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() || fi.Size() > max {
		return nil, fmt.Errorf("%s: not a regular file of at most %d bytes", path, max)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, max+1))
}

func (c *docsCache) save(host string, d *Doc) error {
	if c.dir != "" && os.MkdirAll(c.dir, 0o700) != nil {
		// A read-only home (a container's root filesystem): kept in memory,
		// where load looks too (dirSafe fails on the missing folder).
		c.door.opts.Log.Debug().Str("dir", c.dir).Msg("docs cache folder cannot be made: cached in memory")
	}
	if c.dir == "" || !c.dirSafe() { // in memory, like load
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.mem == nil {
			c.mem = map[string]*Doc{}
		}
		cp := *d
		c.mem[d.URL] = &cp
		return nil
	}
	f := c.file(host, d.URL)
	meta, _ := json.Marshal(d)
	if err := fsx.WriteFileAtomic(f+".txt", []byte(d.Text), 0o600); err != nil {
		return err
	}
	return fsx.WriteFileAtomic(f+".json", meta, 0o600)
}

// Docs returns the service's llms.txt: from the cache while fresh,
// revalidated after DocsTTL, fetched when absent.
func (d *Door) Docs(ctx context.Context, host string) (*Doc, error) {
	s, ok := Lookup(host)
	if !ok {
		return nil, unknown(host)
	}
	c := d.docs
	// One fetch per host at a time: a slow host holds up only its own docs.
	l, _ := c.hosts.LoadOrStore(s.Host, &sync.Mutex{})
	l.(*sync.Mutex).Lock()
	defer l.(*sync.Mutex).Unlock()
	docsURL := d.DocsURL(s.Host)
	old, have := c.load(s.Host, docsURL)
	now := d.opts.Now()
	if have && now.Sub(old.FetchedAt) < DocsTTL {
		old.Source = "cache"
		return old, nil
	}
	doc, err := d.fetchDocs(ctx, s.Host, docsURL, old)
	if err != nil {
		if have {
			old.Source = "stale"
			return old, nil
		}
		// the error can quote the service (a redirect's host, a status
		// line): masked like its docs
		var rule *RuleError
		if errors.As(err, &rule) {
			return nil, &RuleError{d.MaskText(ctx, rule.Msg)}
		}
		return nil, errors.New(d.MaskText(ctx, err.Error()))
	}
	doc.FetchedAt = now
	if err := c.save(s.Host, doc); err != nil {
		d.opts.Log.Warn().Err(err).Str("service", s.Host).Msg("docs cache not written")
	}
	return doc, nil
}

// Compiled on first use, not at every start.
var baseLine = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?im)^[\s>*_#-]*base url[\s*_]*:[\s*_` + "`" + `]*<?(https?://[^\s>)\]` + "`" + `]+)`)
})

func (d *Door) fetchDocs(ctx context.Context, host, docsURL string, old *Doc) (*Doc, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, docsURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/plain, text/markdown;q=0.9, */*;q=0.1")
	if old != nil {
		if old.ETag != "" {
			req.Header.Set("If-None-Match", old.ETag)
		}
		if old.LastModified != "" {
			req.Header.Set("If-Modified-Since", old.LastModified)
		}
	}
	// No key on docs: they are public, and the key goes only where calls go.
	resp, err := d.send(req, host, false)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified && old != nil {
		old.Source = "revalidated"
		return old, nil
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetching %s: %s", docsURL, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxDocs+1))
	if err != nil {
		return nil, fmt.Errorf("fetching %s: %w", docsURL, err)
	}
	doc := &Doc{URL: docsURL, ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified"), Source: "fetched"}
	if len(b) > MaxDocs {
		b, doc.Cut = b[:MaxDocs], true
	}
	doc.Text = strings.ToValidUTF8(string(b), "\uFFFD")
	if doc.Cut {
		doc.Text = strings.TrimSuffix(doc.Text, "\uFFFD")
	}
	if m := baseLine().FindStringSubmatch(doc.Text); m != nil {
		doc.BaseURL = d.baseFromDocs(host, m[1])
	}
	return doc, nil
}

// Page is part of a doc.
type Page struct {
	Text       string
	Offset     int
	NextOffset int // 0 when this is the end
	Total      int
}

// Slice cuts a page of at most max bytes from offset, ending on a rune
// boundary (and on a line end when one is near, so pages read well).
func Slice(text string, offset, max int) (Page, error) {
	if offset < 0 || offset > len(text) {
		return Page{}, refuse("offset %d is past the end (%d bytes)", offset, len(text))
	}
	for offset < len(text) && offset > 0 && !isRuneStart(text[offset]) {
		offset++
	}
	end := min(offset+max, len(text))
	if end < len(text) {
		for end > offset && !isRuneStart(text[end]) {
			end--
		}
		if nl := strings.LastIndexByte(text[offset:end], '\n'); nl > (end-offset)/2 {
			end = offset + nl + 1
		}
	}
	p := Page{Text: text[offset:end], Offset: offset, Total: len(text)}
	if end < len(text) {
		p.NextOffset = end
	}
	return p, nil
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

func unknown(host string) error {
	return refuse("unknown service %s: use one of %s (list_services)", textsafe.QuoteN(host, 60), strings.Join(Hosts(), ", "))
}

var errRedirect = errors.New("redirect refused")
