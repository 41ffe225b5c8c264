# syntax=docker/dockerfile:1
# Folio: a build stage that installs the package into a virtual environment, and a slim
# runtime stage that copies only that environment and runs as an unprivileged user.
#   docker build -t folio .
#   docker run --env-file .env -p 8000:8000 folio

ARG PYTHON_IMAGE=python:3.12-slim

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# Dependencies first, so a code change does not reinstall them (layer cache).
COPY pyproject.toml README.md ./
RUN mkdir -p src/folio && touch src/folio/__init__.py \
    && pip install . && pip uninstall -y folio
COPY src ./src
RUN pip install --no-deps .

FROM ${PYTHON_IMAGE} AS runtime
# No defaults for SECRET_KEY, PUBLIC_URL or TRUSTED_HOSTS: production refuses to start
# without them, so pass them at run time (--env-file .env).
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    FOLIO_ENV=production
RUN groupadd --system --gid 10001 folio \
    && useradd --system --uid 10001 --gid folio --home-dir /app --no-create-home folio
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# The release step (flask db upgrade) reads migrations/ from the working directory.
COPY migrations ./migrations
COPY gunicorn.conf.py ./
USER folio:folio
EXPOSE 8000
# /api/health answers 200 when the database does; the Host must be in TRUSTED_HOSTS.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://localhost:8000/api/health', timeout=4)"]
CMD ["gunicorn", "-c", "gunicorn.conf.py", "folio:create_app('production')"]
