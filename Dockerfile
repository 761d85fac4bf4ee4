# ShopBot image: `docker build -t shopbot .`, then see docs/deploy.md.
# Platform tokens come from the environment at run time (--env-file .env), never the image.

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY config ./config
# What running needs, no test tools; a venv so the final stage copies one folder.
RUN python -m venv /opt/shopbot && /opt/shopbot/bin/pip install .

FROM python:3.11-slim
RUN useradd --system --uid 10001 --user-group --create-home shopbot \
    && mkdir /data && chown shopbot:shopbot /data
COPY --from=build /opt/shopbot /opt/shopbot
# Without a token `run` stops (HTTP port set); never load the demo catalog here anyway.
ENV PATH=/opt/shopbot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    SHOPBOT_DATABASE_URL=sqlite:////data/shopbot.db \
    SHOPBOT_HTTP_PORT=8080 \
    SHOPBOT_LOAD_DEMO_CATALOG=false
USER shopbot
WORKDIR /data
# The SQLite database (and its -wal/-shm files) lives here: mount a volume.
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('SHOPBOT_HTTP_PORT', '8080'), timeout=4)"]
# `docker run IMAGE catalog import FILE` runs another shopbot command.
ENTRYPOINT ["shopbot"]
CMD ["run"]
