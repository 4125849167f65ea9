"""Everything under /api/v1. Other domains (imports, exports) add their router here with one line each.

The app includes each router under /api/v1 itself: an APIRouter that only includes others adds a level
FastAPI matches every request through again (about a third of the Python calls of a cheap request)."""

from __future__ import annotations

from fastapi import APIRouter

from labelhive_api.accounts.routes import router as accounts
from labelhive_api.accounts.signup_routes import router as signup
from labelhive_api.annotations.routes import router as annotation_routes
from labelhive_api.exemplars.routes import router as exemplars
from labelhive_api.exports.routes import router as exports
from labelhive_api.imports.reference_routes import router as tasks_by_reference
from labelhive_api.imports.routes import router as imports
from labelhive_api.imports.uploads import router as import_uploads
from labelhive_api.instance.routes import router as instance
from labelhive_api.predictions.job_routes import router as prelabel_panel
from labelhive_api.predictions.routes import router as predictions
from labelhive_api.projects.routes import router as projects
from labelhive_api.reviews.routes import router as reviews
from labelhive_api.stats.routes import router as stats
from labelhive_api.storage.routes import router as media
from labelhive_api.tasks.bulk_routes import router as task_bulk
from labelhive_api.tasks.routes import router as tasks
from labelhive_api.webhooks.routes import router as webhooks

API_ROUTERS: tuple[APIRouter, ...] = (
    accounts,
    signup,
    instance,
    projects,
    tasks,
    tasks_by_reference,
    task_bulk,
    annotation_routes,
    reviews,
    predictions,
    exemplars,
    prelabel_panel,
    stats,
    webhooks,
    media,
    imports,
    import_uploads,
    exports,
)
