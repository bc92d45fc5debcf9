// Command validate checks rendered Kubernetes manifests offline, the way the API server would
// decode them: every document must be a kind of the pinned API set (k8s.io/api and the
// prometheus-operator types at the versions in go.mod), decoded strictly (an unknown or duplicate
// field, or a value of the wrong type, is an error), and hold together (selectors that select,
// ports that are named where they are referenced, names the API server accepts).
//
// Why not JSON schemas (kubeconform): they live in GitHub repositories, which CI cannot reach;
// the Go types are the source those schemas are generated from, and they come from the Go module
// proxy pinned by go.sum. The API server's own validation (k8s.io/kubernetes/pkg/apis/*/validation)
// is not importable as a module, so the checks it would make that a chart can get wrong are
// written out below.
//
//	helm template ... | go run . -          # or: validate FILE...
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	sigsyaml "sigs.k8s.io/yaml"
)

func scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, policyv1.AddToScheme, autoscalingv2.AddToScheme,
		monitoringv1.AddToScheme,
	} {
		if err := add(s); err != nil {
			panic(err)
		}
	}
	return s
}

func main() {
	args := os.Args[1:]
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: validate FILE... (- for stdin)")
		os.Exit(2)
	}
	failed := false
	for _, file := range args {
		count, problems := validateFile(file)
		for _, p := range problems {
			fmt.Fprintf(os.Stderr, "%s: %s\n", file, p)
		}
		if len(problems) > 0 {
			failed = true
			continue
		}
		fmt.Printf("%s: %d manifests valid\n", file, count)
	}
	if failed {
		os.Exit(1)
	}
}

func validateFile(file string) (int, []string) {
	if file == "-" {
		return validate(os.Stdin)
	}
	f, err := os.Open(file)
	if err != nil {
		return 0, []string{err.Error()}
	}
	defer f.Close()
	return validate(f)
}

// validate decodes every document of a manifest stream and checks them together; it returns how
// many there were and every problem found.
func validate(in io.Reader) (int, []string) {
	objects, problems := decodeAll(in)
	return len(objects), append(problems, checkObjects(objects)...)
}

var decoder = json.NewSerializerWithOptions(json.DefaultMetaFactory, scheme(), scheme(),
	json.SerializerOptions{Yaml: true, Strict: true})

type object struct {
	where string // "Kind/name"
	obj   runtime.Object
}

func decodeAll(in io.Reader) ([]object, []string) {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(in))
	var objects []object
	var problems []string
	for i := 0; ; i++ {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return objects, append(problems, fmt.Sprintf("document %d: %v", i+1, err))
		}
		if len(bytes.TrimSpace(stripComments(doc))) == 0 {
			continue
		}
		// Duplicate keys are an error in YAML the API server reads too.
		if _, err := sigsyaml.YAMLToJSONStrict(doc); err != nil {
			problems = append(problems, fmt.Sprintf("document %d: %v", i+1, err))
			continue
		}
		obj, gvk, err := decoder.Decode(doc, nil, nil)
		name := fmt.Sprintf("document %d", i+1)
		if gvk != nil {
			name = fmt.Sprintf("document %d (%s)", i+1, gvk.Kind)
		}
		if err != nil {
			if runtime.IsNotRegisteredError(err) {
				problems = append(problems, fmt.Sprintf("%s: not a kind of the pinned API set: %v", name, err))
			} else {
				problems = append(problems, fmt.Sprintf("%s: %v", name, err))
			}
			continue
		}
		objects = append(objects, object{where: describe(obj), obj: obj})
	}
	if len(objects) == 0 && len(problems) == 0 {
		problems = append(problems, "no manifests")
	}
	return objects, problems
}

func stripComments(doc []byte) []byte {
	var out [][]byte
	for _, line := range bytes.Split(doc, []byte("\n")) {
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' {
			out = append(out, line)
		}
	}
	return bytes.Join(out, []byte("\n"))
}

func describe(obj runtime.Object) string {
	kind := obj.GetObjectKind().GroupVersionKind().Kind
	if m, ok := obj.(interface{ GetName() string }); ok {
		return kind + "/" + m.GetName()
	}
	return strings.TrimSpace(kind)
}
