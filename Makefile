# LabelHive developer entry points. `make help` lists them.
.DEFAULT_GOAL := help
SHELL := /bin/bash

UV_VERSION := 0.13.9
VENV := .venv
WORKER_VENV := .venv-worker
PY := $(VENV)/bin/python
UI := services/ui
export UV_VERSION

##@ Everyday

.PHONY: help
help: ## Show this help
	@awk 'BEGIN {FS = ":.*##"} /^[a-zA-Z0-9_-]+:.*?##/ { printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)

.PHONY: dev
dev: ## Run LabelHive on this machine: SQLite + local folder storage, no servers (Ctrl-C stops it)
	@bash scripts/bootstrap.sh dev
	@bash scripts/dev.sh

.PHONY: test
test: ## Install what the tests need (as root on Debian) and run every suite against real services
	@bash scripts/bootstrap.sh test-base
	@bash scripts/test.sh

.PHONY: fuzz
fuzz: ## Fuzz the API (schemathesis, admin/manager/annotator tokens, loopback) and print the number of 5xx (FUZZ_EXAMPLES, FUZZ_MAX_TIME)
	@bash scripts/bootstrap.sh test
	$(PY) tests/fuzz/fuzz.py

.PHONY: lint
lint: ## ruff, import rules (lint-imports) and mypy for Python, tsc + eslint for the UI
	@bash scripts/bootstrap.sh lint
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy services/api/labelhive_api services/worker/labelhive_worker services/cli/labelhive_cli operator/labelhive_operator tests/harness/labelhive_harness
	cd $(UI) && npm run --silent lint

.PHONY: fmt
fmt: ## Format Python sources with ruff
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

.PHONY: bench
bench: ## Run the benchmarks in bench/ (prints figures; never pass/fail on time)
	@bash scripts/bootstrap.sh test
	@bash scripts/bench.sh

.PHONY: clean
clean: ## Remove build outputs and environments (keeps the binary cache in ~/.cache/labelhive)
	rm -rf $(VENV) $(WORKER_VENV) $(UI)/node_modules $(UI)/dist .labelhive .pytest_cache .mypy_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

##@ Clusters

.PHONY: e2e-kind
e2e-kind: ## Run the end-to-end suite on a kind cluster (needs Docker and kind; not run in CI here)
	@command -v kind >/dev/null && command -v docker >/dev/null || { echo "e2e-kind needs docker and kind on PATH"; exit 2; }
	kind get clusters | grep -qx labelhive || kind create cluster --name labelhive
	KUBECONFIG=$$(mktemp) && kind get kubeconfig --name labelhive > $$KUBECONFIG && KUBECONFIG=$$KUBECONFIG $(VENV)/bin/pytest tests/e2e

##@ Images

IMAGE_REGISTRY ?= ghcr.io/labelhive
IMAGE_TAG ?= 0.1.0
CONTAINER_TOOL ?=
IMAGE_BASES ?=
export IMAGE_REGISTRY IMAGE_TAG CONTAINER_TOOL IMAGE_BASES

.PHONY: images
images: ## Build the api, ui, worker and operator images and print sizes (CONTAINER_TOOL=docker|podman|buildah, IMAGE_BASES=public|local, WORKER_VARIANT=cuda|cpu|onnx)
	@bash scripts/images.sh
