#!/usr/bin/env bash
# make images: build the api, ui, worker and operator images with docker, podman or buildah, then print
# their sizes and build times.
#   CONTAINER_TOOL  docker | podman | buildah (default: the first found of buildah, podman, docker)
#   IMAGE_BASES     public (Docker Hub / ghcr.io bases, the Dockerfiles' defaults) | local (Debian bases made
#                   here by scripts/image-bases.sh, no registry needed; needs root, buildah)
#                   default: local with buildah, public otherwise
#   IMAGE_REGISTRY, IMAGE_TAG  image names: $IMAGE_REGISTRY/<name>:$IMAGE_TAG
#   IMAGES          which to build (default: api ui worker operator)
#   WORKER_VARIANT  cuda (torch's CUDA 13 wheels from the lock; runs on CPU too) | cpu (PyTorch CPU wheels
#                   from TORCH_CPU_INDEX, tag <tag>-cpu) | onnx (MobileSAM on ONNX Runtime, PyPI only, no torch,
#                   tag <tag>-onnx); several separated by spaces build each, e.g. "cuda onnx"
#   IMAGE_PRUNE     1: remove untagged images afterwards (CI; keeps the disk from filling with old layers)
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGE_REGISTRY=${IMAGE_REGISTRY:-ghcr.io/labelhive}
IMAGE_TAG=${IMAGE_TAG:-0.1.0}
IMAGES=${IMAGES:-api ui worker operator}
WORKER_VARIANT=${WORKER_VARIANT:-cuda}
UV_VERSION=${UV_VERSION:-0.13.9}
for variant in $WORKER_VARIANT; do
  case "$variant" in cuda|cpu|onnx) ;; *) printf 'make images: WORKER_VARIANT=%s: use cuda, cpu or onnx\n' "$variant" >&2; exit 2;; esac
done
say() { printf '\033[1m[images]\033[0m %s\n' "$*"; }
die() { printf 'make images: %s\n' "$*" >&2; exit 2; }

tool=${CONTAINER_TOOL:-}
if [ -z "$tool" ] || [ "$tool" = auto ]; then
  for candidate in buildah podman docker; do
    command -v "$candidate" >/dev/null && { tool=$candidate; break; }
  done
fi
[ -n "$tool" ] || die "needs docker, podman or buildah on PATH (CONTAINER_TOOL=...)"
command -v "$tool" >/dev/null || die "needs $tool on PATH (or CONTAINER_TOOL=docker|podman|buildah)"
case "$tool" in docker|podman|buildah) ;; *) die "CONTAINER_TOOL=$tool: use docker, podman or buildah";; esac
bases=${IMAGE_BASES:-}
[ -n "$bases" ] && [ "$bases" != auto ] || { [ "$tool" = buildah ] && bases=local || bases=public; }

args=(--build-arg "UV_IMAGE=ghcr.io/astral-sh/uv:$UV_VERSION")
flags=()
if [ "$bases" = local ]; then
  [ "$tool" = buildah ] || die "IMAGE_BASES=local builds with buildah (CONTAINER_TOOL=buildah)"
  say "local Debian bases (scripts/image-bases.sh)"
  args=()
  while IFS= read -r line; do args+=(--build-arg "$line"); done < <(bash scripts/image-bases.sh)
  flags+=(--pull=never)
fi
if [ "$tool" != docker ]; then
  # buildah/podman can mount at build time: the host's CA bundle (a proxy's CA), and the uv and npm caches
  # (a warm machine does not download torch again). Docker builds download what they need.
  flags+=(--layers)
  [ "$tool" = buildah ] && export BUILDAH_ISOLATION=${BUILDAH_ISOLATION:-chroot}
  if [ -n "${SSL_CERT_FILE:-}" ] && [ -f "$SSL_CERT_FILE" ]; then
    flags+=(--volume "$SSL_CERT_FILE:/run/host-ca.pem:ro")
    args+=(--build-arg SSL_CERT_FILE=/run/host-ca.pem --build-arg NODE_EXTRA_CA_CERTS=/run/host-ca.pem)
  fi
  if command -v uv >/dev/null; then
    uv_cache=$(uv cache dir)
    mkdir -p "$uv_cache"
    flags+=(--volume "$uv_cache:/root/.cache/uv")
    args+=(--build-arg UV_NO_CACHE=0)
  fi
  mkdir -p "$HOME/.npm"
  flags+=(--volume "$HOME/.npm:/root/.npm")
fi

size_of() {
  if [ "$tool" = buildah ]; then
    buildah images --format '{{.Size}}' "$1" | head -n1
  else
    "$tool" image inspect --format '{{.Size}}' "$1" | awk '{printf "%.0f MB\n", $1 / 1e6}'
  fi
}

report=()
build() {  # build <image> <ref> [extra build arguments...]
  local image=$1 ref=$2 start
  shift 2
  say "$ref ($tool, $bases bases)"
  start=$(date +%s)
  "$tool" build "${flags[@]}" "${args[@]}" "$@" -f "images/$image.Dockerfile" -t "$ref" . \
    || die "building $ref failed"
  report+=("$(printf '%-45s %10s %6ss' "$ref" "$(size_of "$ref")" "$(( $(date +%s) - start ))")")
}
for image in $IMAGES; do
  ref="$IMAGE_REGISTRY/$image:$IMAGE_TAG"
  if [ "$image" != worker ]; then
    build "$image" "$ref"
    continue
  fi
  for variant in $WORKER_VARIANT; do
    case "$variant" in
      cuda) build worker "$ref" --build-arg TORCH_VARIANT=cuda ;;
      cpu) build worker "$ref-cpu" --build-arg TORCH_VARIANT=cpu \
        ${TORCH_CPU_INDEX:+--build-arg "TORCH_CPU_INDEX=$TORCH_CPU_INDEX"} ;;
      # The export stage reuses the cuda variant's torch layers (--layers); the image itself has no torch.
      onnx) build worker "$ref-onnx" --build-arg TORCH_VARIANT=cuda --target onnx ;;
    esac
  done
done
printf '\n%-45s %10s %7s\n' image size build
printf '%s\n' "${report[@]}"
if [ "${IMAGE_PRUNE:-0}" = 1 ] && [ "$tool" != docker ]; then
  # CI: drop the untagged images a rebuild leaves (the worker's are gigabytes); the uv and npm caches remain.
  "$tool" rmi --prune >/dev/null 2>&1 || true
fi
