# PostgreSQL 15 with Debian's pg_partman, as CI installs it.
FROM postgres:15-bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-15-partman \
 && rm -rf /var/lib/apt/lists/*
