# Multi-stage: build a wheel (with compiled translations), then a slim runtime as a
# non-root user, served by gunicorn's gevent worker (WebSocket through simple-websocket).
FROM python:3.11-slim AS build
WORKDIR /src
RUN pip install --no-cache-dir build==1.2.2 babel==2.16.0
COPY . .
RUN pybabel compile -d signage/translations && python -m build --wheel --outdir /dist

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    SIGNAGE_INSTANCE_DIR=/var/lib/signage SIGNAGE_BIND=0.0.0.0:8000
RUN useradd --system --create-home --home-dir /var/lib/signage signage
COPY --from=build /dist/*.whl /tmp/
RUN pip install --no-cache-dir "$(ls /tmp/*.whl)[postgres,redis,server]" && rm /tmp/*.whl
USER signage
WORKDIR /var/lib/signage
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"
# One process per container (gevent, WebSockets by gevent-websocket, the jobs and the
# batched writes as in the embedded default); scale with more containers.
CMD ["sh", "-c", "signage db upgrade && exec signage serve"]
