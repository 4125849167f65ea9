# LabelHive operator (kopf). Build from the repository root:  docker build -f images/operator.Dockerfile -t labelhive/operator .
ARG PYTHON_IMAGE=python:3.12-slim-bookworm
ARG UV_VERSION=0.9.9

FROM ghcr.io/astral-sh/uv:${UV_VERSION} AS uv

FROM ${PYTHON_IMAGE} AS build
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PROJECT_ENVIRONMENT=/opt/venv UV_PYTHON_DOWNLOADS=never
WORKDIR /src
COPY pyproject.toml uv.lock ./
COPY operator operator
COPY libs/outbound/pyproject.toml libs/outbound/pyproject.toml
COPY services/api/pyproject.toml services/api/pyproject.toml
COPY services/worker/pyproject.toml services/worker/pyproject.toml
COPY tests/harness/pyproject.toml tests/harness/pyproject.toml
RUN uv sync --locked --no-dev --no-editable --package labelhive-operator

FROM ${PYTHON_IMAGE}
RUN groupadd --system --gid 10001 labelhive && useradd --system --uid 10001 --gid 10001 --no-create-home labelhive
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["labelhive-operator"]
