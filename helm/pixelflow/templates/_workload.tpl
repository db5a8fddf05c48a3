{{/*
One workload: Deployment + Service, and its PodDisruptionBudget and HorizontalPodAutoscaler when
its settings ask for them. Every service and every converter is rendered by this template; adding
a service is a values block and a call like the one in gateway.yaml.

Arguments (a dict):
  root       the chart's root context ($)
  component  name suffix and app.kubernetes.io/component label, e.g. "jobs", "converter-flip"
  settings   the merged settings (include "pixelflow.settings"), see `defaults` in values.yaml
  port       the container port, also the Service port
  env        map of env var name → string value, or → a valueFrom map; settings.env is laid on top
  args       optional: the container's args (the chart's image runs them under tini)
  command    optional: the container's command (extra converters' own images)
  image      optional: {repository, tag, digest, pullPolicy}; the chart's image when absent
  readinessPath  optional, default /readyz
  scaledBy   optional: {minReplicas} when an external autoscaler (KEDA's ScaledObject) sets the
             replica count; the workload then has no replicas field and no HPA of its own
  metrics    optional: true for a process of the chart's own images (the services, the sharp and AI
             converters), which exports Prometheus metrics and OpenTelemetry traces. With
             metrics.enabled it serves its metrics on metrics.port alone (METRICS_PORT), a container and
             Service port named `metrics`; else METRICS=false. With tracing.enabled it sends spans to
             tracing.endpoint (OTEL_* env, pixelflow.tracingEnv). Not for the web app's nginx or
             extraConverters, which run other images.
*/}}
{{- define "pixelflow.workload" -}}
{{- $root := .root -}}
{{- $cfg := .settings -}}
{{- $name := include "pixelflow.componentName" . -}}
{{- $image := .image | default $root.Values.image -}}
{{- $autoscaling := $cfg.autoscaling | default dict -}}
{{- $pdb := $cfg.podDisruptionBudget | default dict -}}
{{- $hpa := and (eq $autoscaling.enabled true) (not .scaledBy) -}}
{{- $minReplicas := ternary (int $autoscaling.minReplicas) (int $cfg.replicas) $hpa -}}
{{- with .scaledBy }}
{{- $minReplicas = int .minReplicas -}}
{{- end }}
{{- $env := deepCopy .env -}}
{{- $_ := set $env "LOG_LEVEL" (default $root.Values.config.logLevel (get $env "LOG_LEVEL")) -}}
{{- $metrics := and .metrics (eq $root.Values.metrics.enabled true) -}}
{{- if .metrics -}}
{{- /* The metrics port is the container's, the Service's and the NetworkPolicy's: one value sets it. */ -}}
{{- range $key := list "METRICS" "METRICS_PORT" -}}
{{- if hasKey ($cfg.env | default dict) $key -}}
{{- fail (printf "%s: env.%s is the chart's to set: use metrics.enabled and metrics.port" $name $key) -}}
{{- end -}}
{{- end -}}
{{- if $metrics -}}
{{- if eq (int $root.Values.metrics.port) (int .port) -}}
{{- fail (printf "%s: metrics.port (%d) is also its own port; pick another" $name (int .port)) -}}
{{- end -}}
{{- $_ := set $env "METRICS_PORT" $root.Values.metrics.port -}}
{{- else -}}
{{- $_ := set $env "METRICS" "false" -}}
{{- end -}}
{{- /* The collector's address, the sampler and its ratio: one value each sets them for every process. */ -}}
{{- $tracingKeys := dict "OTEL_EXPORTER_OTLP_ENDPOINT" "tracing.endpoint" "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT" "tracing.endpoint" "OTEL_TRACES_SAMPLER" "tracing.sampler" "OTEL_TRACES_SAMPLER_ARG" "tracing.ratio" -}}
{{- range $key, $value := $tracingKeys -}}
{{- if hasKey ($cfg.env | default dict) $key -}}
{{- fail (printf "%s: env.%s is the chart's to set: use tracing.enabled and %s" $name $key $value) -}}
{{- end -}}
{{- end -}}
{{- $tracing := include "pixelflow.tracingEnv" $root | fromYaml -}}
{{- if $tracing -}}
{{- /* The headers may come from env instead (a secretKeyRef, for a token): from one place only. */ -}}
{{- if and (hasKey $tracing "OTEL_EXPORTER_OTLP_HEADERS") (hasKey ($cfg.env | default dict) "OTEL_EXPORTER_OTLP_HEADERS") -}}
{{- fail (printf "%s: env.OTEL_EXPORTER_OTLP_HEADERS and tracing.headers both give the collector's headers: use one (env, with a secretKeyRef, for a token kept in a Secret)" $name) -}}
{{- end -}}
{{- $_ := merge $env $tracing -}}
{{- end -}}
{{- end -}}
{{- include "pixelflow.mergeInto" (dict "dst" $env "src" (deepCopy ($cfg.env | default dict))) -}}
{{- $sleep := int ($cfg.preStopSleepSeconds | default 0) -}}
{{- $grace := int $cfg.terminationGracePeriodSeconds -}}
{{- if and (gt $sleep 0) (ge $sleep $grace) -}}
{{- fail (printf "%s: preStopSleepSeconds (%d) must be shorter than terminationGracePeriodSeconds (%d), which it counts against" $name $sleep $grace) -}}
{{- end -}}
{{- if and $hpa (gt (int $autoscaling.minReplicas) (int $autoscaling.maxReplicas)) -}}
{{- fail (printf "%s: autoscaling.minReplicas (%d) is above autoscaling.maxReplicas (%d)" $name (int $autoscaling.minReplicas) (int $autoscaling.maxReplicas)) -}}
{{- end -}}
{{- if and $hpa (not (dig "requests" "cpu" "" ($cfg.resources | default dict))) (not (empty $autoscaling.targetCPUUtilizationPercentage)) -}}
{{- fail (printf "%s: autoscaling on CPU utilisation needs resources.requests.cpu" $name) -}}
{{- end }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  labels:
    {{- include "pixelflow.componentLabels" . | nindent 4 }}
spec:
  {{- if not (or $hpa .scaledBy) }}
  replicas: {{ int $cfg.replicas }}
  {{- end }}
  revisionHistoryLimit: {{ int $cfg.revisionHistoryLimit }}
  selector:
    matchLabels:
      {{- include "pixelflow.selectorLabels" . | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      # A new pod is ready before an old one goes: capacity never drops during a rollout.
      maxUnavailable: 0
      maxSurge: {{ $cfg.maxSurge }}
  template:
    metadata:
      labels:
        {{- include "pixelflow.selectorLabels" . | nindent 8 }}
        {{- with $cfg.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        # Rolls the pods when the chart's Secret changes (INTERNAL_SECRET, REDIS_URL, DATABASE_URL).
        checksum/secret: {{ include (print $root.Template.BasePath "/secret.yaml") $root | sha256sum }}
        {{- with $cfg.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "pixelflow.serviceAccountName" $root }}
      # No service talks to the Kubernetes API.
      automountServiceAccountToken: false
      # Service links would add <SERVICE>_PORT-style variables that nothing reads.
      enableServiceLinks: false
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $cfg.priorityClassName }}
      priorityClassName: {{ . }}
      {{- end }}
      terminationGracePeriodSeconds: {{ $grace }}
      {{- with $cfg.podSecurityContext }}
      securityContext:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ .containerName | default .component }}
          image: {{ include "pixelflow.image" (dict "root" $root "image" $image) | quote }}
          imagePullPolicy: {{ $image.pullPolicy | default $root.Values.image.pullPolicy }}
          {{- with .command }}
          command:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with .args }}
          args:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          ports:
            - name: http
              containerPort: {{ int .port }}
              protocol: TCP
            {{- if $metrics }}
            # GET /metrics alone (METRICS_PORT); no Ingress routes here.
            - name: metrics
              containerPort: {{ int $root.Values.metrics.port }}
              protocol: TCP
            {{- end }}
          env:
            {{- range $key := keys $env | sortAlpha }}
            {{- $value := get $env $key }}
            - name: {{ $key }}
              {{- if kindIs "map" $value }}
              valueFrom:
                {{- toYaml $value | nindent 16 }}
              {{- else }}
              value: {{ include "pixelflow.envString" $value | quote }}
              {{- end }}
            {{- end }}
            {{- with $cfg.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          {{- with $cfg.envFrom }}
          envFrom:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          # /healthz: the process is alive. /readyz: it can serve (503 while shutting down or while
          # Redis or PostgreSQL is unreachable), so a pod leaves the endpoints without being restarted.
          startupProbe:
            httpGet:
              path: /healthz
              port: http
            {{- toYaml $cfg.probes.startup | nindent 12 }}
          livenessProbe:
            httpGet:
              path: /healthz
              port: http
            {{- toYaml $cfg.probes.liveness | nindent 12 }}
          readinessProbe:
            httpGet:
              path: {{ .readinessPath | default "/readyz" }}
              port: http
            {{- toYaml $cfg.probes.readiness | nindent 12 }}
          {{- if gt $sleep 0 }}
          lifecycle:
            # Endpoints and proxies take a moment to drop a terminating pod; until SIGTERM the
            # process keeps serving the requests that still arrive.
            # The kubelet sleeps (Kubernetes 1.30+): no sleep binary needed in the image.
            preStop:
              sleep:
                seconds: {{ $sleep }}
          {{- end }}
          {{- with $cfg.resources }}
          resources:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with $cfg.securityContext }}
          securityContext:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          volumeMounts:
            # Uploads are buffered in os.tmpdir(); the root filesystem is read-only.
            - name: tmp
              mountPath: /tmp
            {{- with $cfg.extraVolumeMounts }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
      volumes:
        - name: tmp
          emptyDir:
            {{- with $cfg.tmpVolume.medium }}
            medium: {{ . }}
            {{- end }}
            {{- with $cfg.tmpVolume.sizeLimit }}
            sizeLimit: {{ . }}
            {{- end }}
        {{- with $cfg.extraVolumes }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- if $cfg.topologySpread.enabled }}
      topologySpreadConstraints:
        {{- range $cfg.topologySpread.constraints }}
        - topologyKey: {{ required "topologySpread.constraints[].topologyKey is required" .topologyKey }}
          maxSkew: {{ int (.maxSkew | default 1) }}
          whenUnsatisfiable: {{ .whenUnsatisfiable | default "ScheduleAnyway" }}
          labelSelector:
            matchLabels:
              {{- include "pixelflow.selectorLabels" $ | nindent 14 }}
          # Spread each rollout's pods on their own, not together with the old ReplicaSet's.
          matchLabelKeys:
            - pod-template-hash
        {{- end }}
      {{- end }}
      {{- with $cfg.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $cfg.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $cfg.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $name }}
  labels:
    {{- include "pixelflow.componentLabels" . | nindent 4 }}
    {{- if $metrics }}
    {{- /* What the ServiceMonitor selects by (servicemonitor.yaml). */}}
    {{- include "pixelflow.metricsLabel" $root | nindent 4 }}
    {{- end }}
  {{- with $cfg.service.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  type: {{ $cfg.service.type | default "ClusterIP" }}
  selector:
    {{- include "pixelflow.selectorLabels" . | nindent 4 }}
  ports:
    - name: http
      port: {{ int .port }}
      targetPort: http
      protocol: TCP
    {{- if $metrics }}
    - name: metrics
      port: {{ int $root.Values.metrics.port }}
      targetPort: metrics
      protocol: TCP
    {{- end }}
{{- /* With a single replica, minAvailable: 1 would block every node drain: no budget then. */}}
{{- if and $pdb.enabled (gt $minReplicas 1) }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ $name }}
  labels:
    {{- include "pixelflow.componentLabels" . | nindent 4 }}
spec:
  minAvailable: {{ $pdb.minAvailable }}
  # A pod that is not ready protects nothing: let drains evict it.
  unhealthyPodEvictionPolicy: AlwaysAllow
  selector:
    matchLabels:
      {{- include "pixelflow.selectorLabels" . | nindent 6 }}
{{- end }}
{{- if $hpa }}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ $name }}
  labels:
    {{- include "pixelflow.componentLabels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ $name }}
  minReplicas: {{ int $autoscaling.minReplicas }}
  maxReplicas: {{ int $autoscaling.maxReplicas }}
  {{- if or $autoscaling.targetCPUUtilizationPercentage $autoscaling.targetMemoryUtilizationPercentage }}
  metrics:
    {{- with $autoscaling.targetCPUUtilizationPercentage }}
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ int . }}
    {{- end }}
    {{- with $autoscaling.targetMemoryUtilizationPercentage }}
    - type: Resource
      resource:
        name: memory
        target:
          type: Utilization
          averageUtilization: {{ int . }}
    {{- end }}
  {{- end }}
  {{- with $autoscaling.behavior }}
  behavior:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- end }}
