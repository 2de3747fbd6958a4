# syntax=docker/dockerfile:1
# One image for every chibo process; the compose service's `command` picks the
# subcommand (`db init`, `worker`, `projector`, `dispatcher`).
FROM python:3.11.13-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Fixed, non-root uid/gid: files in the chibo-data volume keep the same owner across
# rebuilds. The data directory is created here so a fresh named volume mounted on it
# inherits this ownership.
RUN groupadd --system --gid 10001 chibo \
    && useradd --system --uid 10001 --gid chibo --no-create-home \
        --home-dir /var/lib/chibo --shell /usr/sbin/nologin chibo \
    && install -d -o chibo -g chibo -m 0750 /var/lib/chibo

# Build from a scratch directory that is removed afterwards, so the running process
# imports only the installed package. pyproject's readme is left out on purpose: it
# only fills the wheel's long description, and setuptools merely warns without it.
WORKDIR /tmp/chibo-build
COPY pyproject.toml constraints.txt ./
COPY domain/ domain/
COPY projections/ projections/
COPY audit/ audit/
COPY documents/ documents/
COPY workflows/ workflows/
COPY api/ api/
COPY web/ web/
COPY workers/ workers/
RUN pip install --no-cache-dir -c constraints.txt . \
    && rm -rf /tmp/chibo-build

WORKDIR /var/lib/chibo
USER chibo

ENTRYPOINT ["chibo"]
CMD ["worker"]
