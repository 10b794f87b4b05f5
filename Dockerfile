# Amorce: one image for every process of the Procfile.
#   web (default):  gunicorn, static files by whitenoise
#   worker:         docker run -e AMORCE_PDF_WARM_UP=1 … python manage.py run_worker --queue-name "*"
#   release:        docker run … sh -c "python manage.py migrate --no-input && python manage.py createcachetable"
# Configuration comes from the environment (see .env.example): SECRET_KEY,
# ALLOWED_HOSTS and DATABASE_URL at least.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=amorce.settings.production \
    PORT=8000

# WeasyPrint's system libraries (Pango, HarfBuzz's subsetter, fontconfig) and a
# fallback font; the PDFs' own font, Marianne, comes with the DSFR's static files.
# Unpinned on purpose: the base image's release gets its security updates.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz-subset0 \
        fontconfig \
        fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin amorce
WORKDIR /app

# Dependencies first: the layer is reused while pyproject.toml does not change.
COPY pyproject.toml README.md ./
RUN pip install .

# The code belongs to root: the app user can read it, not change it.
COPY . .

# Static files collected, hashed and compressed at build time (the values given
# here exist for this step only); local folders for uploads without a bucket.
RUN SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost AMORCE_ANTIVIRUS=off \
        python manage.py collectstatic --no-input \
    && mkdir -p media private \
    && chown amorce:amorce media private

USER 10001
EXPOSE 8000
CMD ["sh", "-c", "exec env AMORCE_PDF_WARM_UP=1 gunicorn amorce.wsgi --pythonpath site --bind 0.0.0.0:${PORT} --max-requests 1000 --max-requests-jitter 100 --access-logfile -"]
