{{/*
Names, labels and shared values. The Deployment + Service of every workload comes from
_workload.tpl; this file holds what that template and the per-service files share.
*/}}

{{- define "pixelflow.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's base name; every resource is called "<fullname>-<component>". */}}
{{- define "pixelflow.fullname" -}}
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

{{/* "<fullname>-<component>", within the 63 characters a Service name may have. */}}
{{- define "pixelflow.componentName" -}}
{{- printf "%s-%s" (include "pixelflow.fullname" .root) .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "pixelflow.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "pixelflow.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: pixelflow
{{- end }}

{{/* Selector labels of one component: root and component. Never change these on upgrade. */}}
{{- define "pixelflow.selectorLabels" -}}
app.kubernetes.io/name: {{ include "pixelflow.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "pixelflow.componentLabels" -}}
{{ include "pixelflow.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/*
The label of the Services that serve metrics (a port named `metrics`): the ServiceMonitor selects
them by it and the release's instance label, and not the release's other Services (the web app,
Redis, PostgreSQL, extraConverters), which have no such port. Argument: the root context.
*/}}
{{- define "pixelflow.metricsLabel" -}}
pixelflow/metrics: "true"
{{- end }}

{{- define "pixelflow.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "pixelflow.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The image of a workload: its own `image` when it has one (extra converters), else the chart's. */}}
{{- define "pixelflow.image" -}}
{{- $image := .image -}}
{{- $tag := default .root.Chart.AppVersion $image.tag | toString -}}
{{- if $image.digest -}}
{{- printf "%s@%s" $image.repository $image.digest -}}
{{- else -}}
{{- printf "%s:%s" $image.repository $tag -}}
{{- end -}}
{{- end }}

{{/* The cluster-internal base URL of a component's Service, e.g. http://pixelflow-jobs:4001. */}}
{{- define "pixelflow.serviceUrl" -}}
{{- printf "http://%s:%v" (include "pixelflow.componentName" .) (int .port) -}}
{{- end }}

{{/*
Deep merge of `src` into `dst` (which it changes). Unlike sprig's merge/mergeOverwrite, a false,
0 or "" in `src` wins over `dst`, so that a service can switch off what `defaults` switches on;
a null removes the key (e.g. resources: {limits: {cpu: null}}).
*/}}
{{- define "pixelflow.mergeInto" -}}
{{- $dst := .dst -}}
{{- range $key, $value := .src -}}
{{- if kindIs "invalid" $value -}}
{{- $_ := unset $dst $key -}}
{{- else if and (kindIs "map" $value) (kindIs "map" (get $dst $key)) -}}
{{- include "pixelflow.mergeInto" (dict "dst" (get $dst $key) "src" $value) -}}
{{- else -}}
{{- $_ := set $dst $key $value -}}
{{- end -}}
{{- end -}}
{{- end }}

{{/*
A workload's settings as YAML: `defaults`, then each of `layers` (a list of maps) on top.
Use: $cfg := include "pixelflow.settings" (dict "root" $ "layers" (list .Values.gateway)) | fromYaml
*/}}
{{- define "pixelflow.settings" -}}
{{- $settings := deepCopy .root.Values.defaults -}}
{{- range .layers -}}
{{- include "pixelflow.mergeInto" (dict "dst" $settings "src" (deepCopy (default dict .))) -}}
{{- end -}}
{{- toYaml $settings -}}
{{- end }}

{{/*
A value as an env var's string. Values files hold numbers as float64, which would print as
5.24288e+06; whole numbers print as integers.
*/}}
{{- define "pixelflow.envString" -}}
{{- if and (kindIs "float64" .) (eq (float64 (int64 .)) .) -}}
{{- int64 . -}}
{{- else -}}
{{- toString . -}}
{{- end -}}
{{- end }}

{{/*
The Secret holding INTERNAL_SECRET, REDIS_URL and DATABASE_URL (and the bundled PostgreSQL's
password), unless existing Secrets hold all three.
*/}}
{{- define "pixelflow.secretName" -}}
{{- include "pixelflow.fullname" . -}}
{{- end }}

{{- define "pixelflow.chartSecretNeeded" -}}
{{- if or (not .Values.internalSecret.existingSecret) (not .Values.redis.existingSecret) (not .Values.postgres.existingSecret) -}}
true
{{- end -}}
{{- end }}

{{/* env entries for INTERNAL_SECRET, as a map name → valueFrom. */}}
{{- define "pixelflow.internalSecretEnv" -}}
{{- $name := default (include "pixelflow.secretName" .) .Values.internalSecret.existingSecret -}}
{{- $key := ternary .Values.internalSecret.existingSecretKey "internal-secret" (not (empty .Values.internalSecret.existingSecret)) -}}
INTERNAL_SECRET:
  secretKeyRef:
    name: {{ $name }}
    key: {{ $key }}
{{- end }}

{{/* env entries for REDIS_URL and REDIS_KEY_PREFIX. */}}
{{- define "pixelflow.redisEnv" -}}
{{- $name := default (include "pixelflow.secretName" .) .Values.redis.existingSecret -}}
{{- $key := ternary .Values.redis.existingSecretKey "redis-url" (not (empty .Values.redis.existingSecret)) -}}
REDIS_URL:
  secretKeyRef:
    name: {{ $name }}
    key: {{ $key }}
REDIS_KEY_PREFIX: {{ .Values.redis.keyPrefix | quote }}
{{- end }}

{{/* The REDIS_URL the chart's Secret holds: the given one, or the bundled instance's. */}}
{{- define "pixelflow.redisUrl" -}}
{{- if .Values.redis.url -}}
{{- .Values.redis.url -}}
{{- else if .Values.redis.enabled -}}
{{- printf "redis://%s:%v" (include "pixelflow.componentName" (dict "root" . "component" "redis")) (int .Values.redis.port) -}}
{{- end -}}
{{- end }}

{{/* env entries for DATABASE_URL (auth and gallery), as a map name → valueFrom. */}}
{{- define "pixelflow.postgresEnv" -}}
{{- $name := default (include "pixelflow.secretName" .) .Values.postgres.existingSecret -}}
{{- $key := ternary .Values.postgres.existingSecretKey "database-url" (not (empty .Values.postgres.existingSecret)) -}}
DATABASE_URL:
  secretKeyRef:
    name: {{ $name }}
    key: {{ $key }}
{{- end }}

{{/*
The bundled PostgreSQL's password: postgres.password; else the one the chart's Secret holds already
(so that an upgrade keeps it: PostgreSQL only took it when it created its data directory); else a
new random one. Without access to a cluster (helm template, helm lint) lookup finds nothing, so
every render makes a new one there.
*/}}
{{- define "pixelflow.postgresPassword" -}}
{{- if .Values.postgres.password -}}
{{- .Values.postgres.password -}}
{{- else -}}
{{- $existing := lookup "v1" "Secret" .Release.Namespace (include "pixelflow.secretName" .) | default dict -}}
{{- $stored := dig "data" "postgres-password" "" $existing -}}
{{- if $stored -}}
{{- b64dec $stored -}}
{{- else -}}
{{- randAlphaNum 40 -}}
{{- end -}}
{{- end -}}
{{- end }}

{{/*
The DATABASE_URL the chart's Secret holds: postgres.url, or the bundled instance's with `password`
(percent-encoded: urlquery writes a space as "+", which a URL's user info would keep as a "+").
Arguments: root, password.
*/}}
{{- define "pixelflow.databaseUrl" -}}
{{- $values := .root.Values.postgres -}}
{{- if $values.url -}}
{{- $values.url -}}
{{- else if $values.enabled -}}
{{- $host := include "pixelflow.componentName" (dict "root" .root "component" "postgres") -}}
{{- printf "postgres://%s:%s@%s:%d/%s" $values.username (urlquery .password | replace "+" "%20") $host (int $values.port) $values.database -}}
{{- end -}}
{{- end }}

{{/*
The gateway's TRUST_PROXY: gateway.trustProxy when set (true, false, or addresses/CIDRs), else
whether the chart's Ingress is in front of it.
*/}}
{{- define "pixelflow.trustProxy" -}}
{{- $value := .Values.gateway.trustProxy -}}
{{- if kindIs "bool" $value -}}
{{- $value -}}
{{- else if and (kindIs "string" $value) $value -}}
{{- $value | nospace -}}
{{- else -}}
{{- ternary "true" "false" (eq .Values.gateway.ingress.enabled true) -}}
{{- end -}}
{{- end }}

{{/* The public base URL of the gateway, for resultUrl and the gallery's image URLs. */}}
{{- define "pixelflow.publicUrl" -}}
{{- if .Values.config.publicUrl -}}
{{- .Values.config.publicUrl | trimSuffix "/" -}}
{{- else if and .Values.gateway.ingress.enabled .Values.gateway.ingress.hosts (first .Values.gateway.ingress.hosts).host -}}
{{- $host := (first .Values.gateway.ingress.hosts).host -}}
{{- $tls := false -}}
{{- range .Values.gateway.ingress.tls -}}
{{- if has $host .hosts }}{{ $tls = true }}{{ end -}}
{{- end -}}
{{- printf "%s://%s" (ternary "https" "http" $tls) $host -}}
{{- else -}}
http://localhost:{{ int .Values.gateway.port }}
{{- end -}}
{{- end }}

{{/*
Every converter the conversion service knows, as a list of {id, url, component, ...}: one per entry
of `converters` (deployed here from the chart's image: each in its own Deployment, or with
converterDeployment=grouped all in converter-sharp, each under /<id>), then `extraConverters`
(deployed here from their own image, or only referenced by `url`). Fails on a duplicate id.
*/}}
{{- define "pixelflow.converterList" -}}
{{- $all := list -}}
{{- $seen := dict -}}
{{- $grouped := eq (toString .Values.converterDeployment) "grouped" -}}
{{- range .Values.converters -}}
{{- $entry := deepCopy . -}}
{{- if and $grouped (gt (len (omit $entry "id")) 0) -}}
{{- fail (printf "converters %q: with converterDeployment=grouped one Deployment serves every sharp converter, so an entry takes only an id (settings go in converterDefaults); it sets %s" (toString $entry.id) (keys (omit $entry "id") | sortAlpha | join ", ")) -}}
{{- end -}}
{{- $_ := set $entry "builtin" true -}}
{{- $_ = set $entry "grouped" $grouped -}}
{{- $all = append $all $entry -}}
{{- end -}}
{{- range $id := list "deepdream" "upscale" -}}
{{- $entry := get $.Values.aiConverters $id | default dict -}}
{{- if eq $entry.enabled true -}}
{{- $all = append $all (dict "id" $id "builtin" true "ai" true "grouped" false) -}}
{{- end -}}
{{- end -}}
{{- range .Values.extraConverters -}}
{{- $entry := deepCopy . -}}
{{- $_ := set $entry "builtin" false -}}
{{- $_ = set $entry "grouped" false -}}
{{- $all = append $all $entry -}}
{{- end -}}
{{- $out := list -}}
{{- range $all -}}
{{- $id := required "every entry of converters and extraConverters needs an id" .id | toString -}}
{{- if not (regexMatch "^[a-z0-9][a-z0-9-]{0,62}$" $id) -}}
{{- fail (printf "converter id %q: use a-z, 0-9 and -, starting with a letter or digit" $id) -}}
{{- end -}}
{{- if hasKey $seen $id -}}
{{- fail (printf "converter id %q is listed twice (converters, extraConverters and the enabled aiConverters together must name each id once)" $id) -}}
{{- end -}}
{{- $_ := set $seen $id true -}}
{{- $component := ternary "converter-sharp" (printf "converter-%s" $id) (eq .grouped true) -}}
{{- $deployed := or .builtin (not (empty .image)) -}}
{{- if and $grouped (eq $component "converter-sharp") (not .grouped) $deployed -}}
{{- fail (printf "extraConverters %q: its Deployment would be converter-sharp, the name of the grouped sharp converters (converterDeployment=grouped); pick another id" $id) -}}
{{- end -}}
{{- if and $deployed (gt (len $component) 63) -}}
{{- fail (printf "converter id %q is too long for a label (at most 53 characters for a converter this chart deploys)" $id) -}}
{{- end -}}
{{- if and (not $deployed) (empty .url) -}}
{{- fail (printf "extraConverters %q: give either url (a converter running elsewhere) or image (deployed by this chart)" $id) -}}
{{- end -}}
{{- if and .url .image -}}
{{- fail (printf "extraConverters %q: give url or image, not both" $id) -}}
{{- end -}}
{{- $port := ternary $.Values.converterDefaults.port (default 8080 .port) .builtin -}}
{{- $url := .url | default (include "pixelflow.serviceUrl" (dict "root" $ "component" $component "port" $port)) -}}
{{- if eq .grouped true -}}
{{- /* One process serves each of its converters under /<id>. */ -}}
{{- $url = printf "%s/%s" $url $id -}}
{{- end -}}
{{- $out = append $out (merge (dict "id" $id "component" $component "deployed" $deployed "port" $port "url" (trimSuffix "/" $url)) .) -}}
{{- end -}}
{{- toYaml (dict "converters" $out) -}}
{{- end }}

{{/*
The tracing collector's OTLP/HTTP base URL (tracing.endpoint, without a trailing /) while
tracing.enabled, else nothing; fails on a missing or unusable one. Argument: the root context.
*/}}
{{- define "pixelflow.tracingEndpoint" -}}
{{- $tracing := .Values.tracing | default dict -}}
{{- if eq $tracing.enabled true -}}
{{- $endpoint := required "tracing.enabled: set tracing.endpoint, the OpenTelemetry collector's OTLP/HTTP base URL (e.g. http://otel-collector.observability:4318; the processes append /v1/traces)" $tracing.endpoint | toString -}}
{{- if not (regexMatch "^https?://[^/]" $endpoint) -}}
{{- fail (printf "tracing.endpoint must start with http:// or https://, got %q" $endpoint) -}}
{{- end -}}
{{- if regexMatch "/v1/traces/?$" $endpoint -}}
{{- fail (printf "tracing.endpoint is the collector's base URL: the processes append /v1/traces themselves, so give %q" (regexReplaceAll "/v1/traces/?$" $endpoint "")) -}}
{{- end -}}
{{- trimSuffix "/" $endpoint -}}
{{- end -}}
{{- end }}

{{/*
The port the processes reach the collector on: that of tracing.endpoint, else 80 or 443 by its
scheme; 0 while tracing is off. Argument: the root context.
*/}}
{{- define "pixelflow.tracingPort" -}}
{{- $endpoint := include "pixelflow.tracingEndpoint" . -}}
{{- if $endpoint -}}
{{- $url := urlParse $endpoint -}}
{{- regexFind "[0-9]+$" (regexFind ":[0-9]+$" $url.host) | default (ternary "443" "80" (eq $url.scheme "https")) -}}
{{- else -}}
0
{{- end -}}
{{- end }}

{{/*
The tracing env of a process of the chart's images, as YAML (name: value): the collector's base
URL, the sampler, its ratio and the headers (name=value pairs, comma-separated, the values
percent-encoded as the processes decode them: urlquery writes a space as "+"). Empty while tracing
is off. Argument: the root context.
*/}}
{{- define "pixelflow.tracingEnv" -}}
{{- $endpoint := include "pixelflow.tracingEndpoint" . -}}
{{- if $endpoint -}}
{{- $tracing := .Values.tracing -}}
{{- $env := dict "OTEL_EXPORTER_OTLP_ENDPOINT" $endpoint -}}
{{- if not (kindIs "invalid" $tracing.sampler) -}}
{{- $_ := set $env "OTEL_TRACES_SAMPLER" (toString $tracing.sampler) -}}
{{- end -}}
{{- if not (kindIs "invalid" $tracing.ratio) -}}
{{- $_ := set $env "OTEL_TRACES_SAMPLER_ARG" (include "pixelflow.envString" $tracing.ratio) -}}
{{- end -}}
{{- with $tracing.headers -}}
{{- $pairs := list -}}
{{- range $name, $value := . -}}
{{- $pairs = append $pairs (printf "%s=%s" $name (urlquery (toString $value) | replace "+" "%20")) -}}
{{- end -}}
{{- $_ := set $env "OTEL_EXPORTER_OTLP_HEADERS" (join "," $pairs) -}}
{{- end -}}
{{- toYaml $env -}}
{{- end -}}
{{- end }}

{{/* The conversion service's CONVERTERS: id=url pairs, comma-separated. */}}
{{- define "pixelflow.convertersEnv" -}}
{{- $pairs := list -}}
{{- range (include "pixelflow.converterList" . | fromYaml).converters -}}
{{- $pairs = append $pairs (printf "%s=%s" .id .url) -}}
{{- end -}}
{{- join "," $pairs -}}
{{- end }}

{{/* Checks of values that no single template owns; included once, from secret.yaml. */}}
{{- define "pixelflow.validate" -}}
{{- $secret := required "internalSecret: set internalSecret.value (at least 32 characters, e.g. --set internalSecret.value=$(openssl rand -hex 32)) or internalSecret.existingSecret (the name of a Secret holding it under internalSecret.existingSecretKey); the chart has no default on purpose" (coalesce .Values.internalSecret.existingSecret .Values.internalSecret.value) -}}
{{- if and (not .Values.internalSecret.existingSecret) (lt (len .Values.internalSecret.value) 32) -}}
{{- fail "internalSecret.value must be at least 32 characters (e.g. openssl rand -hex 32)" -}}
{{- end -}}
{{- $redis := required "redis: set redis.url (e.g. redis://:password@redis.example:6379/0), redis.existingSecret (a Secret holding the URL under redis.existingSecretKey), or redis.enabled=true for a single bundled instance (for trying it out only)" (coalesce .Values.redis.existingSecret .Values.redis.url (ternary "bundled" "" (eq .Values.redis.enabled true))) -}}
{{- if and .Values.redis.url (not (regexMatch "^rediss?://" .Values.redis.url)) -}}
{{- fail (printf "redis.url must start with redis:// or rediss://, got %q" .Values.redis.url) -}}
{{- end -}}
{{- if and .Values.redis.enabled (or .Values.redis.url .Values.redis.existingSecret) -}}
{{- fail "redis.enabled deploys a bundled Redis: leave redis.url and redis.existingSecret empty with it" -}}
{{- end -}}
{{- $postgres := required "postgres: set postgres.url (e.g. postgres://pixelflow:password@postgres.example:5432/pixelflow), postgres.existingSecret (a Secret holding the URL under postgres.existingSecretKey), or postgres.enabled=true for a single bundled instance (for trying it out only); the auth and gallery services keep their data there" (coalesce .Values.postgres.existingSecret .Values.postgres.url (ternary "bundled" "" (eq .Values.postgres.enabled true))) -}}
{{- if and .Values.postgres.url (not (regexMatch "^postgres(ql)?://" .Values.postgres.url)) -}}
{{- fail (printf "postgres.url must start with postgres:// or postgresql://, got %q" .Values.postgres.url) -}}
{{- end -}}
{{- if and .Values.postgres.enabled (or .Values.postgres.url .Values.postgres.existingSecret) -}}
{{- fail "postgres.enabled deploys a bundled PostgreSQL: leave postgres.url and postgres.existingSecret empty with it" -}}
{{- end -}}
{{- if .Values.postgres.enabled -}}
{{- range $field := list "username" "database" -}}
{{- if not (regexMatch "^[a-z_][a-z0-9_]{0,62}$" (toString (get $.Values.postgres $field))) -}}
{{- fail (printf "postgres.%s must be a plain PostgreSQL name (a-z, 0-9 and _, not starting with a digit), got %q" $field (toString (get $.Values.postgres $field))) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $trust := .Values.gateway.trustProxy -}}
{{- if not (or (kindIs "bool" $trust) (kindIs "string" $trust) (kindIs "invalid" $trust)) -}}
{{- fail (printf "gateway.trustProxy must be true, false, or addresses/CIDRs as a string, got %v" $trust) -}}
{{- end -}}
{{- if and .Values.config.publicUrl (not (regexMatch "^https?://" .Values.config.publicUrl)) -}}
{{- fail (printf "config.publicUrl must start with http:// or https://, got %q" .Values.config.publicUrl) -}}
{{- end -}}
{{- $_ := include "pixelflow.tracingEndpoint" . -}}
{{- if eq (len (include "pixelflow.convertersEnv" .)) 0 -}}
{{- fail "no converter: list at least one in converters or extraConverters" -}}
{{- end -}}
{{- end }}

{{/*
How KEDA reaches the Redis that holds the conversion queue, as YAML: address (host:port; a short
host name gets the release's namespace, <name>.<namespace>.svc, for KEDA's operator elsewhere),
databaseIndex, enableTLS, and password/username when the chart's Secret must carry them for
KEDA's TriggerAuthentication (passwordSecret/usernameSecret: {name, key} of a Secret that does).
conversion.keda.redis.address wins; else the bundled Redis; else redis.url, read here. With
redis.existingSecret the URL is out of the chart's sight: the address must be given.
*/}}
{{- define "pixelflow.kedaRedis" -}}
{{- $keda := .Values.conversion.keda.redis -}}
{{- $out := dict "databaseIndex" 0 "enableTLS" false -}}
{{- if $keda.address -}}
{{- $_ := set $out "address" $keda.address -}}
{{- $_ = set $out "databaseIndex" (int ($keda.databaseIndex | default 0)) -}}
{{- $_ = set $out "enableTLS" (eq $keda.enableTLS true) -}}
{{- with $keda.passwordSecret -}}{{- if .name -}}
{{- $_ := set $out "passwordSecret" (dict "name" .name "key" .key) -}}
{{- end -}}{{- end -}}
{{- with $keda.usernameSecret -}}{{- if .name -}}
{{- $_ := set $out "usernameSecret" (dict "name" .name "key" .key) -}}
{{- end -}}{{- end -}}
{{- else if .Values.redis.enabled -}}
{{- $_ := set $out "address" (printf "%s:%d" (include "pixelflow.componentName" (dict "root" . "component" "redis")) (int .Values.redis.port)) -}}
{{- else if .Values.redis.url -}}
{{- $url := urlParse .Values.redis.url -}}
{{- $host := $url.host -}}
{{- if not (regexMatch ":[0-9]+$" $host) -}}
{{- $host = printf "%s:6379" $host -}}
{{- end -}}
{{- $_ := set $out "address" $host -}}
{{- $_ = set $out "enableTLS" (eq $url.scheme "rediss") -}}
{{- $db := trimPrefix "/" $url.path -}}
{{- if $db -}}
{{- if not (regexMatch "^[0-9]+$" $db) -}}
{{- fail (printf "conversion.keda: the database of redis.url must be a number, got %q" $db) -}}
{{- end -}}
{{- $_ := set $out "databaseIndex" (atoi $db) -}}
{{- end -}}
{{- if $url.userinfo -}}
{{- $user := $url.userinfo -}}
{{- $password := "" -}}
{{- if contains ":" $url.userinfo -}}
{{- $user = regexReplaceAll ":.*$" $url.userinfo "" -}}
{{- $password = regexReplaceAll "^[^:]*:" $url.userinfo "" -}}
{{- end -}}
{{- if contains "%" $url.userinfo -}}
{{- fail "conversion.keda: the user or password of redis.url is percent-encoded, which the chart cannot decode for KEDA: put the password in a Secret and name it in conversion.keda.redis.passwordSecret (with conversion.keda.redis.address)" -}}
{{- end -}}
{{- if $password -}}
{{- $_ := set $out "password" $password -}}
{{- $_ = set $out "passwordSecret" (dict "name" (include "pixelflow.secretName" .) "key" "redis-password") -}}
{{- end -}}
{{- if and $user (ne $user "default") -}}
{{- $_ := set $out "username" $user -}}
{{- $_ = set $out "usernameSecret" (dict "name" (include "pixelflow.secretName" .) "key" "redis-username") -}}
{{- end -}}
{{- end -}}
{{- else -}}
{{- fail "conversion.keda.enabled with redis.existingSecret: KEDA cannot read the Redis URL inside that Secret; set conversion.keda.redis.address (host:port) and, where Redis needs a password, conversion.keda.redis.passwordSecret (the name and key of a Secret holding it)" -}}
{{- end -}}
{{- /* KEDA's operator runs in a namespace of its own: a Service's short name needs the release's. */ -}}
{{- $hostPort := regexFind "^[^:]+" $out.address -}}
{{- if not (contains "." $hostPort) -}}
{{- $_ := set $out "address" (printf "%s.%s.svc%s" $hostPort .Release.Namespace (trimPrefix $hostPort $out.address)) -}}
{{- end -}}
{{- toYaml $out -}}
{{- end }}
