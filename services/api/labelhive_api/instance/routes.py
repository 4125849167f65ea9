"""GET /instance: what the login page needs before anyone signs in (name, language, signup mode), as the
operator rendered it from the LabelingProject (spec.displayName, spec.locale, spec.auth.signup)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from labelhive_api.api.deps import SettingsDep, require_global
from labelhive_api.security.permissions import Permission

router = APIRouter(tags=["instance"])


class InstanceOut(BaseModel):
    display_name: str | None
    default_locale: Literal["zh-CN", "en"]
    signup: Literal["invite-only", "open"]


@router.get("/instance", dependencies=[Depends(require_global(Permission.PUBLIC))])
def instance(settings: SettingsDep) -> InstanceOut:
    return InstanceOut(
        display_name=settings.display_name, default_locale=settings.default_locale, signup=settings.signup
    )
