package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// k8sObject is the part of a Kubernetes manifest the checks read.
type k8sObject struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Resources  []string          `yaml:"resources"`  // Kustomization
	Data       map[string]string `yaml:"data"`       // ConfigMap
	StringData map[string]string `yaml:"stringData"` // Secret
	Spec       struct {
		Strategy struct {
			RollingUpdate struct {
				MaxUnavailable any `yaml:"maxUnavailable"`
			} `yaml:"rollingUpdate"`
		} `yaml:"strategy"`
		Ports []struct {
			TargetPort string `yaml:"targetPort"`
		} `yaml:"ports"` // Service
		Template struct {
			Spec struct {
				TerminationGracePeriodSeconds int         `yaml:"terminationGracePeriodSeconds"`
				Containers                    []container `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type probe struct {
	HTTPGet struct {
		Path string `yaml:"path"`
		Port string `yaml:"port"`
	} `yaml:"httpGet"`
}

type container struct {
	Args  []string `yaml:"args"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	Env []struct {
		Name string `yaml:"name"`
	} `yaml:"env"`
	StartupProbe   *probe `yaml:"startupProbe"`
	ReadinessProbe *probe `yaml:"readinessProbe"`
	LivenessProbe  *probe `yaml:"livenessProbe"`
	Lifecycle      struct {
		PreStop struct {
			Sleep struct {
				Seconds int `yaml:"seconds"`
			} `yaml:"sleep"`
		} `yaml:"preStop"`
	} `yaml:"lifecycle"`
}

// TestDeployManifests parses every Kubernetes manifest and the systemd unit
// and checks them against the server: the probes ask routes that answer, the
// ports and variables exist, the settings are valid, and the stop timeouts
// leave the server its shutdown window.
func TestDeployManifests(t *testing.T) {
	files, err := filepath.Glob("../../deploy/k8s/*.yaml")
	if err != nil || len(files) < 6 {
		t.Fatalf("deploy/k8s: %v, %d files", err, len(files))
	}
	known := map[string]bool{}
	for _, s := range (&Config{}).settings() {
		known[s.env] = true
	}
	byKind := map[string][]k8sObject{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var o k8sObject
			if err := dec.Decode(&o); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if filepath.Base(f) == "nats-values.yaml" {
				continue // Helm values, not an object
			}
			if o.APIVersion == "" || o.Kind == "" || (o.Kind != "Kustomization" && o.Metadata.Name == "") {
				t.Errorf("%s: a document without apiVersion, kind or name", f)
			}
			byKind[o.Kind] = append(byKind[o.Kind], o)
		}
	}
	for _, kind := range []string{"Kustomization", "Namespace", "ConfigMap", "Secret", "Deployment", "Service", "Ingress", "PodDisruptionBudget"} {
		if len(byKind[kind]) == 0 {
			t.Errorf("deploy/k8s has no %s", kind)
		}
	}
	for _, r := range byKind["Kustomization"][0].Resources {
		if _, err := os.Stat(filepath.Join("../../deploy/k8s", r)); err != nil {
			t.Errorf("kustomization lists %s: %v", r, err)
		}
	}

	// The settings of the ConfigMap and the Secret are real and valid.
	env := map[string]string{}
	for _, kind := range []string{"ConfigMap", "Secret"} {
		for _, o := range byKind[kind] {
			for k, v := range o.Data {
				env[k] = v
			}
			for k, v := range o.StringData {
				env[k] = v
			}
		}
	}
	dep := byKind["Deployment"][0]
	if len(dep.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("deployment has %d containers", len(dep.Spec.Template.Spec.Containers))
	}
	ctr := dep.Spec.Template.Spec.Containers[0]
	for _, e := range ctr.Env {
		env[e.Name] = "/tmp/civicdesk"
	}
	for k := range env {
		if !known[k] {
			t.Errorf("deploy/k8s sets %s, which is no setting of civicdesk serve", k)
		}
	}
	if _, err := parseConfig("k8s", nil, func(k string) string { return env[k] }, io.Discard); err != nil {
		t.Errorf("the ConfigMap and Secret do not make a valid configuration: %v", err)
	}
	if env["CIVICDESK_NATS_REPLICAS"] != "3" {
		t.Errorf("CIVICDESK_NATS_REPLICAS = %q, want 3 on the three-node cluster", env["CIVICDESK_NATS_REPLICAS"])
	}
	if len(ctr.Args) == 0 || ctr.Args[0] != "serve" {
		t.Errorf("container args %v, want serve", ctr.Args)
	}

	// Probes ask the real health routes on a declared port; the rolling
	// update and stop timings fit the server's 10 s shutdown.
	base, _, _ := startMain(t, t.TempDir())
	ports := map[string]bool{}
	for _, p := range ctr.Ports {
		ports[p.Name] = true
	}
	for name, p := range map[string]*probe{"startup": ctr.StartupProbe, "readiness": ctr.ReadinessProbe, "liveness": ctr.LivenessProbe} {
		if p == nil {
			t.Errorf("no %s probe", name)
			continue
		}
		if !ports[p.HTTPGet.Port] {
			t.Errorf("%s probe on port %q, which the container does not declare", name, p.HTTPGet.Port)
		}
		if code := (api{t: t, base: base}).do("GET", p.HTTPGet.Path, nil, nil); code != 200 {
			t.Errorf("%s probe GET %s = %d, want 200", name, p.HTTPGet.Path, code)
		}
	}
	if ctr.ReadinessProbe != nil && ctr.ReadinessProbe.HTTPGet.Path != "/readyz" {
		t.Errorf("readiness probe on %s: it must be /readyz, which checks NATS and the store", ctr.ReadinessProbe.HTTPGet.Path)
	}
	if ctr.LivenessProbe != nil && ctr.LivenessProbe.HTTPGet.Path != "/healthz" {
		t.Errorf("liveness probe on %s: it must be /healthz, so that a NATS outage does not restart every pod", ctr.LivenessProbe.HTTPGet.Path)
	}
	preStop := ctr.Lifecycle.PreStop.Sleep.Seconds
	if preStop < 1 || dep.Spec.Template.Spec.TerminationGracePeriodSeconds < preStop+15 {
		t.Errorf("preStop sleep %d s and grace %d s: the grace must cover the sleep and the 10 s shutdown", preStop, dep.Spec.Template.Spec.TerminationGracePeriodSeconds)
	}
	if mu := dep.Spec.Strategy.RollingUpdate.MaxUnavailable; mu != 0 {
		t.Errorf("rolling update maxUnavailable %v, want 0", mu)
	}
	for _, svc := range byKind["Service"] {
		for _, p := range svc.Spec.Ports {
			if !ports[p.TargetPort] {
				t.Errorf("service %s targets port %q, which the container does not declare", svc.Metadata.Name, p.TargetPort)
			}
		}
	}

	// The systemd unit stops with SIGTERM and gives the server time; its
	// example environment holds only real settings.
	unit := readUnit(t, "../../deploy/systemd/civicdesk.service")
	if !strings.HasSuffix(strings.Fields(unit["ExecStart"])[0], "civicdesk") || !strings.Contains(unit["ExecStart"], " serve") {
		t.Errorf("ExecStart = %q", unit["ExecStart"])
	}
	if unit["KillSignal"] != "SIGTERM" {
		t.Errorf("KillSignal = %q, want SIGTERM", unit["KillSignal"])
	}
	if n, err := strconv.Atoi(unit["TimeoutStopSec"]); err != nil || n < 15 {
		t.Errorf("TimeoutStopSec = %q, want at least 15", unit["TimeoutStopSec"])
	}
	for _, k := range []string{"NoNewPrivileges", "ProtectSystem", "PrivateTmp", "DynamicUser"} {
		if unit[k] == "" {
			t.Errorf("the unit lacks %s", k)
		}
	}
	data, err := os.ReadFile("../../deploy/systemd/civicdesk.env.example")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if k, _, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") && !known[k] {
			t.Errorf("civicdesk.env.example sets %s, which is no setting", k)
		}
	}
}

// readUnit reads the keys of a systemd unit (the last value of a repeated
// key wins).
func readUnit(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == '[' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Errorf("%s: line %q is not key=value", path, line)
			continue
		}
		out[k] = v
	}
	return out
}
