"""Folio's business rules: typed verb functions on a SQLAlchemy Session.

Nothing here imports Flask: services never see the request, the current user or URLs.
They validate, check permissions, raise domain errors and flush; the caller commits.
"""
