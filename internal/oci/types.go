// Package oci reads and writes OCI image layouts and computes the file tree
// an image produces.
//
// It understands just enough of the OCI image specification (and of the
// Docker media types that are still seen in the wild) to:
//
//   - turn a root filesystem directory into a single-layer OCI image layout
//     (WriteLayout);
//   - open an image from an OCI layout directory or from an OCI tar archive as
//     written by `buildctl build --output type=oci,dest=x.tar` (Open);
//   - list the entries of each layer and merge all layers into the final file
//     tree, honoring whiteouts and opaque directories (Image.Layer,
//     Image.Tree);
//   - compare two trees while ignoring paths a caller chooses (Diff).
//
// The package has no dependency outside the standard library.
package oci

import (
	"encoding/json"
	"time"
)

// Media types used in manifests and indexes.
const (
	MediaTypeImageIndex    = "application/vnd.oci.image.index.v1+json"
	MediaTypeImageManifest = "application/vnd.oci.image.manifest.v1+json"
	MediaTypeImageConfig   = "application/vnd.oci.image.config.v1+json"
	MediaTypeLayer         = "application/vnd.oci.image.layer.v1.tar"
	MediaTypeLayerGzip     = "application/vnd.oci.image.layer.v1.tar+gzip"
	MediaTypeLayerZstd     = "application/vnd.oci.image.layer.v1.tar+zstd"

	MediaTypeDockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
	MediaTypeDockerManifest     = "application/vnd.docker.distribution.manifest.v2+json"
	MediaTypeDockerConfig       = "application/vnd.docker.container.image.v1+json"
	MediaTypeDockerLayerGzip    = "application/vnd.docker.image.rootfs.diff.tar.gzip"
	MediaTypeDockerLayer        = "application/vnd.docker.image.rootfs.diff.tar"
)

// Well-known annotation keys.
const (
	AnnotationRefName = "org.opencontainers.image.ref.name"
	// AnnotationDockerReferenceType marks attestation manifests that BuildKit
	// adds to an index next to the image manifests.
	AnnotationDockerReferenceType = "vnd.docker.reference.type"
)

// LayoutVersion is the content of the oci-layout file.
const LayoutVersion = "1.0.0"

// Platform describes the platform an image manifest is for.
type Platform struct {
	Architecture string   `json:"architecture"`
	OS           string   `json:"os"`
	OSVersion    string   `json:"os.version,omitempty"`
	OSFeatures   []string `json:"os.features,omitempty"`
	Variant      string   `json:"variant,omitempty"`
}

// Descriptor points at a blob.
type Descriptor struct {
	MediaType    string            `json:"mediaType"`
	Digest       string            `json:"digest"`
	Size         int64             `json:"size"`
	URLs         []string          `json:"urls,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	Platform     *Platform         `json:"platform,omitempty"`
	ArtifactType string            `json:"artifactType,omitempty"`
}

// Index is an image index (index.json of a layout, or a nested index blob).
type Index struct {
	SchemaVersion int               `json:"schemaVersion"`
	MediaType     string            `json:"mediaType,omitempty"`
	Manifests     []Descriptor      `json:"manifests"`
	Annotations   map[string]string `json:"annotations,omitempty"`
}

// Manifest is an image manifest.
type Manifest struct {
	SchemaVersion int               `json:"schemaVersion"`
	MediaType     string            `json:"mediaType,omitempty"`
	Config        Descriptor        `json:"config"`
	Layers        []Descriptor      `json:"layers"`
	Annotations   map[string]string `json:"annotations,omitempty"`
}

// HealthConfig is the Docker healthcheck extension of the image config.
type HealthConfig struct {
	Test          []string      `json:"Test,omitempty"`
	Interval      time.Duration `json:"Interval,omitempty"`
	Timeout       time.Duration `json:"Timeout,omitempty"`
	StartPeriod   time.Duration `json:"StartPeriod,omitempty"`
	StartInterval time.Duration `json:"StartInterval,omitempty"`
	Retries       int           `json:"Retries,omitempty"`
}

// Config is the runtime configuration part of an image config
// ("config" in the JSON). Healthcheck, Shell and OnBuild are Docker
// extensions that BuildKit writes too.
type Config struct {
	User         string              `json:"User,omitempty"`
	ExposedPorts map[string]struct{} `json:"ExposedPorts,omitempty"`
	Env          []string            `json:"Env,omitempty"`
	Entrypoint   []string            `json:"Entrypoint,omitempty"`
	Cmd          []string            `json:"Cmd,omitempty"`
	Volumes      map[string]struct{} `json:"Volumes,omitempty"`
	WorkingDir   string              `json:"WorkingDir,omitempty"`
	Labels       map[string]string   `json:"Labels,omitempty"`
	StopSignal   string              `json:"StopSignal,omitempty"`
	ArgsEscaped  bool                `json:"ArgsEscaped,omitempty"`
	Healthcheck  *HealthConfig       `json:"Healthcheck,omitempty"`
	Shell        []string            `json:"Shell,omitempty"`
	OnBuild      []string            `json:"OnBuild,omitempty"`
}

// RootFS lists the uncompressed digests of the layers.
type RootFS struct {
	Type    string   `json:"type"`
	DiffIDs []string `json:"diff_ids"`
}

// History describes one build step.
type History struct {
	Created    *time.Time `json:"created,omitempty"`
	CreatedBy  string     `json:"created_by,omitempty"`
	Author     string     `json:"author,omitempty"`
	Comment    string     `json:"comment,omitempty"`
	EmptyLayer bool       `json:"empty_layer,omitempty"`
}

// ImageConfig is the image configuration blob.
type ImageConfig struct {
	Created      *time.Time `json:"created,omitempty"`
	Author       string     `json:"author,omitempty"`
	Architecture string     `json:"architecture"`
	OS           string     `json:"os"`
	Variant      string     `json:"variant,omitempty"`
	Config       Config     `json:"config,omitempty"`
	RootFS       RootFS     `json:"rootfs"`
	History      []History  `json:"history,omitempty"`
}

// NonEmptyHistory returns the history entries that produced a layer, in
// layer order. When the history does not line up with the layers (some
// builders omit it), it returns nil.
func (c *ImageConfig) NonEmptyHistory() []History {
	var out []History
	for _, h := range c.History {
		if !h.EmptyLayer {
			out = append(out, h)
		}
	}
	if len(out) != len(c.RootFS.DiffIDs) {
		return nil
	}
	return out
}

func marshalJSON(v any) ([]byte, error) {
	return json.Marshal(v)
}
