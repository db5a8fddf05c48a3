# local/redis:7-bookworm: Debian's redis-server (7.0) as the public redis image runs it, as its user
# 999 in /data, for compose.yaml where no public registry is reachable (REDIS_IMAGE).
ARG DEBIAN_IMAGE=local/debian:bookworm
FROM ${DEBIAN_IMAGE}
RUN groupadd --system --gid 999 redis \
  && useradd --system --uid 999 --gid redis --home-dir /data --shell /usr/sbin/nologin redis \
  && apt-get update \
  && apt-get install -y --no-install-recommends redis-server \
  && rm -rf /var/lib/apt/lists/* \
  && mkdir -p /data && chown redis:redis /data
WORKDIR /data
VOLUME /data
USER 999
EXPOSE 6379
CMD ["redis-server", "--protected-mode", "no"]
