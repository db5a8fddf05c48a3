# syntax=docker/dockerfile:1
#
# One image for every Pixelflow service (the default target); the command picks the service:
#   docker run … pixelflow node gateway/src/main.ts
#   docker run … pixelflow node subgraphs/auth/src/main.ts
#   docker run … pixelflow node subgraphs/gallery/src/main.ts
#   docker run … pixelflow node subgraphs/jobs/src/main.ts
#   docker run … pixelflow node subgraphs/conversion/src/main.ts
#   docker run … -e CONVERTERS=grayscale pixelflow node converters/sharp/src/main.ts
# The AI converters (TensorFlow.js and their models, about 300 MB more) have images of their own:
#   --target ai       DeepDream and upscaling on TensorFlow.js's WebAssembly backend (any CPU)
#   --target ai-gpu   the same on tfjs-node-gpu (libtensorflow with CUDA 11 and cuDNN 8), amd64
#   docker run … pixelflow-ai node converters/deepdream/src/main.ts
#   docker run … pixelflow-ai node converters/upscale/src/main.ts
# Sources run as they are (Node 24 strips the types): there is no build step, only the install.
#
# Build: docker build -t pixelflow:0.1.0 .
#        docker build --target ai -t pixelflow-ai:0.1.0 .
#        docker build --target ai-gpu -t pixelflow-ai-gpu:0.1.0 .
#        docker build --target web -t pixelflow-web:0.1.0 .     the web app: static files under nginx

ARG NODE_IMAGE=node:24-bookworm-slim
# CUDA 11.8 and cuDNN 8: what libtensorflow 2.9 under tfjs-node-gpu 4.22 was built for (11.2 and 8.1;
# CUDA keeps binary compatibility within a major version).
ARG CUDA_IMAGE=nvidia/cuda:11.8.0-cudnn8-runtime-ubuntu22.04

# --- pnpm: the workspace and the pnpm that package.json pins ---------------------------------------
FROM ${NODE_IMAGE} AS pnpm
WORKDIR /app

# tini is copied into the runtime stage (see ENTRYPOINT there); its static build needs no libraries.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*

# The pnpm that package.json pins (`engines.pnpm`), from the npm registry.
COPY package.json ./
RUN npm install --global --no-fund --no-audit "pnpm@$(node -p "require('./package.json').engines.pnpm")"

COPY . .

# --- deps: production node_modules for the services, nothing else ---------------------------------
FROM pnpm AS deps
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

# --- deps-ai: production node_modules for the AI converters -----------------------------------------
FROM pnpm AS deps-ai
# TensorFlow.js (its wasm backend's binaries included) and the models' packages (nsfwjs' InceptionV3,
# @upscalerjs/esrgan-*): every weight comes from the npm registry, nothing is fetched at run time.
RUN --mount=type=cache,id=pnpm-store,target=/pnpm-store \
  pnpm install --prod --frozen-lockfile --store-dir /pnpm-store \
    --filter "@pixelflow/converter-deepdream..." \
    --filter "@pixelflow/converter-upscale..."

# --- deps-ai-gpu: the same, plus tfjs-node-gpu ------------------------------------------------------
# Not a dependency in the lockfile: its install script downloads libtensorflow (about 400 MB with
# CUDA) from Google's storage, which a developer's or CI's offline install must not need. Installed
# here with npm into a directory of its own and linked into /app/node_modules, where the converters'
# backend choice (@pixelflow/tfjs-backend) imports it from. It registers its backend in the engine
# every @tensorflow/tfjs-core copy of a process shares (a global), so its own tfjs-core copy is
# harmless; its version must match the catalog's tfjs-core (pnpm-workspace.yaml).
# The full node image: should no prebuilt binding fit, node-pre-gyp compiles one.
FROM node:24-bookworm AS deps-ai-gpu
ARG TFJS_VERSION=4.22.0
RUN npm install --prefix /opt/tfjs-node-gpu --omit=dev --no-fund --no-audit \
    "@tensorflow/tfjs-node-gpu@${TFJS_VERSION}"
COPY --from=deps-ai /app /app
RUN mkdir -p /app/node_modules/@tensorflow \
  && ln -s /opt/tfjs-node-gpu/node_modules/@tensorflow/tfjs-node-gpu /app/node_modules/@tensorflow/tfjs-node-gpu

# --- web-build: the web app's static files ---------------------------------------------------------
FROM pnpm AS web-build
RUN --mount=type=cache,id=pnpm-store,target=/pnpm-store \
  pnpm install --frozen-lockfile --store-dir /pnpm-store --filter "@pixelflow/web..." \
  && pnpm --filter @pixelflow/web build

# --- web: the web app under nginx (unprivileged: runs as any user, writes only /tmp) --------------
FROM nginxinc/nginx-unprivileged:1.29-alpine AS web
COPY docker/nginx-web.conf /etc/nginx/conf.d/default.conf
COPY --from=web-build /app/web/dist /usr/share/nginx/html
EXPOSE 8080

# --- base: what every runtime image shares ------------------------------------------------------------
FROM ${NODE_IMAGE} AS base

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

COPY --from=pnpm /usr/bin/tini-static /usr/bin/tini
WORKDIR /app

# The `node` user of the base image, by number so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000

# tini as PID 1, not node: every service installs its own SIGTERM handler, but only once it has
# started (runMain registers it after start-up), and PID 1 ignores signals it has no handler for.
# With node as PID 1 a SIGTERM that arrives during start-up is lost and the pod waits out its whole
# grace period; under tini it ends node at once. tini also forwards signals and reaps zombies.
# No HEALTHCHECK: the port differs per service, and Kubernetes uses the chart's probes.
ENTRYPOINT ["/usr/bin/tini", "--"]

# --- ai: DeepDream and upscaling on the CPU -----------------------------------------------------------
FROM base AS ai
# Owned by root and read-only for the service user, like the services' image.
COPY --from=deps-ai /app /app
EXPOSE 5000
CMD ["node", "converters/deepdream/src/main.ts"]

# --- ai-gpu: DeepDream and upscaling on an NVIDIA GPU -------------------------------------------------
# The CUDA runtime image with Node copied in (the official build needs glibc 2.28; Ubuntu 22.04 has
# 2.35). Without a GPU in the container it runs on the CPU through libtensorflow.
FROM ${CUDA_IMAGE} AS ai-gpu
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2
COPY --from=base /usr/local/bin/node /usr/local/bin/node
COPY --from=pnpm /usr/bin/tini-static /usr/bin/tini
COPY --from=deps-ai-gpu /opt/tfjs-node-gpu /opt/tfjs-node-gpu
COPY --from=deps-ai-gpu /app /app
WORKDIR /app
USER 1000:1000
EXPOSE 5000
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "converters/deepdream/src/main.ts"]

# --- runtime (the default target): the gateway, the subgraphs and the sharp converters ---------------
FROM base AS runtime
# Owned by root and read-only for the service user; the chart also mounts the root filesystem
# read-only and gives /tmp (uploads are buffered there) an emptyDir.
COPY --from=deps /app /app
EXPOSE 4000 4001 4002 4003 4004 5000
CMD ["node", "gateway/src/main.ts"]
