"""Throwaway certificates and kubeconfig for the harness's Kubernetes: made locally, valid for a week."""

from __future__ import annotations

import base64
import datetime
import ipaddress
import json
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SERVER_NAMES = (
    "localhost",
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    "kubernetes.default.svc.cluster.local",
)
SERVER_IPS = ("127.0.0.1", "10.96.0.1")  # loopback and the first address of --service-cluster-ip-range
ADMIN_GROUP = "system:masters"  # RBAC superusers: the tests act as the cluster admin


def _name(cn: str, org: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, org)] if org else []
    return x509.Name([*attrs, x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def write_pki(pki: Path, extra_ips: tuple[str, ...] = ()) -> dict[str, Path]:
    """CA, apiserver serving cert (also for `extra_ips`), admin client cert and service-account key;
    returns {file name: path}."""
    pki.mkdir()
    files: dict[str, Path] = {}
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
    ca_key = ec.generate_private_key(ec.SECP256R1())  # EC keys: generated in microseconds, unlike RSA
    ca_name = _name("labelhive-test-ca")

    def save(name: str, data: bytes) -> None:
        files[name] = pki / name
        files[name].write_bytes(data)
        files[name].chmod(0o600)

    def issue(
        stem: str, name: x509.Name, usage: x509.ObjectIdentifier | None, sans: list[x509.GeneralName]
    ) -> None:
        key = ca_key if usage is None else ec.generate_private_key(ec.SECP256R1())
        builder = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=7))
            .add_extension(x509.BasicConstraints(ca=usage is None, path_length=None), critical=True)
        )
        if usage is not None:
            builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        if sans:
            builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        save(f"{stem}.key", _key_pem(key))
        save(f"{stem}.crt", builder.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM))

    issue("ca", ca_name, None, [])
    sans: list[x509.GeneralName] = [x509.DNSName(n) for n in SERVER_NAMES]
    sans += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in (*SERVER_IPS, *extra_ips)]
    issue("apiserver", _name("kube-apiserver"), ExtendedKeyUsageOID.SERVER_AUTH, sans)
    issue("admin", _name("labelhive-admin", ADMIN_GROUP), ExtendedKeyUsageOID.CLIENT_AUTH, [])
    sa_key = ec.generate_private_key(ec.SECP256R1())
    save("sa.key", _key_pem(sa_key))
    save(
        "sa.pub",
        sa_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
    )
    return files


def write_kubeconfig(path: Path, server: str, pki: dict[str, Path]) -> Path:
    """A self-contained admin kubeconfig (certificates inline), usable from any directory."""

    def b64(name: str) -> str:
        return base64.b64encode(pki[name].read_bytes()).decode()

    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "labelhive",
        "clusters": [
            {"name": "labelhive", "cluster": {"server": server, "certificate-authority-data": b64("ca.crt")}}
        ],
        "users": [
            {
                "name": "admin",
                "user": {"client-certificate-data": b64("admin.crt"), "client-key-data": b64("admin.key")},
            }
        ],
        "contexts": [{"name": "labelhive", "context": {"cluster": "labelhive", "user": "admin"}}],
    }
    path.write_text(json.dumps(config, indent=2))  # JSON is YAML: every client reads it
    path.chmod(0o600)
    return path


def write_client_cert(pki: Path, stem: str, cn: str, org: str | None = None) -> tuple[Path, Path]:
    """A client certificate from the CA in `pki` (e.g. a kubelet's system:node:<name>); returns (crt, key)."""
    ca_key = serialization.load_pem_private_key((pki / "ca.key").read_bytes(), password=None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    ca = x509.load_pem_x509_certificate((pki / "ca.crt").read_bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(cn, org))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=7))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    crt_path, key_path = pki / f"{stem}.crt", pki / f"{stem}.key"
    key_path.write_bytes(_key_pem(key))
    crt_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    for path in (crt_path, key_path):
        path.chmod(0o600)
    return crt_path, key_path


def write_client_kubeconfig(path: Path, server: str, pki: Path, stem: str) -> Path:
    """A kubeconfig for the client certificate `stem` (made by write_client_cert), certificates inline."""
    files = {"ca.crt": pki / "ca.crt", "admin.crt": pki / f"{stem}.crt", "admin.key": pki / f"{stem}.key"}
    return write_kubeconfig(path, server, files)
