package oci

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"
)

// FileType is the kind of a layer entry or tree node.
type FileType string

// File types. Hardlink, Whiteout and Opaque only occur in layer entries;
// a tree turns hard links into regular files and applies whiteouts.
const (
	Regular     FileType = "file"
	Dir         FileType = "dir"
	Symlink     FileType = "symlink"
	Hardlink    FileType = "hardlink"
	CharDevice  FileType = "char"
	BlockDevice FileType = "block"
	FIFO        FileType = "fifo"
	// Whiteout deletes Path (and everything below it) from lower layers.
	Whiteout FileType = "whiteout"
	// Opaque hides everything below the directory Path that lower layers
	// put there.
	Opaque FileType = "opaque"
)

// Whiteout file name markers (OCI image spec, "Whiteouts").
const (
	WhiteoutPrefix = ".wh."
	WhiteoutOpaque = ".wh..wh..opq"
)

// Entry is a file in a layer or in a merged tree.
type Entry struct {
	// Path is absolute and clean ("/etc/passwd"). For Whiteout entries it
	// is the deleted path, for Opaque entries the directory.
	Path string
	Type FileType
	// Mode holds the permission bits plus fs.ModeSetuid, fs.ModeSetgid and
	// fs.ModeSticky; never type bits.
	Mode fs.FileMode
	UID  int
	GID  int
	// Size and Digest ("sha256:<hex>") describe the content of regular
	// files. In a layer, Hardlink entries have neither; in a tree they get
	// the values of their target.
	Size   int64
	Digest string
	// Linkname is the target of a symlink, as written.
	Linkname string
	// HardlinkTo is, for hard links, the absolute path of the link target.
	HardlinkTo string
	// DevMajor and DevMinor are set for device nodes.
	DevMajor int64
	DevMinor int64
	// Xattrs holds the extended attributes recorded in the layer.
	Xattrs map[string]string
	// ModTime is informational: trees are never compared on it.
	ModTime time.Time
}

// String gives a one-line description of the entry, like ls -l.
func (e *Entry) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %d:%d", e.Type, modeString(e.Mode), e.UID, e.GID)
	switch e.Type {
	case Regular:
		fmt.Fprintf(&b, " %d %s", e.Size, shortDigest(e.Digest))
		if e.HardlinkTo != "" {
			fmt.Fprintf(&b, " (hardlink to %s)", e.HardlinkTo)
		}
	case Symlink:
		fmt.Fprintf(&b, " -> %s", e.Linkname)
	case Hardlink:
		fmt.Fprintf(&b, " => %s", e.HardlinkTo)
	case CharDevice, BlockDevice:
		fmt.Fprintf(&b, " %d,%d", e.DevMajor, e.DevMinor)
	}
	return b.String()
}

func modeString(m fs.FileMode) string {
	s := fmt.Sprintf("%04o", uint32(m.Perm()))
	var extra uint32
	if m&fs.ModeSetuid != 0 {
		extra |= 4
	}
	if m&fs.ModeSetgid != 0 {
		extra |= 2
	}
	if m&fs.ModeSticky != 0 {
		extra |= 1
	}
	if extra != 0 {
		s = fmt.Sprintf("%d%03o", extra, uint32(m.Perm()))
	}
	return s
}

func shortDigest(d string) string {
	d = strings.TrimPrefix(d, "sha256:")
	if len(d) > 12 {
		d = d[:12]
	}
	return d
}

// LayerContents lists what one layer holds.
type LayerContents struct {
	// Entries in archive order.
	Entries []Entry
	// TarSize is the size of the uncompressed tar stream.
	TarSize int64
	// DiffID is the digest of the uncompressed tar stream.
	DiffID string
}

// ContentSize is the sum of the sizes of the regular files in the layer.
func (lc *LayerContents) ContentSize() int64 { return lc.SizeUnder("/") }

// SizeUnder is the sum of the sizes of the regular files at or below dir
// in the layer.
func (lc *LayerContents) SizeUnder(dir string) int64 {
	var n int64
	for _, e := range lc.Entries {
		if e.Type == Regular && under(e.Path, dir) {
			n += e.Size
		}
	}
	return n
}

// PathsUnder lists the paths of entries at or below dir, whiteouts
// included, in sorted order.
func (lc *LayerContents) PathsUnder(dir string) []string {
	var out []string
	for _, e := range lc.Entries {
		if under(e.Path, dir) {
			out = append(out, e.Path)
		}
	}
	sort.Strings(out)
	return out
}

// Find returns the last entry for p in the layer.
func (lc *LayerContents) Find(p string) (*Entry, bool) {
	p = CleanPath(p)
	for i := len(lc.Entries) - 1; i >= 0; i-- {
		if lc.Entries[i].Path == p {
			return &lc.Entries[i], true
		}
	}
	return nil, false
}

// under reports whether p is dir or below it. Both must be clean.
func under(p, dir string) bool {
	dir = CleanPath(dir)
	if dir == "/" {
		return true
	}
	return p == dir || strings.HasPrefix(p, dir+"/")
}

// CleanPath makes a layer member name or user-given path absolute and
// clean: "./etc/" and "etc" both become "/etc".
func CleanPath(p string) string {
	return path.Clean("/" + p)
}

type countReader struct {
	r io.Reader
	n int64
	h interface{ Write([]byte) (int, error) }
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	c.h.Write(p[:n])
	return n, err
}

// ReadLayer reads an uncompressed layer tar stream to the end and lists its
// entries, hashing the content of regular files.
func ReadLayer(r io.Reader) (*LayerContents, error) {
	h := sha256.New()
	cr := &countReader{r: r, h: h}
	tr := tar.NewReader(cr)
	lc := &LayerContents{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		e, ok, err := entryFromHeader(hdr)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if e.Type == Regular {
			fh := sha256.New()
			n, err := io.Copy(fh, tr)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", e.Path, err)
			}
			e.Size = n
			e.Digest = "sha256:" + hex.EncodeToString(fh.Sum(nil))
		}
		lc.Entries = append(lc.Entries, e)
	}
	// The tar reader stops at the end-of-archive marker; the stream may
	// hold more padding, which counts in the layer size and digest.
	if _, err := io.Copy(io.Discard, cr); err != nil {
		return nil, err
	}
	lc.TarSize = cr.n
	lc.DiffID = "sha256:" + hex.EncodeToString(h.Sum(nil))
	return lc, nil
}

func entryFromHeader(hdr *tar.Header) (Entry, bool, error) {
	p := CleanPath(hdr.Name)
	if p == "/" {
		return Entry{}, false, nil
	}
	dir, base := path.Split(p)
	dir = CleanPath(dir)
	if strings.HasPrefix(base, WhiteoutPrefix) {
		switch {
		case base == WhiteoutOpaque:
			return Entry{Path: dir, Type: Opaque}, true, nil
		case strings.HasPrefix(base, WhiteoutPrefix+WhiteoutPrefix):
			// Other .wh..wh. names are AUFS bookkeeping, not files.
			return Entry{}, false, nil
		default:
			return Entry{Path: path.Join(dir, strings.TrimPrefix(base, WhiteoutPrefix)), Type: Whiteout}, true, nil
		}
	}
	e := Entry{
		Path:    p,
		Mode:    tarMode(hdr.Mode),
		UID:     hdr.Uid,
		GID:     hdr.Gid,
		ModTime: hdr.ModTime,
	}
	for k, v := range hdr.PAXRecords {
		if name, ok := strings.CutPrefix(k, "SCHILY.xattr."); ok {
			if e.Xattrs == nil {
				e.Xattrs = map[string]string{}
			}
			e.Xattrs[name] = v
		}
	}
	switch hdr.Typeflag {
	case tar.TypeReg, tar.TypeRegA, tar.TypeGNUSparse:
		e.Type = Regular
	case tar.TypeDir:
		e.Type = Dir
	case tar.TypeSymlink:
		e.Type = Symlink
		e.Linkname = hdr.Linkname
	case tar.TypeLink:
		e.Type = Hardlink
		e.HardlinkTo = CleanPath(hdr.Linkname)
	case tar.TypeChar:
		e.Type = CharDevice
		e.DevMajor, e.DevMinor = hdr.Devmajor, hdr.Devminor
	case tar.TypeBlock:
		e.Type = BlockDevice
		e.DevMajor, e.DevMinor = hdr.Devmajor, hdr.Devminor
	case tar.TypeFifo:
		e.Type = FIFO
	case tar.TypeXGlobalHeader:
		return Entry{}, false, nil
	default:
		return Entry{}, false, fmt.Errorf("%s: unsupported tar entry type %q", p, hdr.Typeflag)
	}
	return e, true, nil
}

func tarMode(m int64) fs.FileMode {
	mode := fs.FileMode(m & 0o777)
	if m&0o4000 != 0 {
		mode |= fs.ModeSetuid
	}
	if m&0o2000 != 0 {
		mode |= fs.ModeSetgid
	}
	if m&0o1000 != 0 {
		mode |= fs.ModeSticky
	}
	return mode
}
