# weekly-review-bot: `python -m bot run` as a non-root user, data in the /data volume.
# /keyring is there for a keyring volume of its own (KEYRING_URL, see README "Docker").
# The Debian release is part of the tag (bookworm) so the apt package pinned below stays
# installable; move both together.
FROM python:3.11-slim-bookworm AS build
WORKDIR /src
# The dependencies first, read from pyproject.toml alone: a change to the code reuses this layer.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" >requirements.txt \
    && pip install --no-cache-dir --prefix=/install -r requirements.txt \
    && find /install -depth -type d -name tests \( -path '*/numpy/*' -o -path '*/matplotlib/*' \) \
        -exec rm -rf {} +
# Then the package itself, without its dependencies (installed above).
COPY README.md LICENSE ./
COPY bot ./bot
RUN pip install --no-cache-dir --no-deps --prefix=/install .

FROM python:3.11-slim-bookworm
# A font with Hangul glyphs so Korean charts get Korean labels: only the face they use is kept
# of the 33 MB of fonts-nanum.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-nanum=20200506-1 \
    && rm -rf /var/lib/apt/lists/* \
    && find /usr/share/fonts/truetype/nanum -type f ! -name NanumGothic.ttf -delete \
    && groupadd --gid 10001 bot \
    && useradd --create-home --uid 10001 --gid 10001 bot \
    && mkdir -p /data /keyring && chown 10001:10001 /data /keyring
COPY --from=build /install /usr/local
ENV DATABASE_URL=sqlite+aiosqlite:////data/weekly-review.sqlite3 \
    MPLCONFIGDIR=/home/bot/.cache/matplotlib \
    PYTHONUNBUFFERED=1
USER 10001:10001
WORKDIR /home/bot
# matplotlib's font list, made once here rather than on the first chart of every container.
RUN python -c "import matplotlib.font_manager"
VOLUME ["/data"]
# Exits 1 when the database is unreachable, the scheduler stopped or the send backlog grows.
HEALTHCHECK --interval=1m --timeout=15s --start-period=1m --retries=3 \
    CMD ["python", "-m", "bot", "health"]
ENTRYPOINT ["python", "-m", "bot"]
CMD ["run"]
