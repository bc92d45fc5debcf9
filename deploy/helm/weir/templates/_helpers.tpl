{{/* Names and labels shared by every template. */}}
{{- define "weir.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Service names get a suffix (-kafka, -operations, ...), so the base leaves room for it. */}}
{{- define "weir.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 48 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 48 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 48 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "weir.selectorLabels" -}}
app.kubernetes.io/name: {{ include "weir.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "weir.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "weir.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "weir.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "weir.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "weir.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The name of the ConfigMap holding weir.yaml: the chart's own, or one the user manages. */}}
{{- define "weir.configMapName" -}}
{{- default (include "weir.fullname" .) .Values.existingConfigMap }}
{{- end }}

{{- define "weir.secretName" -}}
{{- default (include "weir.fullname" .) .Values.existingSecret }}
{{- end }}

{{- define "weir.hasSecret" -}}
{{- if or .Values.existingSecret .Values.secrets }}true{{ end }}
{{- end }}

{{/*
What Kafka clients are told to connect to (metadata responses). Default: the Kafka Service's DNS
name, which only clients inside the cluster can resolve; set kafka.advertisedHost for others.
*/}}
{{- define "weir.kafkaAdvertisedHost" -}}
{{- if .Values.kafka.advertisedHost }}
{{- .Values.kafka.advertisedHost }}
{{- else }}
{{- printf "%s-kafka.%s.svc.%s" (include "weir.fullname" .) .Release.Namespace .Values.clusterDomain }}
{{- end }}
{{- end }}

{{/* Broker N is served on brokerPortBase + N; the port list is checked once, here. */}}
{{- define "weir.brokerPorts" -}}
{{- $base := int .Values.kafka.brokerPortBase }}
{{- if not .Values.kafka.brokerIds }}
{{- fail "kafka.brokerIds: list the node ids of the backend's brokers (broker N is served on brokerPortBase + N)" }}
{{- end }}
{{- range .Values.kafka.brokerIds }}
{{- $port := add $base (int .) }}
{{- if gt (int $port) 65535 }}
{{- fail (printf "kafka.brokerIds: broker %v would be served on port %v, above 65535: lower kafka.brokerPortBase" . $port) }}
{{- end }}
{{- if eq (int $port) (int $.Values.kafka.port) }}
{{- fail (printf "kafka.brokerIds: broker %v would be served on the bootstrap port %v" . $port) }}
{{- end }}
- name: broker-{{ . }}
  port: {{ $port }}
{{- end }}
{{- end }}

{{/* The gateway pods (not the control plane's): what Services, the PDB and spreading select. */}}
{{- define "weir.gatewaySelectorLabels" -}}
{{ include "weir.selectorLabels" . }}
app.kubernetes.io/component: gateway
{{- end }}
