# The HTTP API. Built by `./pants package infra/docker:api` (needs a Docker daemon).
FROM python:3.11-slim-bookworm
RUN useradd --system --uid 10001 --no-create-home bookings
# Unpack the pex into a venv at build time: no writes and no resolution at container start.
COPY services.api/api.pex /tmp/api.pex
RUN PEX_TOOLS=1 python3.11 /tmp/api.pex venv --compile /app && rm /tmp/api.pex
USER bookings
# One worker per core: give the container one CPU and scale by replicas (or raise both
# together); 10 database connections per worker (services/api/README.md, "Sizing").
ENV APP_ENV=production HOST=0.0.0.0 PORT=3000 API_WORKERS=1 DATABASE_POOL_SIZE=10
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["python3.11", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/health', timeout=2)"]
ENTRYPOINT ["/app/pex"]
