"""``agents.run_config``."""

from .models.interface import CallModelData, ModelInputData
from .run import RunConfig

__all__ = ["CallModelData", "ModelInputData", "RunConfig"]
