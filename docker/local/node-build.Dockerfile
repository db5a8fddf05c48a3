# local/node:24-bookworm: the slim local Node with what the public node:24-bookworm adds that the
# Dockerfile's build stages use: python3 with pip, make and g++ (native TensorFlow's addon, node-gyp),
# git and curl.
ARG NODE_IMAGE=local/node:24-bookworm-slim
FROM ${NODE_IMAGE}
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 python3-pip make g++ git curl \
  && rm -rf /var/lib/apt/lists/*
# pip trusts the system's authorities (the machine's own included), as npm does through Node.
ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt
