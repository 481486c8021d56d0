# syntax=docker/dockerfile:1
# The Udara image: one image for web (gunicorn), ingest, scheduler, simulator, migrations
# and `udara devices`. docker-compose.yml picks the command per service.

FROM python:3.11-slim-bookworm AS build
WORKDIR /src
# Only what `pip install .` needs; tests/deploy/test_image.py checks this list against
# pyproject.toml.
COPY pyproject.toml README.md ./
COPY udara ./udara
COPY ingest ./ingest
COPY maintenance ./maintenance
COPY devices ./devices
COPY notifications ./notifications
COPY occupants ./occupants
COPY assets ./assets
COPY inspections ./inspections
COPY web ./web
COPY sensors_sim ./sensors_sim
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim-bookworm
# mosquitto brings mosquitto_passwd, which `udara devices add` hashes passwords with.
RUN apt-get update \
    && apt-get install -y --no-install-recommends mosquitto \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin udara \
    && mkdir -p /app/var && chown -R udara:udara /app
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links=/wheels udara && rm -rf /wheels
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    UDARA_ENV=production
WORKDIR /app
USER udara
EXPOSE 8000
CMD ["udara", "--help"]
