# local/nginx:bookworm: what the Dockerfile's web stage takes from nginxinc/nginx-unprivileged, with
# Debian's nginx: runs as user 101, listens on 8080 (the site in /etc/nginx/conf.d), writes only
# under /tmp (pid and temporary files), logs to the container's output.
ARG DEBIAN_IMAGE=local/debian:bookworm
FROM ${DEBIAN_IMAGE}
RUN groupadd --system --gid 101 nginx \
  && useradd --system --uid 101 --gid nginx --no-create-home --home-dir /nonexistent --shell /bin/false nginx \
  && apt-get update \
  && apt-get install -y --no-install-recommends nginx-light \
  && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled /etc/nginx/sites-available \
  && mkdir -p /etc/nginx/conf.d /usr/share/nginx/html \
  && ln -sf /dev/stdout /var/log/nginx/access.log \
  && ln -sf /dev/stderr /var/log/nginx/error.log
COPY nginx.conf /etc/nginx/nginx.conf
COPY default.conf /etc/nginx/conf.d/default.conf
EXPOSE 8080
STOPSIGNAL SIGQUIT
USER 101
CMD ["nginx", "-g", "daemon off;"]
