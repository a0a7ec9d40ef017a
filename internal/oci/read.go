package oci

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
)

// OpenOptions selects an image when a layout holds more than one.
type OpenOptions struct {
	// RefName, when set, selects the index.json entry whose
	// org.opencontainers.image.ref.name (or io.containerd.image.name)
	// annotation equals it.
	RefName string
	// Platform, when set, selects the manifest for that platform in a
	// multi-platform index. Otherwise a single candidate is taken as is
	// and, among several, the one for the running platform is preferred.
	Platform *Platform
}

// Layer is a layer of an image.
type Layer struct {
	// Descriptor from the manifest; Size is the compressed size.
	Descriptor
	// DiffID is the digest of the uncompressed layer from the config.
	DiffID string
	// UncompressedSize is the size of the uncompressed layer tar, or -1
	// until the layer has been read (Image.Layer, Image.ReadLayers,
	// Image.Tree).
	UncompressedSize int64
}

// Image is an image read from an OCI layout directory or tar archive.
type Image struct {
	// Source is the path the image was opened from.
	Source string
	// Index is the top-level index (index.json).
	Index Index
	// ManifestDescriptor is the descriptor of the selected manifest.
	ManifestDescriptor Descriptor
	Manifest           Manifest
	// Config is the parsed image config, ConfigJSON its raw bytes.
	Config     ImageConfig
	ConfigJSON []byte
	Layers     []Layer

	store    blobStore
	contents []*LayerContents
}

// Open reads the image from an OCI layout directory or from a tar archive
// holding one (the output of `buildctl build --output type=oci`).
func Open(p string) (*Image, error) { return OpenWithOptions(p, OpenOptions{}) }

// OpenWithOptions is Open with a choice among several images.
func OpenWithOptions(p string, opts OpenOptions) (*Image, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	var st blobStore
	if fi.IsDir() {
		st = dirStore(p)
	} else {
		st, err = openTarStore(p)
		if err != nil {
			return nil, err
		}
	}
	img, err := load(st, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	img.Source = p
	return img, nil
}

func load(st blobStore, opts OpenOptions) (*Image, error) {
	idxData, err := st.file("index.json")
	if err != nil {
		return nil, fmt.Errorf("reading index.json: %w", err)
	}
	img := &Image{store: st}
	if err := json.Unmarshal(idxData, &img.Index); err != nil {
		return nil, fmt.Errorf("parsing index.json: %w", err)
	}
	cands := img.Index.Manifests
	if opts.RefName != "" {
		var sel []Descriptor
		for _, d := range cands {
			if d.Annotations[AnnotationRefName] == opts.RefName || d.Annotations["io.containerd.image.name"] == opts.RefName {
				sel = append(sel, d)
			}
		}
		if len(sel) == 0 {
			return nil, fmt.Errorf("no image named %q in index.json", opts.RefName)
		}
		cands = sel
	}
	desc, err := selectManifest(st, cands, opts.Platform, 0)
	if err != nil {
		return nil, err
	}
	img.ManifestDescriptor = desc
	manData, err := readBlobVerified(st, desc)
	if err != nil {
		return nil, fmt.Errorf("reading manifest: %w", err)
	}
	if err := json.Unmarshal(manData, &img.Manifest); err != nil {
		return nil, fmt.Errorf("parsing manifest %s: %w", desc.Digest, err)
	}
	img.ConfigJSON, err = readBlobVerified(st, img.Manifest.Config)
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	if err := json.Unmarshal(img.ConfigJSON, &img.Config); err != nil {
		return nil, fmt.Errorf("parsing config %s: %w", img.Manifest.Config.Digest, err)
	}
	if len(img.Config.RootFS.DiffIDs) != len(img.Manifest.Layers) {
		return nil, fmt.Errorf("manifest has %d layers but config lists %d diff_ids", len(img.Manifest.Layers), len(img.Config.RootFS.DiffIDs))
	}
	for i, l := range img.Manifest.Layers {
		img.Layers = append(img.Layers, Layer{Descriptor: l, DiffID: img.Config.RootFS.DiffIDs[i], UncompressedSize: -1})
	}
	img.contents = make([]*LayerContents, len(img.Layers))
	return img, nil
}

func isManifestType(mt string) bool {
	return mt == MediaTypeImageManifest || mt == MediaTypeDockerManifest
}

func isIndexType(mt string) bool {
	return mt == MediaTypeImageIndex || mt == MediaTypeDockerManifestList
}

func isAttestation(d Descriptor) bool {
	if d.Annotations[AnnotationDockerReferenceType] != "" {
		return true
	}
	return d.Platform != nil && d.Platform.OS == "unknown" && d.Platform.Architecture == "unknown"
}

func platformMatches(want *Platform, got *Platform) bool {
	if got == nil {
		return false
	}
	if want.OS != "" && want.OS != got.OS {
		return false
	}
	if want.Architecture != "" && want.Architecture != got.Architecture {
		return false
	}
	return want.Variant == "" || want.Variant == got.Variant
}

// selectManifest picks one image manifest among descriptors, descending
// into nested indexes.
func selectManifest(st blobStore, descs []Descriptor, want *Platform, depth int) (Descriptor, error) {
	if depth > 4 {
		return Descriptor{}, errors.New("indexes nested too deeply")
	}
	var cands []Descriptor
	for _, d := range descs {
		if isAttestation(d) {
			continue
		}
		switch {
		case isManifestType(d.MediaType):
			cands = append(cands, d)
		case isIndexType(d.MediaType):
			data, err := readBlobVerified(st, d)
			if err != nil {
				return Descriptor{}, fmt.Errorf("reading index %s: %w", d.Digest, err)
			}
			var sub Index
			if err := json.Unmarshal(data, &sub); err != nil {
				return Descriptor{}, fmt.Errorf("parsing index %s: %w", d.Digest, err)
			}
			m, err := selectManifest(st, sub.Manifests, want, depth+1)
			if err != nil {
				return Descriptor{}, err
			}
			if m.Platform == nil {
				m.Platform = d.Platform
			}
			cands = append(cands, m)
		}
	}
	if want != nil {
		var sel []Descriptor
		for _, d := range cands {
			if platformMatches(want, d.Platform) {
				sel = append(sel, d)
			}
		}
		if len(sel) == 0 {
			return Descriptor{}, fmt.Errorf("no manifest for platform %s/%s", want.OS, want.Architecture)
		}
		cands = sel
	}
	switch len(cands) {
	case 0:
		return Descriptor{}, errors.New("no image manifest found")
	case 1:
		return cands[0], nil
	}
	host := &Platform{OS: runtime.GOOS, Architecture: runtime.GOARCH}
	for _, d := range cands {
		if platformMatches(host, d.Platform) {
			return d, nil
		}
	}
	return cands[0], nil
}

// Layer returns the entries of layer i, reading the layer on first use.
// It also fills in Layers[i].UncompressedSize.
func (img *Image) Layer(i int) (*LayerContents, error) {
	if i < 0 || i >= len(img.Layers) {
		return nil, fmt.Errorf("layer %d out of range (image has %d)", i, len(img.Layers))
	}
	if img.contents[i] != nil {
		return img.contents[i], nil
	}
	rc, err := img.OpenLayer(i)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	lc, err := ReadLayer(rc)
	if err != nil {
		return nil, fmt.Errorf("layer %d (%s): %w", i, img.Layers[i].Digest, err)
	}
	if d := img.Layers[i].DiffID; d != "" && lc.DiffID != d {
		return nil, fmt.Errorf("layer %d (%s): uncompressed digest %s does not match diff_id %s", i, img.Layers[i].Digest, lc.DiffID, d)
	}
	img.contents[i] = lc
	img.Layers[i].UncompressedSize = lc.TarSize
	return lc, nil
}

// TopLayer returns the entries of the last layer.
func (img *Image) TopLayer() (*LayerContents, error) { return img.Layer(len(img.Layers) - 1) }

// ReadLayers reads every layer (filling in the uncompressed sizes).
func (img *Image) ReadLayers() error {
	for i := range img.Layers {
		if _, err := img.Layer(i); err != nil {
			return err
		}
	}
	return nil
}

// Tree merges all layers into the final file tree.
func (img *Image) Tree() (*Tree, error) {
	t := NewTree()
	for i := range img.Layers {
		lc, err := img.Layer(i)
		if err != nil {
			return nil, err
		}
		if err := t.Apply(lc); err != nil {
			return nil, fmt.Errorf("layer %d: %w", i, err)
		}
	}
	return t, nil
}

// CompressedSize is the sum of the compressed sizes of the layers.
func (img *Image) CompressedSize() int64 {
	var n int64
	for _, l := range img.Layers {
		n += l.Size
	}
	return n
}

// UncompressedSize is the sum of the uncompressed layer sizes; it reads
// the layers that were not read yet.
func (img *Image) UncompressedSize() (int64, error) {
	if err := img.ReadLayers(); err != nil {
		return 0, err
	}
	var n int64
	for _, l := range img.Layers {
		n += l.UncompressedSize
	}
	return n, nil
}

// OpenLayer returns the uncompressed tar stream of layer i. Reading it to
// the end checks the compressed digest.
func (img *Image) OpenLayer(i int) (io.ReadCloser, error) {
	if i < 0 || i >= len(img.Layers) {
		return nil, fmt.Errorf("layer %d out of range (image has %d)", i, len(img.Layers))
	}
	d := img.Layers[i].Descriptor
	rc, err := img.store.blob(d.Digest)
	if err != nil {
		return nil, err
	}
	vr := newVerifyingReader(rc, d)
	br := bufio.NewReaderSize(vr, 1<<16)
	magic, _ := br.Peek(4)
	switch {
	case len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b:
		gz, err := gzip.NewReader(br)
		if err != nil {
			rc.Close()
			return nil, err
		}
		return &layerReader{Reader: gz, closers: []io.Closer{gz, rc}, verify: vr, raw: br}, nil
	case bytes.Equal(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		rc.Close()
		return nil, fmt.Errorf("layer %s is zstd-compressed, which is not supported", d.Digest)
	default:
		return &layerReader{Reader: br, closers: []io.Closer{rc}, verify: vr, raw: br}, nil
	}
}

type layerReader struct {
	io.Reader
	closers []io.Closer
	verify  *verifyingReader
	raw     io.Reader
	checked bool
	err     error // sticky verification error
}

func (l *layerReader) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.Reader.Read(p)
	if err == io.EOF && !l.checked {
		l.checked = true
		// Drain whatever follows the compressed stream so the digest covers
		// the whole blob.
		if _, derr := io.Copy(io.Discard, l.raw); derr != nil {
			l.err = derr
		} else if verr := l.verify.check(); verr != nil {
			l.err = verr
		}
		if l.err != nil {
			// Callers such as io.ReadFull drop an error that comes with
			// enough data, so it is returned again on every later call.
			return n, l.err
		}
	}
	return n, err
}

func (l *layerReader) Close() error {
	var first error
	for _, c := range l.closers {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

type verifyingReader struct {
	r    io.Reader
	h    hash.Hash
	n    int64
	desc Descriptor
}

func newVerifyingReader(r io.Reader, d Descriptor) *verifyingReader {
	return &verifyingReader{r: r, h: sha256.New(), desc: d}
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	n, err := v.r.Read(p)
	v.h.Write(p[:n])
	v.n += int64(n)
	return n, err
}

func (v *verifyingReader) check() error {
	if !strings.HasPrefix(v.desc.Digest, "sha256:") {
		return nil
	}
	if got := "sha256:" + hex.EncodeToString(v.h.Sum(nil)); got != v.desc.Digest {
		return fmt.Errorf("blob digest mismatch: want %s, got %s", v.desc.Digest, got)
	}
	if v.desc.Size > 0 && v.n != v.desc.Size {
		return fmt.Errorf("blob %s: size mismatch: want %d, got %d", v.desc.Digest, v.desc.Size, v.n)
	}
	return nil
}

func readBlobVerified(st blobStore, d Descriptor) ([]byte, error) {
	rc, err := st.blob(d.Digest)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	vr := newVerifyingReader(rc, d)
	data, err := io.ReadAll(vr)
	if err != nil {
		return nil, err
	}
	if err := vr.check(); err != nil {
		return nil, err
	}
	return data, nil
}

// blobStore gives access to the files of a layout.
type blobStore interface {
	// file reads a top-level file such as index.json.
	file(name string) ([]byte, error)
	// blob opens the blob with the given digest.
	blob(digest string) (io.ReadCloser, error)
}

func blobPath(digest string) (string, error) {
	alg, hexsum, ok := strings.Cut(digest, ":")
	if !ok || alg == "" || hexsum == "" || strings.ContainsAny(digest, "/\\") || strings.Contains(hexsum, "..") {
		return "", fmt.Errorf("invalid digest %q", digest)
	}
	return "blobs/" + alg + "/" + hexsum, nil
}

type dirStore string

func (d dirStore) file(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join(string(d), name))
}

func (d dirStore) blob(digest string) (io.ReadCloser, error) {
	p, err := blobPath(digest)
	if err != nil {
		return nil, err
	}
	return os.Open(filepath.Join(string(d), filepath.FromSlash(p)))
}

// tarStore reads a layout stored in a tar archive without unpacking it: it
// remembers where each member's data starts and reads it in place.
type tarStore struct {
	path    string
	members map[string]tarMember
}

type tarMember struct{ off, size int64 }

type offsetReader struct {
	r   io.Reader
	off int64
}

func (o *offsetReader) Read(p []byte) (int, error) {
	n, err := o.r.Read(p)
	o.off += int64(n)
	return n, err
}

func cleanMemberName(name string) string {
	return strings.TrimPrefix(path.Clean("/"+name), "/")
}

func openTarStore(p string) (*tarStore, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	or := &offsetReader{r: f}
	tr := tar.NewReader(or)
	st := &tarStore{path: p, members: map[string]tarMember{}}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		// archive/tar reads headers block by block without buffering, so
		// the data of this member starts at the current offset.
		st.members[cleanMemberName(hdr.Name)] = tarMember{off: or.off, size: hdr.Size}
	}
	if _, ok := st.members["index.json"]; !ok {
		return nil, fmt.Errorf("%s: no index.json: not an OCI layout archive", p)
	}
	return st, nil
}

func (t *tarStore) open(name string) (io.ReadCloser, error) {
	m, ok := t.members[name]
	if !ok {
		return nil, fmt.Errorf("%s: %s: %w", t.path, name, os.ErrNotExist)
	}
	f, err := os.Open(t.path)
	if err != nil {
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{io.NewSectionReader(f, m.off, m.size), f}, nil
}

func (t *tarStore) file(name string) ([]byte, error) {
	rc, err := t.open(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func (t *tarStore) blob(digest string) (io.ReadCloser, error) {
	p, err := blobPath(digest)
	if err != nil {
		return nil, err
	}
	return t.open(p)
}

// UnpackLayout extracts an OCI layout tar archive (index.json, oci-layout
// and blobs/) into dir, which is created if needed. Other members are
// ignored.
func UnpackLayout(tarPath, dir string) error {
	f, err := os.Open(tarPath)
	if err != nil {
		return err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", tarPath, err)
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		name := cleanMemberName(hdr.Name)
		if name != "index.json" && name != "oci-layout" && !strings.HasPrefix(name, "blobs/") {
			continue
		}
		dst := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		tmp, err := os.CreateTemp(filepath.Dir(dst), ".tmp-unpack-")
		if err != nil {
			return err
		}
		_, err = io.Copy(tmp, tr)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Chmod(tmp.Name(), 0o644)
		}
		if err == nil {
			err = os.Rename(tmp.Name(), dst)
		}
		if err != nil {
			os.Remove(tmp.Name())
			return err
		}
	}
}
