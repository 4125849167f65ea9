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
# The app Secret is read and server-side applied (create + patch) in the team's namespace. No list/watch.
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
# The built-in scaler owns the worker Deployment's replicas through its scale subresource (as an HPA would).
- apiGroups: ["apps"]
  resources: ["deployments/scale"]
  verbs: ["patch"]
- apiGroups: ["networking.k8s.io"]
  resources: ["ingresses"]
  verbs: ["get", "list", "watch", "create", "patch"]
# A failed migration Job is deleted so that it runs again (a Job never restarts once Failed).
- apiGroups: ["batch"]
  resources: ["jobs"]
  verbs: ["get", "list", "watch", "create", "patch", "delete"]
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: ["get", "create", "patch"]
# Pods are listed (never changed) while a component is not ready, to say why: ImagePullBackOff, CrashLoopBackOff.
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["list"]
# Used only when KEDA is installed; a ScaledObject is deleted when KEDA is switched off.
- apiGroups: ["keda.sh"]
  resources: ["scaledobjects"]
  verbs: ["get", "create", "patch", "delete"]
# Events on transitions and failures.
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create"]
{{- end }}

{{/* Cluster-scoped and read-only: kopf discovers the resources it watches through the CRDs; the Ingress
controller behind a class decides the body size and timeout annotations. */}}
{{- define "labeling.discoveryRules" -}}
- apiGroups: ["apiextensions.k8s.io"]
  resources: ["customresourcedefinitions"]
  verbs: ["list", "watch"]
- apiGroups: ["networking.k8s.io"]
  resources: ["ingressclasses"]
  verbs: ["get", "list"]
{{- end }}

{{/* In the operator's own namespace only: the admin Secrets (S3, PostgreSQL, RabbitMQ) are read here and
nowhere else, and the replicas elect a leader through a Lease. */}}
{{- define "labeling.ownNamespaceRules" -}}
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get"]
- apiGroups: ["coordination.k8s.io"]
  resources: ["leases"]
  verbs: ["get", "create", "update"]
{{- end }}
