# Image for web, worker and beat (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# gettext: msgfmt for compilemessages (compiled translations are not in git).
# postgresql-client-16: pg_dump and pg_restore for `manage.py backup` and `restore`, of the
# compose database's major version (postgres:16; pg_dump refuses a newer server), from
# PostgreSQL's own apt repository (the wiki's "Apt" instructions).
ADD https://www.postgresql.org/media/keys/ACCC4CF8.asc /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc
RUN chmod 644 /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc \
    && . /etc/os-release \
    && echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt ${VERSION_CODENAME}-pgdg main" \
        > /etc/apt/sources.list.d/pgdg.list \
    && apt-get update \
    && apt-get install -y --no-install-recommends gettext postgresql-client-16 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Static files are collected into the image (served by WhiteNoise) and translations are
# compiled. DEBUG=0 selects the hashed-manifest storage; the key only satisfies the
# settings check during the build and is never used at run time.
RUN export DEBUG=0 CACHE_URL=locmemcache:// SECRET_KEY=build-time-dummy-secret-key-only-for-collectstatic-not-used-at-runtime \
    && python manage.py collectstatic --noinput \
    && if [ -n "$(find . -name '*.po' -print -quit)" ]; then python manage.py compilemessages; fi

# Run as an unprivileged user; /data/private holds uploaded documents and generated
# reports (a volume shared by web and worker), /data/backups what `manage.py backup`
# writes (README "Backups"; its owner alone reads it).
RUN useradd --system --uid 1000 --no-create-home --home-dir /app app \
    && mkdir -p /data/private /data/backups \
    && chown app:app /data/private /data/backups \
    && chmod 700 /data/backups
USER app

EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
