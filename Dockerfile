# The oddsflow image: one image, every process (`oddsflow worker|sink|simulate|migrate`).
FROM python:3.11-slim-bookworm
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY alembic ./alembic
COPY streams ./streams
COPY sinks ./sinks
RUN pip install --no-cache-dir .
# alembic.ini and migrations are read from the project root
ENV PYTHONUNBUFFERED=1
ENTRYPOINT []
