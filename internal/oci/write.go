package oci

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// WriteOptions configures WriteLayout.
type WriteOptions struct {
	// Architecture and OS of the image; default to the running platform.
	Architecture string
	OS           string
	// Env, Cmd, Entrypoint, WorkingDir and User end up in the image config.
	Env        []string
	Cmd        []string
	Entrypoint []string
	WorkingDir string
	User       string
	Labels     map[string]string
	// RefName, when set, is recorded as the org.opencontainers.image.ref.name
	// annotation of the manifest in index.json.
	RefName string
	// ModTime is the modification time written for every entry of the
	// layer and the creation time of the image. Zero means the Unix epoch.
	// A fixed time makes the layer reproducible.
	ModTime time.Time
	// CreatedBy is written in the history entry of the layer.
	CreatedBy string
	// EmptyDirs lists directories (relative to the root filesystem, like
	// "dev" or "proc") that are kept but whose contents are left out.
	EmptyDirs []string
	// Exclude, when set, is called for every path (relative, slash
	// separated, without a leading slash); returning true leaves the path
	// (and, for a directory, everything below it) out of the layer.
	Exclude func(rel string) bool
	// CompressionLevel is the gzip level; 0 means gzip.DefaultCompression.
	CompressionLevel int
}

// WriteResult describes what WriteLayout wrote.
type WriteResult struct {
	// Manifest is the descriptor of the manifest as listed in index.json;
	// its Digest is what `oci-layout://NAME@DIGEST` references need.
	Manifest Descriptor
	Config   Descriptor
	Layer    Descriptor
	// DiffID is the digest of the uncompressed layer.
	DiffID string
	// UncompressedSize is the size of the uncompressed layer tar.
	UncompressedSize int64
	// Entries is the number of entries in the layer.
	Entries int
}

// WriteLayout writes an OCI image layout into layoutDir whose only layer
// holds the contents of rootfs. Entries are written in lexical order with
// fixed modification times so that the same tree always gives the same
// digests. Ownership, permission bits (including setuid/setgid/sticky),
// symlinks, hard links, device nodes and FIFOs are preserved; sockets and
// extended attributes are not. index.json is replaced; blobs already in
// the layout are kept.
func WriteLayout(rootfs, layoutDir string, opts WriteOptions) (*WriteResult, error) {
	if opts.Architecture == "" {
		opts.Architecture = runtime.GOARCH
	}
	if opts.OS == "" {
		opts.OS = runtime.GOOS
	}
	if opts.ModTime.IsZero() {
		opts.ModTime = time.Unix(0, 0)
	}
	opts.ModTime = opts.ModTime.UTC()
	fi, err := os.Stat(rootfs)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", rootfs)
	}
	blobDir := filepath.Join(layoutDir, "blobs", "sha256")
	if err := os.MkdirAll(blobDir, 0o755); err != nil {
		return nil, err
	}

	res := &WriteResult{}
	layer, diffID, usize, n, err := writeLayerBlob(rootfs, blobDir, opts)
	if err != nil {
		return nil, err
	}
	res.Layer, res.DiffID, res.UncompressedSize, res.Entries = layer, diffID, usize, n

	created := opts.ModTime
	cfg := ImageConfig{
		Created:      &created,
		Architecture: opts.Architecture,
		OS:           opts.OS,
		Config: Config{
			User:       opts.User,
			Env:        opts.Env,
			Entrypoint: opts.Entrypoint,
			Cmd:        opts.Cmd,
			WorkingDir: opts.WorkingDir,
			Labels:     opts.Labels,
		},
		RootFS:  RootFS{Type: "layers", DiffIDs: []string{diffID}},
		History: []History{{Created: &created, CreatedBy: opts.CreatedBy}},
	}
	cfgData, err := marshalJSON(cfg)
	if err != nil {
		return nil, err
	}
	res.Config, err = writeBlob(blobDir, MediaTypeImageConfig, cfgData)
	if err != nil {
		return nil, err
	}

	man := Manifest{
		SchemaVersion: 2,
		MediaType:     MediaTypeImageManifest,
		Config:        res.Config,
		Layers:        []Descriptor{layer},
	}
	manData, err := marshalJSON(man)
	if err != nil {
		return nil, err
	}
	res.Manifest, err = writeBlob(blobDir, MediaTypeImageManifest, manData)
	if err != nil {
		return nil, err
	}
	res.Manifest.Platform = &Platform{Architecture: opts.Architecture, OS: opts.OS}
	if opts.RefName != "" {
		res.Manifest.Annotations = map[string]string{AnnotationRefName: opts.RefName}
	}

	idx := Index{SchemaVersion: 2, MediaType: MediaTypeImageIndex, Manifests: []Descriptor{res.Manifest}}
	idxData, err := marshalJSON(idx)
	if err != nil {
		return nil, err
	}
	if err := writeFileAtomic(filepath.Join(layoutDir, "oci-layout"), []byte(`{"imageLayoutVersion":"`+LayoutVersion+`"}`)); err != nil {
		return nil, err
	}
	if err := writeFileAtomic(filepath.Join(layoutDir, "index.json"), idxData); err != nil {
		return nil, err
	}
	return res, nil
}

func writeBlob(blobDir, mediaType string, data []byte) (Descriptor, error) {
	sum := sha256.Sum256(data)
	hexsum := hex.EncodeToString(sum[:])
	if err := writeFileAtomic(filepath.Join(blobDir, hexsum), data); err != nil {
		return Descriptor{}, err
	}
	return Descriptor{MediaType: mediaType, Digest: "sha256:" + hexsum, Size: int64(len(data))}, nil
}

func writeFileAtomic(name string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), ".tmp-"+filepath.Base(name)+"-")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), name)
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func writeLayerBlob(rootfs, blobDir string, opts WriteOptions) (desc Descriptor, diffID string, usize int64, entries int, err error) {
	tmp, err := os.CreateTemp(blobDir, ".tmp-layer-")
	if err != nil {
		return desc, "", 0, 0, err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()

	compHash := sha256.New()
	compCount := &countingWriter{w: io.MultiWriter(tmp, compHash)}
	level := opts.CompressionLevel
	if level == 0 {
		level = gzip.DefaultCompression
	}
	gz, err := gzip.NewWriterLevel(compCount, level)
	if err != nil {
		return desc, "", 0, 0, err
	}
	uncompHash := sha256.New()
	uncompCount := &countingWriter{w: io.MultiWriter(gz, uncompHash)}
	tw := tar.NewWriter(uncompCount)

	entries, err = writeTree(tw, rootfs, opts)
	if err != nil {
		return desc, "", 0, 0, err
	}
	if err = tw.Close(); err != nil {
		return desc, "", 0, 0, err
	}
	if err = gz.Close(); err != nil {
		return desc, "", 0, 0, err
	}
	if err = tmp.Close(); err != nil {
		return desc, "", 0, 0, err
	}
	hexsum := hexOf(compHash)
	if err = os.Chmod(tmp.Name(), 0o644); err != nil {
		return desc, "", 0, 0, err
	}
	if err = os.Rename(tmp.Name(), filepath.Join(blobDir, hexsum)); err != nil {
		return desc, "", 0, 0, err
	}
	desc = Descriptor{MediaType: MediaTypeLayerGzip, Digest: "sha256:" + hexsum, Size: compCount.n}
	return desc, "sha256:" + hexOf(uncompHash), uncompCount.n, entries, nil
}

func hexOf(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

type inodeKey struct{ dev, ino uint64 }

func writeTree(tw *tar.Writer, rootfs string, opts WriteOptions) (int, error) {
	emptyDirs := map[string]bool{}
	for _, d := range opts.EmptyDirs {
		emptyDirs[strings.Trim(path.Clean("/"+filepath.ToSlash(d)), "/")] = true
	}
	links := map[inodeKey]string{}
	n := 0
	// WalkDir visits the entries of each directory in lexical order, which
	// is what makes the layer reproducible.
	err := filepath.WalkDir(rootfs, func(p string, d fs.DirEntry, walkErr error) error {
		if walkErr != nil {
			return walkErr
		}
		rel, err := filepath.Rel(rootfs, p)
		if err != nil {
			return err
		}
		if rel == "." {
			return nil
		}
		rel = filepath.ToSlash(rel)
		if opts.Exclude != nil && opts.Exclude(rel) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if emptyDirs[path.Dir(rel)] {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		st := statOf(fi)
		hdr := &tar.Header{
			Name:    rel,
			Mode:    int64(fi.Mode().Perm()),
			Uid:     st.uid,
			Gid:     st.gid,
			ModTime: opts.ModTime,
		}
		if fi.Mode()&fs.ModeSetuid != 0 {
			hdr.Mode |= 0o4000
		}
		if fi.Mode()&fs.ModeSetgid != 0 {
			hdr.Mode |= 0o2000
		}
		if fi.Mode()&fs.ModeSticky != 0 {
			hdr.Mode |= 0o1000
		}
		var content string
		switch m := fi.Mode(); {
		case m.IsDir():
			hdr.Typeflag = tar.TypeDir
			hdr.Name += "/"
		case m.IsRegular():
			if st.nlink > 1 {
				key := inodeKey{st.dev, st.ino}
				if first, ok := links[key]; ok {
					hdr.Typeflag = tar.TypeLink
					hdr.Linkname = first
					break
				}
				links[key] = rel
			}
			hdr.Typeflag = tar.TypeReg
			hdr.Size = fi.Size()
			content = p
		case m&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			hdr.Typeflag = tar.TypeSymlink
			hdr.Linkname = target
		case m&fs.ModeNamedPipe != 0:
			hdr.Typeflag = tar.TypeFifo
		case m&fs.ModeDevice != 0:
			hdr.Typeflag = tar.TypeBlock
			if m&fs.ModeCharDevice != 0 {
				hdr.Typeflag = tar.TypeChar
			}
			hdr.Devmajor, hdr.Devminor = st.major, st.minor
		default:
			// Sockets and other special files cannot be represented.
			return nil
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		if content != "" {
			f, err := os.Open(content)
			if err != nil {
				return err
			}
			written, err := io.Copy(tw, f)
			f.Close()
			if err != nil {
				return fmt.Errorf("%s: %w", rel, err)
			}
			if written != hdr.Size {
				return fmt.Errorf("%s: size changed while reading", rel)
			}
		}
		n++
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
