# Multi-stage. `docker build .` gives the server image (the last stage); deploy/compose.yaml
# also builds the `proxy` stage: nginx with the static files and deploy/nginx.

# The browser libraries the kiosk and the console load, as package-lock.json pins them.
FROM node:22-slim AS browser-libraries
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

# A wheel with the compiled translations.
FROM python:3.11-slim AS build
WORKDIR /src
RUN pip install --no-cache-dir build==1.2.2 babel==2.16.0
COPY . .
RUN pybabel compile -d signage/translations && python -m build --wheel --outdir /dist

FROM nginx:1.27-alpine AS proxy
RUN rm /etc/nginx/conf.d/default.conf
COPY deploy/nginx/upstream-compose.conf /etc/nginx/conf.d/00-upstream.conf
COPY deploy/nginx/infotavle.conf /etc/nginx/conf.d/infotavle.conf
COPY static /srv/infotavle/static

# The server: a slim runtime as a non-root user.
FROM python:3.11-slim AS server
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    SIGNAGE_INSTANCE_DIR=/var/lib/signage SIGNAGE_BIND=0.0.0.0:8000
RUN useradd --system --create-home --home-dir /var/lib/signage signage \
    && install -d -o signage -g signage /srv/infotavle/media
COPY --from=build /dist/*.whl /tmp/
RUN pip install --no-cache-dir "$(ls /tmp/*.whl)[postgres,redis,server]" && rm /tmp/*.whl
# Beside the package, where signage.resources looks for them.
ARG SITE=/usr/local/lib/python3.11/site-packages/signage
COPY --from=browser-libraries /src/node_modules ${SITE}/node_modules
COPY package-lock.json ${SITE}/package-lock.json
USER signage
WORKDIR /var/lib/signage
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"
# One process per container (gevent, WebSockets by gevent-websocket, the jobs and the
# batched writes as in the embedded default); scale with more containers.
CMD ["sh", "-c", "signage db upgrade && exec signage serve"]
