"""Which cameras a booth node reads (``GANGTING_CAMERAS``, a JSON list), one spec each.

``source`` says where the frames come from:

- ``sim`` (or ``sim:<seed>``): the simulated camera, passes built from the shipped stills;
- ``rtsp://…``, ``http://…``: a network stream;
- ``0``, ``1`` …: a local device index;
- a video file (``.mp4``, ``.avi`` …) or a folder of images (played in name order).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class CameraSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,32}$", description="camera id, e.g. lane-1")
    source: str = Field(min_length=1, max_length=500)
    # Frames a second the worker looks at (None: every frame the source gives).
    fps: float | None = Field(default=None, gt=0, le=60)
    # Files and image folders: play at their own pace (True) or as fast as read (tests).
    realtime: bool = True
    # Files and image folders: start again at the end (None: the simulated camera loops,
    # files and folders stop at their end).
    loop: bool | None = None
