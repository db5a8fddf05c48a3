# One image for every Pixelflow service (the default target); the command picks the service:
#   docker run … pixelflow node gateway/src/main.ts
#   docker run … pixelflow node subgraphs/auth/src/main.ts
#   docker run … pixelflow node subgraphs/gallery/src/main.ts
#   docker run … pixelflow node subgraphs/jobs/src/main.ts
#   docker run … pixelflow node subgraphs/conversion/src/main.ts
#   docker run … -e CONVERTERS=grayscale pixelflow node converters/sharp/src/main.ts
# The AI converters (TensorFlow.js and their models) have images of their own, on native TensorFlow
# built by the project's own setup (packages/tfjs-backend/setup, `pnpm setup:tensorflow`) from PyPI
# wheels, never from Google's storage; amd64 (the wheels are x86-64):
#   --target ai       DeepDream and upscaling on tfjs-node against the tensorflow-cpu 2.18.1 wheel's
#                     C library (about 650 MB more)
#   --target ai-gpu   the same on tfjs-node-gpu against the tensorflow 2.18.1 wheel's (CUDA 12.5,
#                     cuDNN 9), with NVIDIA's CUDA 12 runtime wheels (about 3.8 GB more); on the
#                     plain Node base: only the driver (>= 525.60) comes from the host. Without a GPU
#                     it runs on the CPU through the same library.
#   docker run … pixelflow-ai node converters/deepdream/src/main.ts
#   docker run … pixelflow-ai node converters/upscale/src/main.ts
#   docker run --gpus all -v cuda-cache:/var/cache/cuda … pixelflow-ai-gpu node converters/upscale/src/main.ts
# Sources run as they are (Node 24 strips the types): there is no build step, only the install (and
# the AI images' native addon).
#
# Build: docker build -t pixelflow:0.1.0 .
#        docker build --target ai -t pixelflow-ai:0.1.0 .
#        docker build --target ai-gpu -t pixelflow-ai-gpu:0.1.0 .
#        docker build --target web -t pixelflow-web:0.1.0 .     the web app: static files under nginx
#
# Every base image is a build argument: the defaults are the public registry's, and `pnpm images`
# (scripts/images.ts) passes bases it makes on the machine (debootstrap + `docker import`, Node 24
# from the npm registry, Debian's nginx), where no registry but the package registries is reachable:
#   --build-arg NODE_IMAGE=local/node:24-bookworm-slim --build-arg NODE_BUILD_IMAGE=local/node:24-bookworm
#   --build-arg WEB_IMAGE=local/nginx:bookworm
# It needs BuildKit (the cache mounts of `RUN --mount`) and names no `# syntax=` frontend: that
# line makes BuildKit pull docker/dockerfile from Docker Hub before anything else, while the
# Dockerfile frontend built into the engine (Docker 20.10 and later) reads all this file uses.
# Docker 20.10's own CLI (Debian's docker.io) builds with DOCKER_BUILDKIT=1; newer CLIs want the
# buildx plugin for BuildKit, and their legacy builder (DOCKER_BUILDKIT=0) refuses `RUN --mount`.

ARG NODE_IMAGE=node:24-bookworm-slim
# The same Node on the full Debian image: python3, make and g++ for native TensorFlow's addon.
ARG NODE_BUILD_IMAGE=node:24-bookworm
# The web app's server: nginx that runs as a user (101), listens on 8080 and writes only under
# /tmp, its site in /etc/nginx/conf.d and its files in /usr/share/nginx/html.
ARG WEB_IMAGE=nginxinc/nginx-unprivileged:1.29-alpine

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

# --- tensorflow-build: where the AI images' native TensorFlow is built ------------------------------
# tfjs-node and tfjs-node-gpu are in deps-ai's node_modules (dependencies of @pixelflow/tfjs-backend)
# without their addon: their install scripts never run (pnpm-workspace.yaml, allowBuilds). The setup
# module downloads a TensorFlow wheel from PyPI with pip (into a cache mount: a rebuild downloads
# nothing, and the wheel stays out of the image), unpacks its C library under PIXELFLOW_CACHE and
# builds the package's addon from its own sources with node-gyp (npm's, beside Node: devDependencies
# are not installed), linked to that library by absolute path (the package's deps/lib). So the
# runtime stages copy the library to the same path. It exits 1, failing the build, when the addon
# does not load and compute.
FROM ${NODE_BUILD_IMAGE} AS tensorflow-build
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3-pip \
  && rm -rf /var/lib/apt/lists/*
ENV PIXELFLOW_CACHE=/opt/tensorflow
COPY --from=deps-ai /app /app
WORKDIR /app

# tfjs-node's addon against the tensorflow-cpu wheel (230 MB download, 650 MB unpacked).
FROM tensorflow-build AS tensorflow-cpu
RUN --mount=type=cache,id=tensorflow-wheels,target=/opt/tensorflow/wheels,sharing=locked \
  node packages/tfjs-backend/setup/native-tensorflow.ts

# tfjs-node-gpu's addon against the tensorflow wheel (616 MB download, 1.25 GB unpacked), and the CUDA
# 12 runtime wheels that wheel is pinned to (CUDA_WHEELS in the setup module; 1.7 GB download,
# 2.6 GB installed). No GPU here: the check runs on the CPU. /var/cache/cuda: the runtime stage's CUDA
# cache, made here so that it can be copied owned by the service user.
FROM tensorflow-build AS tensorflow-gpu
RUN --mount=type=cache,id=tensorflow-wheels,target=/opt/tensorflow/wheels,sharing=locked \
  node packages/tfjs-backend/setup/native-tensorflow.ts --gpu --cuda \
  && mkdir -p /var/cache/cuda

# --- web-build: the web app's static files ---------------------------------------------------------
FROM pnpm AS web-build
RUN --mount=type=cache,id=pnpm-store,target=/pnpm-store \
  pnpm install --frozen-lockfile --store-dir /pnpm-store --filter "@pixelflow/web..." \
  && pnpm --filter @pixelflow/web build

# --- web: the web app under nginx (unprivileged: runs as any user, writes only /tmp) --------------
FROM ${WEB_IMAGE} AS web
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

# --- ai: DeepDream and upscaling on native TensorFlow (CPU) -------------------------------------------
FROM base AS ai
# TensorFlow's info lines (CPU features, oneDNN) are no news.
ENV TF_CPP_MIN_LOG_LEVEL=2
# The C library where the addon's deps/lib links point (the include/ link dangles: headers are for
# the build only). Owned by root and read-only for the service user, like the services' image.
COPY --from=tensorflow-cpu /opt/tensorflow/tensorflow-cpu-2.18.1/lib /opt/tensorflow/tensorflow-cpu-2.18.1/lib
COPY --from=tensorflow-cpu /app /app
EXPOSE 5000
CMD ["node", "converters/deepdream/src/main.ts"]

# --- ai-gpu: DeepDream and upscaling on an NVIDIA GPU -------------------------------------------------
# The plain Node base, not a CUDA image: the CUDA 12 runtime comes from NVIDIA's PyPI wheels, which
# TensorFlow dlopens from LD_LIBRARY_PATH (every nvidia/*/lib folder: the library's RUNPATH, made for
# Python's site-packages, misses some); only libcuda.so.1 comes from the host's driver (>= 525.60 for
# CUDA 12.5), which the NVIDIA container runtime mounts when NVIDIA_DRIVER_CAPABILITIES asks for
# compute (its default is utility only; the CUDA images set it, this one must). The GPU is
# requested from the runtime (`docker run --gpus`, Kubernetes' nvidia.com/gpu), which sets
# NVIDIA_VISIBLE_DEVICES. Without one it runs on the CPU.
# TensorFlow's kernels carry machine code up to sm_89 and compute_90 PTX: on H100/H200 the driver
# compiles that PTX on first use (minutes) into CUDA_CACHE_PATH, kept there up to CUDA_CACHE_MAXSIZE
# (the default 256 MB does not hold it); a volume there (the chart's cudaCache) keeps it across restarts.
FROM base AS ai-gpu
ENV TF_CPP_MIN_LOG_LEVEL=2 \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility \
    CUDA_CACHE_PATH=/var/cache/cuda \
    CUDA_CACHE_MAXSIZE=4294967296 \
    LD_LIBRARY_PATH=/opt/tensorflow/cuda-tensorflow-2.18.1/nvidia/cublas/lib:/opt/tensorflow/cuda-tensorflow-2.18.1/nvidia/cuda_cupti/lib:/opt/tensorflow/cuda-tensorflow-2.18.1/nvidia/cuda_nvrtc/lib:/opt/tensorflow/cuda-tensorflow-2.18.1/nvidia/cuda_runtime/lib:/opt/tensorflow/cuda-tensorflow-2.18.1/nvidia/cudnn/lib:/opt/tensorflow/cuda-tensorflow-2.18.1/nvidia/cufft/lib:/opt/tensorflow/cuda-tensorflow-2.18.1/nvidia/curand/lib:/opt/tensorflow/cuda-tensorflow-2.18.1/nvidia/cusolver/lib:/opt/tensorflow/cuda-tensorflow-2.18.1/nvidia/cusparse/lib:/opt/tensorflow/cuda-tensorflow-2.18.1/nvidia/nccl/lib:/opt/tensorflow/cuda-tensorflow-2.18.1/nvidia/nvjitlink/lib
COPY --from=tensorflow-gpu /opt/tensorflow/tensorflow-2.18.1/lib /opt/tensorflow/tensorflow-2.18.1/lib
COPY --from=tensorflow-gpu /opt/tensorflow/cuda-tensorflow-2.18.1/nvidia /opt/tensorflow/cuda-tensorflow-2.18.1/nvidia
COPY --from=tensorflow-gpu --chown=1000:1000 /var/cache/cuda /var/cache/cuda
COPY --from=tensorflow-gpu /app /app
EXPOSE 5000
CMD ["node", "converters/deepdream/src/main.ts"]

# --- runtime (the default target): the gateway, the subgraphs and the sharp converters ---------------
FROM base AS runtime
# Owned by root and read-only for the service user; the chart also mounts the root filesystem
# read-only and gives /tmp (uploads are buffered there) an emptyDir.
COPY --from=deps /app /app
EXPOSE 4000 4001 4002 4003 4004 5000
CMD ["node", "gateway/src/main.ts"]
