# The worker: outbox relay, reminder scheduler, reminder jobs and reconciler. With no argument
# it runs every role; `relay`, `scheduler`, `jobs` or `reconciler` runs one (to scale them apart).
FROM python:3.11-slim-bookworm
RUN useradd --system --uid 10001 --no-create-home bookings
# Unpack the pex into a venv at build time: no writes and no resolution at container start.
COPY services.worker/worker.pex /tmp/worker.pex
RUN PEX_TOOLS=1 python3.11 /tmp/worker.pex venv --compile /app && rm /tmp/worker.pex
USER bookings
ENV APP_ENV=production
HEALTHCHECK --interval=15s --timeout=5s --start-period=15s --retries=3 CMD ["/app/pex", "health"]
ENTRYPOINT ["/app/pex"]
