"""Everything under /api/v1. Other domains (imports, exports) add their router here with one line each."""

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

api_router = APIRouter()
api_router.include_router(accounts)
api_router.include_router(signup)
api_router.include_router(instance)
api_router.include_router(projects)
api_router.include_router(tasks)
api_router.include_router(tasks_by_reference)
api_router.include_router(task_bulk)
api_router.include_router(annotation_routes)
api_router.include_router(reviews)
api_router.include_router(predictions)
api_router.include_router(exemplars)
api_router.include_router(prelabel_panel)
api_router.include_router(stats)
api_router.include_router(webhooks)
api_router.include_router(media)
api_router.include_router(imports)
api_router.include_router(import_uploads)
api_router.include_router(exports)
