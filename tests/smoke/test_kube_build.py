"""What the harness asks `go build` for: import paths in a throwaway module, paths inside a module's own copy.
(A cold machine builds every module once; a wrong path there fails only on a machine without the cache.)"""

import dataclasses

import pytest
from labelhive_harness import kube_build


def _module(name: str) -> kube_build.GoModule:
    return next(m for m in kube_build.MODULES if m.name == name)


def test_throwaway_modules_build_import_paths():
    kubernetes = _module("kubernetes")
    assert kube_build.build_packages(kubernetes, list(kubernetes.components)) == [
        "k8s.io/kubernetes/cmd/kube-apiserver",
        "k8s.io/kubernetes/cmd/kube-controller-manager",
        "k8s.io/kubernetes/cmd/kube-scheduler",
        "k8s.io/kubernetes/cmd/kubectl",
        "go.etcd.io/etcd/server/v3",
    ]
    for module in kube_build.MODULES:
        if not module.main_module:
            assert all(
                not p.startswith(".") for p in kube_build.build_packages(module, list(module.components))
            )


def test_modules_built_in_their_own_copy_build_relative_paths():
    traefik, coredns = _module("traefik"), _module("coredns")
    assert kube_build.build_packages(traefik, list(traefik.components)) == ["./cmd/traefik"]
    assert kube_build.build_packages(coredns, list(coredns.components)) == ["."]


def test_source_edits_apply_once_or_fail_loudly(tmp_path):
    (tmp_path / "pkg").mkdir()
    source = tmp_path / "pkg" / "p.go"
    source.write_text('import (\n\t"a/dns"\n)\nx := dns.New()\n')
    kube_build.apply_edits(tmp_path, (kube_build.SourceEdit("pkg/p.go", '\t"a/dns"\n', ""),))
    assert source.read_text() == "import (\n)\nx := dns.New()\n"
    with pytest.raises(RuntimeError, match="does not match once"):
        kube_build.apply_edits(tmp_path, (kube_build.SourceEdit("pkg/p.go", '\t"a/dns"\n', ""),))
    assert {e.path for e in kube_build.TRAEFIK_EDITS} == {"pkg/provider/acme/provider.go"}


def test_a_binary_built_with_source_edits_is_cached_under_those_edits(monkeypatch):
    """Changing what CoreDNS or Traefik is built with must rebuild them, not reuse the binary of other edits."""
    coredns = _module("coredns")
    before = kube_build.binary_path("coredns")
    assert before.parent.name.startswith("coredns-v") and before.parent.name != f"coredns-{coredns.version}"
    assert kube_build.binary_path("kube-apiserver").parent.name == f"kube-apiserver-{kube_build.KUBE_VERSION}"
    other = dataclasses.replace(coredns, edits=(kube_build.SourceEdit("coredns.go", "x", "y"),))
    monkeypatch.setattr(
        kube_build, "MODULES", tuple(other if m is coredns else m for m in kube_build.MODULES)
    )
    assert kube_build.binary_path("coredns") != before
