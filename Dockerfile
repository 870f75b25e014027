# Civic's image: gunicorn serving the app, `civic worker` and the migrations run from the same image
# (deploy/compose.yaml). The front-end files come from npm (package-lock.json), never from a CDN.
FROM node:20-bookworm-slim AS vendor
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CIVIC_INSTANCE_PATH=/srv/instance
RUN useradd --system --create-home --home-dir /home/civic civic \
    && mkdir -p /srv/instance /srv/vote-keys \
    && chown civic:civic /srv/instance /srv/vote-keys
WORKDIR /srv/civic
COPY . .
# Editable: the app reads templates/, static/, translations/ and migrations/ next to the package.
RUN pip install --no-cache-dir -e . \
    && pybabel compile -d translations
COPY --from=vendor /src/node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx/
COPY --from=vendor /src/node_modules/@picocss/pico/css/pico.min.css static/vendor/pico/
USER civic
EXPOSE 8000
# gunicorn.conf.py (read from this folder) warns when the rate limits are not in Redis.
CMD ["gunicorn", "--workers", "4", "--bind", "0.0.0.0:8000", "civic:create_app()"]
