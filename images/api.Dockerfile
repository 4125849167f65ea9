# LabelHive API (FastAPI). Build from the repository root:  docker build -f images/api.Dockerfile -t labelhive/api .
# Runs `labelhive-api serve`; the operator's migration Job runs `labelhive-api migrate` with the same image.
ARG PYTHON_IMAGE=python:3.12-slim-bookworm
ARG UV_VERSION=0.9.9

FROM ghcr.io/astral-sh/uv:${UV_VERSION} AS uv

FROM ${PYTHON_IMAGE} AS build
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PROJECT_ENVIRONMENT=/opt/venv UV_PYTHON_DOWNLOADS=never
WORKDIR /src
COPY pyproject.toml uv.lock ./
COPY services/api services/api
# The outbound-request policy both services depend on (a workspace library).
COPY libs/outbound libs/outbound
COPY services/worker/pyproject.toml services/worker/pyproject.toml
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
