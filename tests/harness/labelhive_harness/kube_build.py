"""Build the test control plane (etcd, Kubernetes, kwok), helm and a real node's programs (kubelet, kube-proxy,
CoreDNS, Traefik, a pause binary) from the Go module proxy into the cache.

Run `python -m labelhive_harness.kube_build [--node]` (idempotent: a warm cache only checks the binaries exist).
Binaries land in ~/.cache/labelhive/kube/<component>-<version>[-<hash of its source edits>]/<component>.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .common import HarnessError, cache_dir

KUBE_VERSION = "v1.34.4"
ETCD_VERSION = "v3.6.4"  # the etcd that KUBE_VERSION pins and is tested with; same module shares compile work
KWOK_VERSION = "v0.7.0"
HELM_VERSION = "v3.22.0"
# helm's default .Capabilities.KubeVersion: 1.<minor of its client-go>, as helm's own Makefile sets it
HELM_KUBE_MINOR = "37"
COREDNS_VERSION = "v1.15.0"
TRAEFIK_VERSION = "v3.6.12"  # v3.7 needs a nested module (dynamic/ext) that the Go proxy does not serve
PAUSE_VERSION = "v1"  # our own pause program (pause.go below); bump when it changes


@dataclass(frozen=True)
class Component:
    name: str
    version: str
    package: str  # Go main package to build
    gomod: str  # Go module that package comes from, whose resolved version must equal `version`

    @property
    def go_output(self) -> str:
        """The file name `go build -o dir/` gives this package (a /vN suffix is skipped)."""
        parts = self.package.split("/")
        return parts[-2] if re.fullmatch(r"v\d+", parts[-1]) else parts[-1]


@dataclass(frozen=True)
class SourceEdit:
    """A text replacement in a module's copy before it is built; `old` must occur exactly once (a new version
    that no longer matches fails the build loudly instead of building something else)."""

    path: str
    old: str
    new: str


@dataclass(frozen=True)
class GoModule:
    """One throwaway Go module: one `go build` for all its components, so shared packages compile once."""

    name: str
    version: str
    components: tuple[Component, ...]
    requires: tuple[str, ...]
    ldflags: str
    group: str = "control-plane"  # "node": only the real-node harness (tests/realpods) needs it
    # Build inside a copy of this module itself (its own replace/exclude lines and go.sum apply), not from a
    # throwaway module requiring it: for programs whose go.mod relies on replaces (Traefik).
    main_module: str = ""
    # Edits of that copy: packages the tests never use and that cost most of the build (see TRAEFIK_EDITS).
    edits: tuple[SourceEdit, ...] = ()


def _kube_ldflags() -> str:
    major, minor = KUBE_VERSION[1:].split(".")[:2]
    values = {
        "gitVersion": KUBE_VERSION,
        "gitMajor": major,
        "gitMinor": minor,
        "gitTreeState": "clean",
        "buildDate": "1970-01-01T00:00:00Z",
    }  # fixed date keeps rebuilds reproducible
    pkgs = ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version")
    return " ".join(f"-X {pkg}.{key}={val}" for pkg in pkgs for key, val in values.items())


K8S = "k8s.io/kubernetes"
# Traefik's ACME provider imports lego's ~150 DNS-01 challenge providers, each with its cloud's SDK (Azure,
# Google, Huawei, Yandex, ...): 847 of the 2,201 packages a cold build compiles. The harness serves plain HTTP
# and never asks for a certificate, so its Traefik is built without them; asking for a DNS challenge fails.
TRAEFIK_EDITS = (
    SourceEdit("pkg/provider/acme/provider.go", '\t"github.com/go-acme/lego/v4/providers/dns"\n', ""),
    SourceEdit(
        "pkg/provider/acme/provider.go",
        "provider, err = dns.NewDNSChallengeProviderByName(p.DNSChallenge.Provider)",
        'err = errors.New("this Traefik is built without ACME DNS-01 providers (LabelHive test harness)")',
    ),
)
# CoreDNS's main package imports all of its ~60 plugins (cloud DNS providers with their SDKs, tracing, dnstap,
# etcd, ...). The node's Corefile (node_addons.py) uses five: its CoreDNS is built with those alone, and a Corefile
# naming any other plugin fails to start with "unknown directive".
COREDNS_PLUGINS = ("bind", "errors", "ready", "kubernetes", "template")
COREDNS_EDITS = (
    SourceEdit(
        "coredns.go",
        '\t_ "github.com/coredns/coredns/core/plugin" // Plug in CoreDNS.\n',
        "".join(f'\t_ "github.com/coredns/coredns/plugin/{name}"\n' for name in COREDNS_PLUGINS),
    ),
)
# The order `ensure_binaries` builds in: the control plane first (tests/e2e needs it), the real node's after.
MODULES = (
    GoModule(
        "kubernetes",
        KUBE_VERSION,
        (
            Component("kube-apiserver", KUBE_VERSION, "k8s.io/kubernetes/cmd/kube-apiserver", K8S),
            Component(
                "kube-controller-manager", KUBE_VERSION, "k8s.io/kubernetes/cmd/kube-controller-manager", K8S
            ),
            Component("kube-scheduler", KUBE_VERSION, "k8s.io/kubernetes/cmd/kube-scheduler", K8S),
            Component("kubectl", KUBE_VERSION, "k8s.io/kubernetes/cmd/kubectl", K8S),
            Component("etcd", ETCD_VERSION, "go.etcd.io/etcd/server/v3", "go.etcd.io/etcd/server/v3"),
        ),
        (f"k8s.io/kubernetes@{KUBE_VERSION}", f"go.etcd.io/etcd/server/v3@{ETCD_VERSION}"),
        _kube_ldflags(),
    ),
    GoModule(
        "kwok",
        KWOK_VERSION,
        (Component("kwok", KWOK_VERSION, "sigs.k8s.io/kwok/cmd/kwok", "sigs.k8s.io/kwok"),),
        (f"sigs.k8s.io/kwok@{KWOK_VERSION}",),
        f"-X sigs.k8s.io/kwok/pkg/consts.Version={KWOK_VERSION[1:]} "
        f"-X sigs.k8s.io/kwok/pkg/consts.KubeVersion={KUBE_VERSION[1:]}",
    ),
    GoModule(
        "helm",
        HELM_VERSION,
        (Component("helm", HELM_VERSION, "helm.sh/helm/v3/cmd/helm", "helm.sh/helm/v3"),),
        (f"helm.sh/helm/v3@{HELM_VERSION}",),
        f"-X helm.sh/helm/v3/internal/version.version={HELM_VERSION} -X helm.sh/helm/v3/internal/version.metadata= "
        f"-X helm.sh/helm/v3/internal/version.gitTreeState=clean "
        + " ".join(
            f"-X helm.sh/helm/v3/pkg/{p}.k8sVersion{k}={v}"
            for p in ("lint/rules", "chartutil")
            for k, v in (("Major", "1"), ("Minor", HELM_KUBE_MINOR))
        ),
    ),
    GoModule(
        "kubernetes-node",
        KUBE_VERSION,
        (
            Component("kubelet", KUBE_VERSION, "k8s.io/kubernetes/cmd/kubelet", K8S),
            Component("kube-proxy", KUBE_VERSION, "k8s.io/kubernetes/cmd/kube-proxy", K8S),
        ),
        (f"k8s.io/kubernetes@{KUBE_VERSION}",),
        _kube_ldflags(),
        group="node",
    ),
    GoModule(
        "coredns",
        COREDNS_VERSION,
        (Component("coredns", COREDNS_VERSION, "github.com/coredns/coredns", "github.com/coredns/coredns"),),
        (),
        "",
        group="node",
        main_module=f"github.com/coredns/coredns@{COREDNS_VERSION}",
        edits=COREDNS_EDITS,
    ),
    GoModule(
        "traefik",
        TRAEFIK_VERSION,
        (
            Component(
                "traefik",
                TRAEFIK_VERSION,
                "github.com/traefik/traefik/v3/cmd/traefik",
                "github.com/traefik/traefik/v3",
            ),
        ),
        (),
        f"-X github.com/traefik/traefik/v3/pkg/version.Version={TRAEFIK_VERSION}",
        group="node",
        main_module=f"github.com/traefik/traefik/v3@{TRAEFIK_VERSION}",
        edits=TRAEFIK_EDITS,
    ),
)


def kube_cache() -> Path:
    return cache_dir("kube")


def binary_path(name: str) -> Path:
    """Where the cached binary of a component lives (it may not exist yet): keyed by version, and by the source
    edits it was built with, so changing an edit rebuilds it."""
    for module in MODULES:
        for component in module.components:
            if component.name == name:
                key = f"{name}-{component.version}"
                if module.edits:
                    key += "-" + hashlib.sha256(repr(module.edits).encode()).hexdigest()[:8]
                return kube_cache() / key / name
    raise KeyError(name)


CONTROL_PLANE = ("control-plane",)
ALL = ("control-plane", "node")


def _go_env() -> dict[str, str]:
    if not shutil.which("go"):
        raise HarnessError("'go' is not on PATH: install Go >= 1.24 to build the Kubernetes test binaries")
    # No toolchain switching, no cgo: static binaries from the module proxy only.
    return dict(os.environ, GOTOOLCHAIN="local", CGO_ENABLED="0", GOWORK="off", GOFLAGS="-buildvcs=false")


def _go(args: list[str], work: Path, log: BinaryIO) -> str:
    """Run `go args...` in the throwaway module, logging the command and its stderr; returns stdout."""
    log.write(f"$ go {' '.join(args)}\n".encode())
    log.flush()
    return subprocess.run(
        ["go", *args], cwd=work, env=_go_env(), stdout=subprocess.PIPE, stderr=log, text=True, check=True
    ).stdout


def _staging_replaces(work: Path, log: BinaryIO) -> list[str]:
    """k8s.io/kubernetes points its staging modules at local paths; point them at the published v0.Y.Z."""
    out = _go(["mod", "download", "-json", f"k8s.io/kubernetes@{KUBE_VERSION}"], work, log)
    found = re.search(r'"GoMod":\s*"([^"]+)"', out)
    gomod = Path(found.group(1)).read_text() if found else ""
    staging = re.findall(r"^\s*(k8s\.io/[\w.-]+)\s+=>\s+\./staging/", gomod, re.M)
    if not staging:
        raise RuntimeError(f"no staging replace lines found in k8s.io/kubernetes@{KUBE_VERSION} go.mod")
    return [f"-replace={m}={m}@v0{KUBE_VERSION[2:]}" for m in staging]


def apply_edits(src: Path, edits: tuple[SourceEdit, ...]) -> None:
    for edit in edits:
        path = src / edit.path
        text = path.read_text()
        if text.count(edit.old) != 1:
            raise RuntimeError(
                f"source edit of {edit.path} does not match once (new version? see SourceEdit)"
            )
        path.write_text(text.replace(edit.old, edit.new))


def _main_module_copy(module: GoModule, work: Path, log: BinaryIO) -> Path:
    """A writable copy of the module's own source (from the module cache), ready to build in."""
    out = _go(["mod", "download", "-json", module.main_module], work, log)
    found = re.search(r'"Dir":\s*"([^"]+)"', out)
    if not found:
        raise RuntimeError(f"go mod download {module.main_module} named no directory")
    src = work / "src"
    shutil.copytree(found.group(1), src)
    for path in [src, *src.rglob("*")]:
        path.chmod(path.stat().st_mode | 0o200)
    apply_edits(src, module.edits)
    static = src / "webui" / "static"  # Traefik embeds its dashboard's build output, absent from the module
    if (src / "webui" / "embed.go").is_file() and not static.exists():
        static.mkdir()
        (static / "index.html").write_text("<!doctype html><title>dashboard not built</title>\n")
    return src


def build_packages(module: GoModule, todo: list[Component]) -> list[str]:
    """What `go build` is given: import paths in a throwaway module, paths relative to the module's own root
    when building inside a copy of it (`./cmd/traefik`)."""
    if not module.main_module:
        return [c.package for c in todo]
    root = module.main_module.split("@")[0]
    return ["." + c.package[len(root) :] if c.package.startswith(root) else c.package for c in todo]


def _build_module(module: GoModule, todo: list[Component], log_path: Path) -> None:
    with log_path.open("wb") as log, tempfile.TemporaryDirectory(prefix=f"kube-build-{module.name}-") as tmp:
        work = Path(tmp)
        _go(["mod", "init", f"labelhive.local/build-{module.name}"], work, log)
        if module.main_module:
            work = _main_module_copy(module, work, log)
        else:
            edits = [f"-require={r}" for r in module.requires]
            if any(r.startswith(f"{K8S}@") for r in module.requires):
                edits += _staging_replaces(work, log)
            _go(["mod", "edit", *edits], work, log)
        out = work / "out"
        ldflags = f"-s -w {module.ldflags}"  # no symbol or DWARF tables: smaller cache, same behaviour
        build = ["build", "-mod=mod", "-trimpath", "-ldflags", ldflags, "-o", f"{out}/"]
        _go([*build, *build_packages(module, todo)], work, log)
        # MVS may lift a pinned dependency (etcd); refuse a cache entry whose name would lie about its version.
        for c in todo:
            if module.main_module and c.gomod == module.main_module.split("@")[0]:
                continue  # built inside a copy of exactly that version; `go list -m` gives the main module no version
            got = _go(["list", "-mod=mod", "-m", "-f", "{{.Version}}", c.gomod], work, log).strip()
            if got != c.version:
                raise RuntimeError(f"{c.gomod} resolved to {got}, expected {c.version}")
        for c in todo:
            built = out / c.go_output
            target = binary_path(c.name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(built, target.with_suffix(".partial"))
            os.replace(target.with_suffix(".partial"), target)  # atomic: a half-copied binary never counts
            log.write(f"installed {target}\n".encode())


def _reason(exc: Exception, log_path: Path) -> str:
    """The failing command and the last line it logged: enough to tell a typo from a compile error."""
    if isinstance(exc, subprocess.CalledProcessError):
        lines = [ln for ln in log_path.read_text(errors="replace").splitlines() if ln.strip()]
        return f"'{' '.join(exc.cmd[:2])}' exited with {exc.returncode}: {lines[-1].strip() if lines else ''}"
    return str(exc)


def ensure_binaries(groups: tuple[str, ...] = CONTROL_PLANE) -> dict[str, Path]:
    """Build whatever of `groups` is missing; returns {component: binary path}.

    Each module is built under its own lock, checked again once the lock is held: a test that needs the control
    plane while `make test` builds everything in the background waits for the module being built, then finds it
    there, and builds nothing twice."""
    logs = cache_dir("kube", "logs")
    if "node" in groups and not pause_path().is_file():
        with _build_lock("pause"):
            _build_pause(logs / f"build-pause-{PAUSE_VERSION}.log")
    for module in MODULES:
        if module.group not in groups or not _todo(module):
            continue
        with _build_lock(module.name):
            todo = _todo(module)
            if not todo:
                continue  # built meanwhile by another process
            log_path = logs / f"build-{module.name}-{module.version}.log"
            print(f"building {', '.join(c.name for c in todo)} (log: {log_path})", file=sys.stderr)
            started = time.monotonic()
            try:
                _build_module(module, todo, log_path)
            except HarnessError:
                raise
            except (OSError, RuntimeError, subprocess.CalledProcessError) as exc:
                names = ", ".join(c.name for c in todo)
                raise HarnessError(
                    f"building {names} failed: {_reason(exc, log_path)} (log: {log_path})"
                ) from exc
            with log_path.open("a") as log:
                log.write(f"built in {time.monotonic() - started:.0f}s\n")
    paths = {c.name: binary_path(c.name) for m in MODULES if m.group in groups for c in m.components}
    if "node" in groups:
        paths["pause"] = pause_path()
    return paths


def _todo(module: GoModule) -> list[Component]:
    return [c for c in module.components if not binary_path(c.name).is_file()]


@contextmanager
def _build_lock(name: str) -> Iterator[None]:
    with (kube_cache() / f".build-{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


# The sandbox's init: sleeps, reaps orphaned children, exits on SIGINT/SIGTERM (like Kubernetes' pause.c).
PAUSE_GO = """package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for sig := range sigs {
		if sig != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			pid, err := syscall.Wait4(-1, nil, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
"""


def pause_path() -> Path:
    return kube_cache() / f"pause-{PAUSE_VERSION}" / "pause"


def _build_pause(log_path: Path) -> None:
    target = pause_path()
    if target.is_file():
        return
    with log_path.open("wb") as log, tempfile.TemporaryDirectory(prefix="kube-build-pause-") as tmp:
        work = Path(tmp)
        _go(["mod", "init", "labelhive.local/pause"], work, log)
        (work / "main.go").write_text(PAUSE_GO)
        _go(["build", "-trimpath", "-ldflags", "-s -w", "-o", str(work / "pause"), "."], work, log)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(work / "pause", target.with_suffix(".partial"))
        os.replace(target.with_suffix(".partial"), target)


def main() -> int:
    started = time.monotonic()
    groups = ALL if "--node" in sys.argv[1:] else CONTROL_PLANE
    try:
        paths = ensure_binaries(groups)
    except HarnessError as exc:
        print(f"kube_build: {exc}", file=sys.stderr)
        return 1
    print(
        f"kube binaries ready in {kube_cache()} ({len(paths)} components, {time.monotonic() - started:.0f}s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
