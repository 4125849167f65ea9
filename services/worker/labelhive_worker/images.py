"""Fetching an image (S3 key or http URL), verifying its sha256, decoding it under a pixel limit."""

from __future__ import annotations

import dataclasses
import hashlib
import io
from dataclasses import dataclass
from typing import Any

import numpy as np
from labelhive_outbound import OutboundPolicy, OutboundRefused, fetch
from PIL import Image, ImageOps, UnidentifiedImageError

from labelhive_worker.contract import ImageRef
from labelhive_worker.errors import JobError, undecodable, unreachable

MAX_IMAGE_BYTES = 512 * 1024 * 1024
# The worker applies its own limit (LABELHIVE_MAX_IMAGE_PIXELS) from the header, before decoding pixels.
Image.MAX_IMAGE_PIXELS = None


@dataclass(frozen=True)
class DecodedImage:
    sha256: str
    rgb: np.ndarray  # H x W x 3 uint8, EXIF orientation applied (what a browser displays)

    @property
    def width(self) -> int:
        return int(self.rgb.shape[1])

    @property
    def height(self) -> int:
        return int(self.rgb.shape[0])


def s3_client(endpoint: str | None, access_key: str | None, secret_key: str | None, region: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        region_name=region,
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            retries={"max_attempts": 3, "mode": "standard"},
            connect_timeout=10,
            read_timeout=60,
        ),
    )


def fetch_bytes(
    ref: ImageRef,
    *,
    s3: Any,
    default_bucket: str | None,
    timeout: float,
    policy: OutboundPolicy | None = None,
) -> bytes:
    if ref.url is not None:
        # The one outbound policy (libs/outbound): public addresses only unless LABELHIVE_OUTBOUND_ALLOW
        # names them, every redirect re-checked, size and time capped.
        policy = dataclasses.replace(
            policy or OutboundPolicy.from_env(), max_bytes=MAX_IMAGE_BYTES, timeout=timeout
        )
        try:
            answer = fetch(ref.url, policy, headers={"User-Agent": "LabelHive-worker/1"})
        except OutboundRefused as refused:
            if refused.code in ("address_refused", "unsupported_url"):
                # The contract's image_unreachable, but permanent: retrying cannot change the policy.
                raise JobError(
                    "image_unreachable", f"GET {ref.url}: refused by the outbound policy: {refused.reason}"
                ) from None
            if refused.code == "too_large":
                raise JobError(
                    "image_too_large", f"{ref.url} is larger than {MAX_IMAGE_BYTES} bytes"
                ) from None
            raise unreachable(f"GET {ref.url} failed: {refused.code}: {refused.reason}") from None
        if answer.status != 200:
            raise unreachable(f"GET {ref.url} answered {answer.status}")
        return answer.body
    bucket = ref.bucket or default_bucket
    if not bucket:
        raise JobError(
            "malformed_message",
            "image.key given without image.bucket and LABELHIVE_S3_SOURCE_BUCKET is unset",
        )
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        obj = s3.get_object(Bucket=bucket, Key=ref.key)
        if int(obj.get("ContentLength") or 0) > MAX_IMAGE_BYTES:
            raise JobError(
                "image_too_large", f"s3://{bucket}/{ref.key} is larger than {MAX_IMAGE_BYTES} bytes"
            )
        return bytes(obj["Body"].read())
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "error")
        raise unreachable(f"s3://{bucket}/{ref.key}: {code}") from None
    except BotoCoreError as exc:
        raise unreachable(f"s3://{bucket}/{ref.key}: {exc}") from None


def decode(data: bytes, *, expected_sha256: str, max_pixels: int) -> DecodedImage:
    digest = hashlib.sha256(data).hexdigest()
    if digest != expected_sha256:
        raise JobError("checksum_mismatch", f"image sha256 is {digest}, the message says {expected_sha256}")
    try:
        image = Image.open(io.BytesIO(data))
        width, height = image.size
        if width * height > max_pixels:
            raise JobError(
                "image_too_large",
                f"image is {width}x{height} = {width * height} pixels, over LABELHIVE_MAX_IMAGE_PIXELS={max_pixels}",
            )
        image.load()
        upright = ImageOps.exif_transpose(image)
        rgb = np.asarray(upright.convert("RGB"), dtype=np.uint8)
    except JobError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise undecodable(f"not a decodable image ({len(data)} bytes): {type(exc).__name__}: {exc}") from None
    return DecodedImage(sha256=digest, rgb=rgb)
