# syntax=docker/dockerfile:1
#
# One image for every Pixelflow service; the command picks the service:
#   docker run … pixelflow node gateway/src/main.ts
#   docker run … pixelflow node subgraphs/auth/src/main.ts
#   docker run … pixelflow node subgraphs/gallery/src/main.ts
#   docker run … pixelflow node subgraphs/jobs/src/main.ts
#   docker run … pixelflow node subgraphs/conversion/src/main.ts
#   docker run … -e CONVERTERS=grayscale pixelflow node converters/sharp/src/main.ts
# Sources run as they are (Node 24 strips the types): there is no build step, only the install.
#
# Build: docker build -t pixelflow:0.1.0 .

ARG NODE_IMAGE=node:24-bookworm-slim

# --- deps: production node_modules for the services, nothing else ---------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app

# tini is copied into the runtime stage (see ENTRYPOINT there); its static build needs no libraries.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*

# The pnpm that package.json pins (`engines.pnpm`), from the npm registry.
COPY package.json ./
RUN npm install --global --no-fund --no-audit "pnpm@$(node -p "require('./package.json').engines.pnpm")"

COPY . .
# Only the services and the packages they use (.dockerignore already leaves out the e2e, bench and
# launcher projects; e2e lists vitest among its dependencies). sharp's install script runs because
# pnpm-workspace.yaml allows it and only picks its prebuilt libvips; argon2's does not run (see
# allowBuilds there): its package ships the binary (prebuilds/, glibc, x64 and arm64), which it
# loads at run time. So no compiler is needed. The store lives in a cache mount: rebuilds after a
# source change download nothing, and the store stays out of the image.
RUN --mount=type=cache,id=pnpm-store,target=/pnpm-store \
  pnpm install --prod --frozen-lockfile --store-dir /pnpm-store \
    --filter "@pixelflow/gateway..." \
    --filter "@pixelflow/auth..." \
    --filter "@pixelflow/gallery..." \
    --filter "@pixelflow/jobs..." \
    --filter "@pixelflow/conversion..." \
    --filter "@pixelflow/converter-sharp..."

# --- runtime ----------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime

# MALLOC_ARENA_MAX=2: glibc's per-thread malloc arenas fragment under libvips' threads (sharp's
# documented advice); two arenas keep the resident size of the converters far lower.
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    APOLLO_TELEMETRY_DISABLED=1

# Package managers have no business at run time; removing them keeps them out of the running
# filesystem (and out of scanners' reports).
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
    /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /opt/yarn-* \
    /usr/local/bin/yarn /usr/local/bin/yarnpkg

COPY --from=deps /usr/bin/tini-static /usr/bin/tini
WORKDIR /app
# Owned by root and read-only for the service user; the chart also mounts the root filesystem
# read-only and gives /tmp (uploads are buffered there) an emptyDir.
COPY --from=deps /app /app

# The `node` user of the base image, by number so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000

EXPOSE 4000 4001 4002 4003 4004 5000

# tini as PID 1, not node: every service installs its own SIGTERM handler, but only once it has
# started (runMain registers it after start-up), and PID 1 ignores signals it has no handler for.
# With node as PID 1 a SIGTERM that arrives during start-up is lost and the pod waits out its whole
# grace period; under tini it ends node at once. tini also forwards signals and reaps zombies.
# No HEALTHCHECK: the port differs per service, and Kubernetes uses the chart's probes.
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "gateway/src/main.ts"]
