# Image for web, worker and beat (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# gettext: msgfmt for compilemessages (compiled translations are not in git).
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Static files are collected into the image (served by WhiteNoise) and translations are
# compiled. DEBUG=0 selects the hashed-manifest storage; the key only satisfies the
# settings check during the build and is never used at run time.
RUN export DEBUG=0 SECRET_KEY=build-time-dummy-secret-key-only-for-collectstatic-not-used-at-runtime \
    && python manage.py collectstatic --noinput \
    && if [ -n "$(find . -name '*.po' -print -quit)" ]; then python manage.py compilemessages; fi

# Run as an unprivileged user; /data/private holds uploaded documents and generated
# reports (a volume shared by web and worker).
RUN useradd --system --uid 1000 --no-create-home --home-dir /app app \
    && mkdir -p /data/private \
    && chown app:app /data/private
USER app

EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
