# One image for web (gunicorn, settings in gunicorn.conf.py), worker and beat. Build: docker build -t supersim-admin .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY requirements ./requirements
RUN pip install --require-hashes -r requirements/main.txt
COPY supersim_admin ./supersim_admin
COPY apps ./apps
RUN pip install --no-deps --no-build-isolation .
COPY . .
RUN SECRET_KEY=collectstatic-only PRODUCTION=true ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput \
    && useradd --system --uid 10001 app && chown -R app /app
USER app
EXPOSE 8000
CMD ["gunicorn", "supersim_admin.wsgi:application", "--access-logfile", "-"]
