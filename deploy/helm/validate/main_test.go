package main

import (
	"os"
	"strings"
	"testing"
)

func TestTheValidSetPasses(t *testing.T) {
	base, err := os.ReadFile("testdata/valid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	count, problems := validate(strings.NewReader(string(base)))
	if len(problems) > 0 || count != 5 {
		t.Fatalf("want 5 valid manifests, got %d with %v", count, problems)
	}
}

// Each case breaks the valid set in one place and names the problem that must be reported.
func TestEachMistakeIsReported(t *testing.T) {
	base, err := os.ReadFile("testdata/valid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, from, to, want string }{
		{"unknown field", "replicas: 2", "replica: 2", `unknown field "spec.replica"`},
		{"wrong type", "replicas: 2", "replicas: two", "cannot unmarshal"},
		{"duplicate key", "  replicas: 2", "  replicas: 2\n  replicas: 3", `key "replicas" already set`},
		{"unknown kind", "kind: PodDisruptionBudget", "kind: PodDisruptionBudgt", "not a kind of the pinned API set"},
		{"selector not matching the template", "      labels: { app: weir }\n    spec:", "      labels: { app: other }\n    spec:", "spec.selector does not match the pod template's labels"},
		{"service target port missing", "targetPort: http", "targetPort: https", `targetPort "https" is not a port of Deployment/weir`},
		{"probe on a missing port", "port: operations }", "port: ops }", `readiness probe names port "ops"`},
		{"port name too long", "name: operations, containerPort", "name: operations-listener, containerPort", "port name operations-listener"},
		{"mount without volume", "- { name: tmp, mountPath", "- { name: scratch, mountPath", `volumeMount "scratch" names no volume`},
		{"hpa target missing", "kind: Deployment, name: weir }", "kind: Deployment, name: weir-x }", "is not a rendered Deployment"},
		{"utilization without request", "requests: { cpu: 500m }", "requests: { memory: 1Gi }", "cpu utilization needs a cpu request"},
		{"pdb with both bounds", "  maxUnavailable: 1", "  maxUnavailable: 1\n  minAvailable: 1", "set exactly one of minAvailable and maxUnavailable"},
		{"monitor on a missing port", "    - port: operations", "    - port: metrics", `endpoint port "metrics" is not a port of Service/weir`},
		{"bad name", "  name: weir\n  labels: { app: weir }\nspec:\n  selector", "  name: Weir\n  labels: { app: weir }\nspec:\n  selector", "metadata.name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			broken := strings.Replace(string(base), c.from, c.to, 1)
			if broken == string(base) {
				t.Fatalf("the case changes nothing: %q not found", c.from)
			}
			_, problems := validate(strings.NewReader(broken))
			for _, p := range problems {
				if strings.Contains(p, c.want) {
					return
				}
			}
			t.Fatalf("want a problem containing %q, got %v", c.want, problems)
		})
	}
}
