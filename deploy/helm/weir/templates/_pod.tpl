{{/* What the gateway pods and the control-plane pod have in common. */}}

{{/* The environment Weir's config reads: listener hosts and ports, as the Services expect. */}}
{{- define "weir.env" -}}
- name: WEIR_POD_NAME
  valueFrom: { fieldRef: { fieldPath: metadata.name } }
- name: WEIR_POD_IP
  valueFrom: { fieldRef: { fieldPath: status.podIP } }
- name: WEIR_HTTP_HOST
  value: 0.0.0.0
- name: WEIR_HTTP_PORT
  value: {{ .Values.ports.http | quote }}
{{- if or .Values.kafka.enabled .Values.sni.enabled }}
- name: WEIR_KAFKA_HOST
  value: 0.0.0.0
{{- end }}
{{- if .Values.kafka.enabled }}
- name: WEIR_KAFKA_PORT
  value: {{ .Values.kafka.port | quote }}
- name: WEIR_KAFKA_BROKER_PORT_BASE
  value: {{ .Values.kafka.brokerPortBase | quote }}
- name: WEIR_KAFKA_ADVERTISED_HOST
  value: {{ include "weir.kafkaAdvertisedHost" . | quote }}
{{- end }}
{{- if .Values.sni.enabled }}
- name: WEIR_SNI_PORT
  value: {{ .Values.sni.port | quote }}
- name: WEIR_SNI_ADVERTISED_PORT
  value: {{ .Values.sni.service.port | quote }}
{{- end }}
{{- if .Values.controlPlane.enabled }}
- name: WEIR_ADMIN_HOST
  value: 0.0.0.0
- name: WEIR_ADMIN_PORT
  value: {{ .Values.controlPlane.adminPort | quote }}
{{- end }}
{{- with .Values.env }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "weir.probes" -}}
startupProbe:
  httpGet: { path: /healthz, port: operations }
  {{- toYaml .Values.probes.startup | nindent 2 }}
livenessProbe:
  httpGet: { path: /healthz, port: operations }
  {{- toYaml .Values.probes.liveness | nindent 2 }}
readinessProbe:
  httpGet: { path: /readyz, port: operations }
  {{- toYaml .Values.probes.readiness | nindent 2 }}
{{- end }}

{{/* Mounts: the config (not on data planes, which get theirs from the control plane), the
Secret's files, and the only writable places. */}}
{{- define "weir.volumeMounts" -}}
{{- if .withConfig }}
- name: config
  mountPath: /etc/weir/config
  readOnly: true
{{- end }}
{{- if include "weir.hasSecret" .root }}
- name: secrets
  mountPath: /etc/weir/secrets
  readOnly: true
{{- end }}
- name: state
  mountPath: /var/lib/weir
- name: tmp
  mountPath: /tmp
{{- end }}

{{- define "weir.volumes" -}}
{{- if .withConfig }}
- name: config
  configMap:
    name: {{ include "weir.configMapName" .root }}
{{- end }}
{{- if include "weir.hasSecret" .root }}
- name: secrets
  secret:
    secretName: {{ include "weir.secretName" .root }}
    # readable by the pod's group (fsGroup) only: the container runs as that user
    defaultMode: 0440
{{- end }}
- name: state
  emptyDir:
    sizeLimit: {{ .root.Values.stateDir.sizeLimit }}
- name: tmp
  emptyDir:
    medium: Memory
    sizeLimit: 64Mi
{{- end }}

{{/* A changed config or Secret rolls the pods that read them. */}}
{{- define "weir.checksums" -}}
{{- if not .Values.existingConfigMap }}
checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
{{- end }}
{{- if and .Values.secrets (not .Values.existingSecret) }}
checksum/secret: {{ include (print .Template.BasePath "/secret.yaml") . | sha256sum }}
{{- end }}
{{- end }}
