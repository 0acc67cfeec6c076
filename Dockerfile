# The finder's page as a container: `docker build -t ms-trials .` then
# `docker run -p 8501:8501 -v ms-trials-data:/data ms-trials` (README, "Deploy").
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TRIALS_CACHE_DIR=/data

WORKDIR /app

# The versions the suite was run with, checked against their hashes.
COPY requirements.lock ./
RUN python -m pip install --require-hashes -r requirements.lock

COPY pyproject.toml README.md LICENSE ./
COPY trials ./trials
RUN python -m pip install --no-deps . \
    && useradd --create-home --uid 10001 trials \
    && mkdir -p /data && chown trials /data

# The store (trials.sqlite3 and its update lock) outlives the container.
VOLUME /data
USER trials
EXPOSE 8501

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).status != 200)"]

CMD ["trials", "serve", "--host", "0.0.0.0", "--port", "8501"]
