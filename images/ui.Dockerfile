# LabelHive UI: the Vite build served as static files on port 8080 by an unprivileged nginx.
# Build from the repository root:  make images  (or: docker build -f images/ui.Dockerfile .)
# NGINX_IMAGE must run nginx as a non-root user on port 8080 with its pid and temp files under /tmp and
# include /etc/nginx/conf.d/*.conf (nginxinc/nginx-unprivileged does; so does the local Debian base).
ARG NODE_IMAGE=node:20-bookworm-slim
ARG NGINX_IMAGE=nginxinc/nginx-unprivileged:1.27-alpine

FROM ${NODE_IMAGE} AS build
ARG NODE_EXTRA_CA_CERTS
WORKDIR /ui
COPY services/ui/package.json services/ui/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY services/ui ./
RUN npm run build
COPY images/ui-nginx.conf images/csp-script-hashes.mjs /conf/
RUN sed -i "s|__SCRIPT_HASHES__|$(node /conf/csp-script-hashes.mjs dist/index.html)|" /conf/ui-nginx.conf \
    && ! grep -q __SCRIPT_HASHES__ /conf/ui-nginx.conf

FROM ${NGINX_IMAGE}
COPY --from=build /conf/ui-nginx.conf /etc/nginx/conf.d/default.conf
COPY --from=build /ui/dist /usr/share/nginx/html
EXPOSE 8080
USER 101
