#!/usr/bin/env bash
# Renders the Helm chart (deploy/helm/weir) and checks it offline: `helm lint`, `helm template`
# for every value set in deploy/helm/weir/ci/, every rendered manifest decoded strictly against
# the Kubernetes API types pinned in deploy/helm/validate/go.mod (see its main.go for why not
# JSON schemas), the Weir config of each set validated by Weir itself in the pod's environment,
# value sets the chart must refuse, and docker-compose.yml (loaded by compose-go, the library
# behind Docker Compose, and its Weir ports checked against the chart's defaults). Needs Go and the Go module proxy only (helm is built from
# it once, into .cache/); no cluster, no other network. Exits non-zero on any problem.
#   scripts/helm-check.sh        (npm run helm:check)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

HELM_VERSION=v4.3.2
tools=".cache/helm-check"
out="$tools/rendered"
chart=deploy/helm/weir
mkdir -p "$tools"
rm -rf "$out" && mkdir -p "$out"

command -v go >/dev/null || { echo "helm-check needs Go (the helm CLI and the validator are built from the Go module proxy)" >&2; exit 1; }

helm="$tools/helm-$HELM_VERSION"
if [ ! -x "$helm" ]; then
  echo "helm-check: building helm $HELM_VERSION from the Go module proxy (once, a few minutes)"
  GOFLAGS=-mod=mod GOBIN="$PWD/$tools/gobin" go install "helm.sh/helm/v4/cmd/helm@$HELM_VERSION"
  mv "$tools/gobin/helm" "$helm"
fi
# The validator's dependencies are pinned by its go.sum; go build is a no-op when nothing changed.
(cd deploy/helm/validate && go vet ./... && go test ./... &&
  go build -o "../../../$tools/validate" . && go build -o "../../../$tools/compose" ./compose)
validate="$tools/validate"

echo "helm-check: helm lint"
"$helm" lint --strict "$chart"
for values in "$chart"/ci/*-values.yaml; do
  "$helm" lint --strict "$chart" -f "$values"
done

echo "helm-check: helm template"
rendered=()
for values in "$chart"/ci/*-values.yaml; do
  name="$(basename "$values" -values.yaml)"
  "$helm" template weir "$chart" --namespace weir -f "$values" >"$out/$name.yaml"
  rendered+=("$out/$name.yaml")
done

echo "helm-check: manifests against the Kubernetes API types"
"$validate" "${rendered[@]}"

echo "helm-check: each value set's Weir config, in its pod's environment"
node scripts/deploy-check/helm-config.ts "${rendered[@]}"

# Value sets the chart must refuse with a clear message, not render into something broken.
echo "helm-check: value sets the chart refuses"
refuses() {
  local expected="$1"
  shift
  local stderr
  if stderr="$("$helm" template weir "$chart" "$@" 2>&1 >/dev/null)"; then
    echo "helm-check: expected the chart to refuse $* ($expected)" >&2
    return 1
  fi
  if [[ "$stderr" != *"$expected"* ]]; then
    echo "helm-check: refused $*, but not with \"$expected\":" >&2
    echo "$stderr" >&2
    return 1
  fi
}
refuses 'kafka.brokerIds: list the node ids' --set 'kafka.brokerIds=null'
refuses 'the data planes'"'"' token must be in the Secret' --set 'controlPlane.enabled=true'
refuses "additional properties 'advertisedhost' not allowed" --set 'kafka.advertisedhost=x' # values.schema.json
refuses 'above 65535: lower kafka.brokerPortBase' --set 'kafka.brokerPortBase=65530' --set 'kafka.brokerIds={1,9}'
refuses 'would be served on the bootstrap port' --set 'kafka.port=9100' --set 'kafka.brokerPortBase=9090' --set 'kafka.brokerIds={10}'

# And a config that disagrees with the chart must be reported, each way the check looks for.
mismatched="$out/mismatched.yaml"
"$helm" template weir "$chart" -f deploy/helm/validate/testdata/mismatched-values.yaml >"$mismatched"
if report="$(node scripts/deploy-check/helm-config.ts "$mismatched" 2>&1)"; then
  echo "helm-check: the config check passed a config that disagrees with the chart" >&2
  exit 1
fi
for expected in 'binds 127.0.0.1: unreachable' 'broker 1 binds port 9201' \
  'advertises 127.0.0.1' 'exposes port http, which no listener binds'; do
  [[ "$report" == *"$expected"* ]] || {
    echo "helm-check: the config check did not report \"$expected\":" >&2
    echo "$report" >&2
    exit 1
  }
done

echo "helm-check: docker-compose.yml (Compose Specification schema; Weir's ports as the chart's)"
"$tools/compose" docker-compose.yml
node scripts/deploy-check/compose.ts
unpublished=deploy/helm/validate/testdata/unpublished-compose.yml
if report="$(node scripts/deploy-check/compose.ts "$unpublished" 2>&1)" ||
  [[ "$report" != *"listener kafka binds 9092, which is not published"* ]]; then
  echo "helm-check: the compose check did not refuse $unpublished as expected:" >&2
  echo "$report" >&2
  exit 1
fi

echo "helm-check: ${#rendered[@]} value sets rendered and valid; docker-compose.yml in step"
