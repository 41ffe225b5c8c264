"""Liveness and readiness: 200 when the database answers, 503 when it does not."""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from folio.extensions import db, limiter

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/api/health")
@limiter.exempt
def health():
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except SQLAlchemyError:
        log.warning("health check: database unreachable", exc_info=True)
        db.session.rollback()
        database = "unreachable"
    ok = database == "ok"
    response = jsonify({"status": "ok" if ok else "unavailable", "database": database})
    response.status_code = 200 if ok else 503
    response.headers["Cache-Control"] = "no-store"
    return response
