# LabelHive operator (kopf). Build from the repository root:  make images  (or: docker build -f images/operator.Dockerfile .)
# Base images are build arguments (defaults: the public ones); see images/api.Dockerfile.
ARG PYTHON_IMAGE=python:3.12-slim-bookworm
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9

FROM ${UV_IMAGE} AS uv

FROM ${PYTHON_IMAGE} AS build
ARG SSL_CERT_FILE
# 1: no uv cache in the image (docker); make images passes 0 with buildah/podman, which mount the host's.
ARG UV_NO_CACHE=1
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PROJECT_ENVIRONMENT=/opt/venv UV_PYTHON_DOWNLOADS=never UV_PYTHON=python3
WORKDIR /src
COPY pyproject.toml uv.lock ./
COPY operator operator
COPY libs/outbound/pyproject.toml libs/outbound/pyproject.toml
COPY services/api/pyproject.toml services/api/pyproject.toml
COPY services/worker/pyproject.toml services/worker/pyproject.toml
COPY services/cli/pyproject.toml services/cli/pyproject.toml
COPY tests/harness/pyproject.toml tests/harness/pyproject.toml
COPY libs/outbound/pyproject.toml libs/outbound/pyproject.toml
RUN uv sync --locked --no-dev --no-editable --package labelhive-operator

FROM ${PYTHON_IMAGE}
RUN groupadd --system --gid 10001 labelhive && useradd --system --uid 10001 --gid 10001 --no-create-home labelhive
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["labelhive-operator"]
