"""Why a pre-label job item failed: a reason code from the result contract, and whether retrying may help."""

from __future__ import annotations


class ConfigError(RuntimeError):
    """A setting the worker cannot start with: the message is one line naming the setting."""


class JobError(Exception):
    """One job item failed. `code` is a prelabel-result.v1 reason code; `retryable` asks for a bounded retry."""

    def __init__(self, code: str, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retryable = retryable

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def malformed(message: str) -> JobError:
    return JobError("malformed_message", message)


def unreachable(message: str) -> JobError:
    return JobError("image_unreachable", message, retryable=True)


def undecodable(message: str) -> JobError:
    # Retried: a truncated upload or a short read looks like a corrupt image until the bytes settle.
    return JobError("image_not_decodable", message, retryable=True)
