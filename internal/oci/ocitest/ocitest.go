// Package ocitest writes small synthetic OCI images for tests: layers made
// of a few files, packed the way `buildctl build --output type=oci` packs
// an image (an OCI layout inside a tar archive).
package ocitest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/dfopt/dfopt/internal/oci"
)

// File is one member of a layer.
type File struct {
	Path     string
	Type     byte // tar type flag
	Mode     int64
	UID, GID int
	Content  string
	Link     string
}

// Reg is a 0644 regular file.
func Reg(p, content string) File {
	return File{Path: p, Type: tar.TypeReg, Mode: 0o644, Content: content}
}

// Dir is a 0755 directory.
func Dir(p string) File { return File{Path: p, Type: tar.TypeDir, Mode: 0o755} }

// Symlink is a symbolic link.
func Symlink(p, target string) File {
	return File{Path: p, Type: tar.TypeSymlink, Mode: 0o777, Link: target}
}

// Whiteout deletes p from the layers below.
func Whiteout(p string) File {
	return File{Path: path.Join(path.Dir(p), oci.WhiteoutPrefix+path.Base(p)), Type: tar.TypeReg, Mode: 0o644}
}

// Layer is the files of one layer, in archive order.
type Layer []File

// Image is a synthetic image.
type Image struct {
	Config oci.Config
	// Author is the configuration's author field (MAINTAINER).
	Author string
	Layers []Layer
	// ModTime is written for every member (zero: 2020-01-01), so that the
	// same layer gives the same digest.
	ModTime time.Time
}

// TarLayer returns the uncompressed tar stream of a layer.
func TarLayer(l Layer, mtime time.Time) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range l {
		hdr := &tar.Header{
			Name: strings.TrimPrefix(f.Path, "/"), Typeflag: f.Type, Mode: f.Mode,
			Uid: f.UID, Gid: f.GID, Linkname: f.Link, ModTime: mtime,
		}
		if f.Type == tar.TypeReg {
			hdr.Size = int64(len(f.Content))
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write([]byte(f.Content)); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func digest(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Write writes img as an OCI layout tar archive at dest and returns the
// manifest digest.
func Write(dest string, img Image) (string, error) {
	mtime := img.ModTime
	if mtime.IsZero() {
		mtime = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	blobs := map[string][]byte{}
	put := func(mt string, data []byte) oci.Descriptor {
		d := digest(data)
		blobs[d] = data
		return oci.Descriptor{MediaType: mt, Digest: d, Size: int64(len(data))}
	}
	var layers []oci.Descriptor
	var diffIDs []string
	for _, l := range img.Layers {
		raw, err := TarLayer(l, mtime)
		if err != nil {
			return "", err
		}
		diffIDs = append(diffIDs, digest(raw))
		var zbuf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&zbuf, gzip.BestSpeed)
		zw.Write(raw)
		if err := zw.Close(); err != nil {
			return "", err
		}
		layers = append(layers, put(oci.MediaTypeLayerGzip, zbuf.Bytes()))
	}
	cfg, err := json.Marshal(oci.ImageConfig{Architecture: "amd64", OS: "linux", Config: img.Config, Author: img.Author,
		RootFS: oci.RootFS{Type: "layers", DiffIDs: diffIDs}})
	if err != nil {
		return "", err
	}
	man, err := json.Marshal(oci.Manifest{SchemaVersion: 2, MediaType: oci.MediaTypeImageManifest,
		Config: put(oci.MediaTypeImageConfig, cfg), Layers: layers})
	if err != nil {
		return "", err
	}
	md := put(oci.MediaTypeImageManifest, man)
	index, err := json.Marshal(oci.Index{SchemaVersion: 2, MediaType: oci.MediaTypeImageIndex, Manifests: []oci.Descriptor{md}})
	if err != nil {
		return "", err
	}

	var out bytes.Buffer
	tw := tar.NewWriter(&out)
	add := func(name string, data []byte) error {
		if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(data)), ModTime: mtime}); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	if err := add("oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`)); err != nil {
		return "", err
	}
	if err := add("index.json", index); err != nil {
		return "", err
	}
	names := make([]string, 0, len(blobs))
	for d := range blobs {
		names = append(names, d)
	}
	sort.Strings(names)
	for _, d := range names {
		if err := add("blobs/sha256/"+strings.TrimPrefix(d, "sha256:"), blobs[d]); err != nil {
			return "", err
		}
	}
	if err := tw.Close(); err != nil {
		return "", err
	}
	return md.Digest, os.WriteFile(dest, out.Bytes(), 0o644)
}
