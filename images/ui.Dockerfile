# LabelHive UI: the Vite build served as static files on port 8080 by an unprivileged nginx.
# Build from the repository root:  docker build -f images/ui.Dockerfile -t labelhive/ui .
ARG NODE_IMAGE=node:20-bookworm-slim
ARG NGINX_IMAGE=nginxinc/nginx-unprivileged:1.27-alpine

FROM ${NODE_IMAGE} AS build
WORKDIR /ui
COPY services/ui/package.json services/ui/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY services/ui ./
RUN npm run build

FROM ${NGINX_IMAGE}
COPY images/ui-nginx.conf /etc/nginx/conf.d/default.conf
COPY --from=build /ui/dist /usr/share/nginx/html
EXPOSE 8080
USER 101
