# storefront: one image for app servers (and migration/CLI jobs).
FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 STOREFRONT_ENV=production
WORKDIR /app
RUN useradd --create-home --uid 10001 storefront
COPY pyproject.toml README.md constraints.txt ./
COPY storefront ./storefront
COPY config ./config
COPY migrations ./migrations
COPY translations ./translations
# Editable: the app finds config/, migrations/ and translations/ beside the package.
RUN pip install -c constraints.txt -e . && pybabel compile -d translations
USER storefront
ENV BIND=0.0.0.0:8000 FLASK_APP=storefront.app:create_app_or_exit
EXPOSE 8000
# Run `flask db upgrade` once per release (a job), then start app servers:
CMD ["gunicorn", "--config", "config/gunicorn.conf.py", "storefront:create_app()"]
