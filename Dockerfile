# The explorer as a container: one Streamlit replica, CPU-only torch, run as a non-root user.
# Build: docker build -t vae-explorer .      Several replicas with nginx and PostgreSQL: deploy/docker-compose.yml
FROM python:3.11-slim

# torch from PyTorch's CPU index: PyPI's default Linux wheel of the same version pulls several GB of CUDA.
RUN pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu torch==2.13.0
COPY requirements.txt /app/requirements.txt
RUN pip install --no-cache-dir -r /app/requirements.txt

RUN useradd --create-home --uid 10001 explorer \
    && mkdir -p /data/models /data/cache \
    && chown -R explorer /data
COPY --chown=explorer . /app
WORKDIR /app
USER explorer

# User models on a volume every replica mounts; the data sets' cache beside them.
ENV VAE_EXPLORER_MODELS=/data/models \
    VAE_CORE_CACHE=/data/cache \
    PYTHONUNBUFFERED=1
VOLUME ["/data"]
EXPOSE 8501
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).read() != b'ok')"
CMD ["streamlit", "run", "streamlit_app.py", "--server.port", "8501", "--server.address", "0.0.0.0", \
     "--server.headless", "true", "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]
