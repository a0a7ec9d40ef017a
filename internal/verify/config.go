package verify

import (
	"bytes"
	"encoding/json"
	"reflect"
	"sort"
	"strings"

	"github.com/dfopt/dfopt/internal/oci"
)

// Config fields compared by CompareConfig.
const (
	FieldEntrypoint   = "Entrypoint"
	FieldCmd          = "Cmd"
	FieldEnv          = "Env"
	FieldUser         = "User"
	FieldWorkingDir   = "WorkingDir"
	FieldExposedPorts = "ExposedPorts"
	FieldVolumes      = "Volumes"
	FieldLabels       = "Labels"
	FieldHealthcheck  = "Healthcheck"
	FieldStopSignal   = "StopSignal"
)

// ConfigFields lists the compared fields in the order they are reported.
var ConfigFields = []string{
	FieldEntrypoint, FieldCmd, FieldEnv, FieldUser, FieldWorkingDir,
	FieldExposedPorts, FieldVolumes, FieldLabels, FieldHealthcheck, FieldStopSignal,
}

// ConfigChange is a change of the image configuration that a rewrite is
// allowed to make: a pass that changes the configuration on purpose (an
// init process as the entrypoint, say) declares it, and verification
// reports the difference as allowed instead of failing.
type ConfigChange struct {
	// Field is one of ConfigFields.
	Field string
	// Key narrows Env, Labels, ExposedPorts and Volumes to one variable,
	// label, port or volume; empty allows any change of the field.
	Key string
	// Pass names who declares the change, for the report.
	Pass string
}

// ConfigDifference is a configuration field that differs between the
// images.
type ConfigDifference struct {
	Field string `json:"field"`
	// Key is the variable, label, port or volume for map-like fields.
	Key string `json:"key,omitempty"`
	// Before and After are the values as JSON ("" when absent).
	Before string `json:"before"`
	After  string `json:"after"`
	// AllowedBy names the pass that declared the change; empty means the
	// difference fails verification.
	AllowedBy string `json:"allowedBy,omitempty"`
	// Inherited: the original inherits the value from its base image
	// (its Dockerfile does not set it), and the base changes on purpose.
	Inherited bool `json:"inherited,omitempty"`
}

func (d ConfigDifference) String() string {
	name := d.Field
	if d.Key != "" {
		name += "[" + d.Key + "]"
	}
	show := func(s string) string {
		if s == "" {
			return "(none)"
		}
		return s
	}
	s := name + ": " + show(d.Before) + " => " + show(d.After)
	switch {
	case d.Inherited:
		s += " (inherited from the base, which " + d.AllowedBy + " changes)"
	case d.AllowedBy != "":
		s += " (declared by " + d.AllowedBy + ")"
	}
	return s
}

// CompareConfig compares the runtime configuration of two images field by
// field (see ConfigFields). Env, Labels, ExposedPorts and Volumes are
// compared key by key, and the order of Env does not matter.
func CompareConfig(before, after oci.Config, allowed []ConfigChange) []ConfigDifference {
	var out []ConfigDifference
	allow := func(field, key string) string {
		for _, a := range allowed {
			if a.Field == field && (a.Key == "" || a.Key == key) {
				if a.Pass == "" {
					return "(allowed)"
				}
				return a.Pass
			}
		}
		return ""
	}
	whole := func(field string, a, b any) {
		if reflect.DeepEqual(a, b) {
			return
		}
		out = append(out, ConfigDifference{Field: field, Before: jsonValue(a), After: jsonValue(b), AllowedBy: allow(field, "")})
	}
	keyed := func(field string, a, b map[string]string, present bool) {
		keys := map[string]bool{}
		for k := range a {
			keys[k] = true
		}
		for k := range b {
			keys[k] = true
		}
		var sorted []string
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			va, oka := a[k]
			vb, okb := b[k]
			if oka == okb && va == vb {
				continue
			}
			d := ConfigDifference{Field: field, Key: k, AllowedBy: allow(field, k)}
			if oka {
				d.Before = jsonValue(va)
				if present {
					d.Before = "present"
				}
			}
			if okb {
				d.After = jsonValue(vb)
				if present {
					d.After = "present"
				}
			}
			out = append(out, d)
		}
	}
	whole(FieldEntrypoint, nilIfEmpty(before.Entrypoint), nilIfEmpty(after.Entrypoint))
	whole(FieldCmd, nilIfEmpty(before.Cmd), nilIfEmpty(after.Cmd))
	keyed(FieldEnv, envMap(before.Env), envMap(after.Env), false)
	whole(FieldUser, before.User, after.User)
	whole(FieldWorkingDir, before.WorkingDir, after.WorkingDir)
	keyed(FieldExposedPorts, setMap(before.ExposedPorts), setMap(after.ExposedPorts), true)
	keyed(FieldVolumes, setMap(before.Volumes), setMap(after.Volumes), true)
	keyed(FieldLabels, before.Labels, after.Labels, false)
	whole(FieldHealthcheck, before.Healthcheck, after.Healthcheck)
	whole(FieldStopSignal, before.StopSignal, after.StopSignal)
	return out
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func envMap(env []string) map[string]string {
	m := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

func setMap(s map[string]struct{}) map[string]string {
	m := map[string]string{}
	for k := range s {
		m[k] = ""
	}
	return m
}

func jsonValue(v any) string {
	switch x := v.(type) {
	case string:
		if x == "" {
			return ""
		}
	case []string:
		if x == nil {
			return ""
		}
	case *oci.HealthConfig:
		if x == nil {
			return ""
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // "<jane@example.com>" as written
	if err := enc.Encode(v); err != nil {
		return ""
	}
	return strings.TrimSuffix(buf.String(), "\n")
}
