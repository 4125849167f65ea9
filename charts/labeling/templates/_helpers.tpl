{{/* Chart name, truncated to the 63 characters a label value allows. */}}
{{- define "labeling.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: release-chart, unless the release name already contains the chart name. */}}
{{- define "labeling.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "labeling.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "labeling.labels" -}}
helm.sh/chart: {{ include "labeling.chart" . }}
{{ include "labeling.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "labeling.selectorLabels" -}}
app.kubernetes.io/name: {{ include "labeling.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "labeling.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "labeling.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The operator's permissions: only the verbs and resources it uses (see operator/labelhive_operator/kube.py). */}}
{{- define "labeling.rules" -}}
# LabelingProjects: watch them, add/remove the finalizer (patch), write status.
- apiGroups: ["labelhive.io"]
  resources: ["labelingprojects"]
  verbs: ["get", "list", "watch", "patch"]
- apiGroups: ["labelhive.io"]
  resources: ["labelingprojects/status"]
  verbs: ["get", "patch"]
# Referenced admin Secrets are read; the app Secret is server-side applied (create + patch). No list/watch.
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "create", "patch"]
# Children: watched (cache, drift, readiness) and server-side applied.
- apiGroups: [""]
  resources: ["services"]
  verbs: ["get", "list", "watch", "create", "patch"]
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["get", "list", "watch", "create", "patch"]
- apiGroups: ["batch"]
  resources: ["jobs"]
  verbs: ["get", "list", "watch", "create", "patch"]
- apiGroups: ["networking.k8s.io"]
  resources: ["ingresses"]
  verbs: ["get", "list", "watch", "create", "patch"]
# Used only when KEDA is installed.
- apiGroups: ["keda.sh"]
  resources: ["scaledobjects"]
  verbs: ["get", "create", "patch"]
# Events on transitions and failures.
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create"]
{{- end }}

{{/* Cluster-scoped and read-only: kopf discovers the resources it watches through the CRDs. */}}
{{- define "labeling.discoveryRules" -}}
- apiGroups: ["apiextensions.k8s.io"]
  resources: ["customresourcedefinitions"]
  verbs: ["list", "watch"]
{{- end }}
