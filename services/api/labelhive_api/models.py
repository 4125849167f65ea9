"""Every table's model in one import: `from labelhive_api.models import Task, Annotation, ...`.

`load_all_models()` also imports any `labelhive_api.<package>.models` module (e.g. imports/exports), so
Alembic sees every table.
"""

from __future__ import annotations

import importlib
import pkgutil

import labelhive_api
from labelhive_api.accounts.models import ApiToken, AuthSession, Invite, LoginAttempt, User
from labelhive_api.annotations.models import Annotation, AnnotationStatus, AnnotationVersion, Draft
from labelhive_api.db.base import Base
from labelhive_api.predictions.models import Prediction, PrelabelItem, PrelabelJob
from labelhive_api.projects.models import LabelSchema, Membership, Project
from labelhive_api.reviews.models import Review
from labelhive_api.stats.models import AnnotatorCount, DailyCount, LabelCount, LeadTimeBucket, StateCount
from labelhive_api.tasks.models import Batch, Task, TaskLabel, TaskLease, TaskState
from labelhive_api.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery

__all__ = [
    "Annotation",
    "AnnotationStatus",
    "AnnotationVersion",
    "AnnotatorCount",
    "ApiToken",
    "AuthSession",
    "Base",
    "Batch",
    "DailyCount",
    "Draft",
    "Invite",
    "LabelCount",
    "LabelSchema",
    "LeadTimeBucket",
    "LoginAttempt",
    "Membership",
    "Prediction",
    "PrelabelItem",
    "PrelabelJob",
    "Project",
    "Review",
    "StateCount",
    "Task",
    "TaskLabel",
    "TaskLease",
    "TaskState",
    "User",
    "Webhook",
    "WebhookAttempt",
    "WebhookDelivery",
    "load_all_models",
]


def load_all_models() -> None:
    for info in pkgutil.iter_modules(labelhive_api.__path__):
        if info.ispkg:
            try:
                importlib.import_module(f"labelhive_api.{info.name}.models")
            except ModuleNotFoundError as exc:
                if exc.name != f"labelhive_api.{info.name}.models":
                    raise
