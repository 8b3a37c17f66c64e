# Valueboard in a container: `slackapp serve` (gunicorn) as a non-root user.
# Build: docker build -t valueboard .    Run a whole install: docker compose up (compose.yaml).

# -- build: Valueboard and its declared dependencies (pyproject.toml) into a virtualenv --------
FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
WORKDIR /src
# Only what the package is made of (.dockerignore keeps the rest out of the context).
COPY pyproject.toml README.md ./
COPY slackapp ./slackapp
COPY handlers ./handlers
# Not editable: the migrations and the sandbox page travel as package data.
RUN /opt/venv/bin/pip install .

# -- run: the virtualenv on a clean slim image, no compilers, no pip cache ---------------------
FROM python:3.11-slim-bookworm
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    # Listen on every interface of the container (the app's own default is 127.0.0.1).
    HOST=0.0.0.0 \
    PORT=3000
COPY --from=build /opt/venv /opt/venv
RUN useradd --system --uid 10001 --user-group --home-dir /app --create-home valueboard \
    && mkdir -p /app/var && chown valueboard:valueboard /app/var
WORKDIR /app
USER valueboard
# The default DATABASE_URL (sqlite:///var/valueboard.db) lands in /app/var: mount a volume
# there to keep it (compose uses PostgreSQL instead).
EXPOSE 3000
# 200 when the app and its database answer, 503 otherwise (python: slim has no curl).
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=8)"]
# Exec form: gunicorn's master is PID 1 and gets SIGTERM for its graceful stop (30 s).
# `serve` checks the address, the token and the database, and migrates, before it serves.
CMD ["slackapp", "serve"]
