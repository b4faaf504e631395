FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

RUN apt-get update && apt-get install -y --no-install-recommends libjpeg62-turbo zlib1g \
    && rm -rf /var/lib/apt/lists/*

COPY pyproject.toml ./
RUN pip install --upgrade pip && pip install .
COPY . .
# collectstatic needs settings that pass the production checks; these values only serve the build.
RUN DJANGO_ENV=production SECRET_KEY=build-only-build-only-build-only-build-only-build-only \
    ALLOWED_HOSTS=build DATABASE_URL=postgres://build@build/build REDIS_URL=redis://build \
    CELERY_BROKER_URL=redis://build python manage.py collectstatic --noinput

RUN useradd --create-home app && mkdir -p /app/media /app/private_media && chown -R app /app/media /app/private_media /app/staticfiles
USER app
EXPOSE 8000
CMD ["gunicorn", "mlm.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
