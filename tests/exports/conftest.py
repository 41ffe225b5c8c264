"""The S3 fixtures of the media tests (a real SeaweedFS), for exports stored in a bucket."""

from __future__ import annotations

from tests.media.conftest import s3_settings, s3_storage, seaweedfs

__all__ = ["s3_settings", "s3_storage", "seaweedfs"]
