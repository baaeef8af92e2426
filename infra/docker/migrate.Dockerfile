# One-shot schema migration: `upgrade head` by default, any alembic command otherwise.
FROM python:3.11-slim-bookworm
RUN useradd --system --uid 10001 --no-create-home bookings
# Unpack the pex into a venv at build time: no writes and no resolution at container start.
COPY migrations/migrate.pex /tmp/migrate.pex
RUN PEX_TOOLS=1 python3.11 /tmp/migrate.pex venv --compile /app && rm /tmp/migrate.pex
USER bookings
ENTRYPOINT ["/app/pex"]
