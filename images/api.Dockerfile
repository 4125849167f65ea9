# LabelHive API (FastAPI). Build from the repository root:  make images  (or: docker build -f images/api.Dockerfile .)
# Runs `labelhive-api serve`; the operator's migration Job runs `labelhive-api migrate` with the same image.
# Base images are build arguments (defaults: the public ones); `make images IMAGE_BASES=local` passes Debian
# bases built on this machine (scripts/image-bases.sh).
ARG PYTHON_IMAGE=python:3.12-slim-bookworm
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9

FROM ${UV_IMAGE} AS uv

FROM ${PYTHON_IMAGE} AS build
# Set only where the build must trust a local CA (an intercepting proxy); make images passes the host's.
ARG SSL_CERT_FILE
# 1: no uv cache in the image (docker); make images passes 0 with buildah/podman, which mount the host's.
ARG UV_NO_CACHE=1
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PROJECT_ENVIRONMENT=/opt/venv UV_PYTHON_DOWNLOADS=never UV_PYTHON=python3
WORKDIR /src
COPY pyproject.toml uv.lock ./
COPY services/api services/api
# The outbound-request policy both services depend on (a workspace library).
COPY libs/outbound libs/outbound
# Every other workspace member's pyproject.toml: `uv sync --locked` checks the whole workspace against the lock.
COPY services/worker/pyproject.toml services/worker/pyproject.toml
COPY services/cli/pyproject.toml services/cli/pyproject.toml
COPY operator/pyproject.toml operator/pyproject.toml
COPY tests/harness/pyproject.toml tests/harness/pyproject.toml
# Only the API and its locked dependencies; no dev tools, no other service.
RUN uv sync --locked --no-dev --no-editable --package labelhive-api

FROM ${PYTHON_IMAGE}
RUN groupadd --system --gid 10001 labelhive && useradd --system --uid 10001 --gid 10001 --no-create-home labelhive
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    LABELHIVE_HOST=0.0.0.0 LABELHIVE_PORT=8000
USER 10001:10001
EXPOSE 8000
ENTRYPOINT ["labelhive-api"]
CMD ["serve"]
