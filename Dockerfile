# weekly-review-bot: a small image that runs `python -m bot run` as a non-root user.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
# A font with Hangul glyphs so Korean charts get Korean labels.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-nanum \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 bot \
    && mkdir -p /data && chown bot:bot /data
COPY --from=build /install /usr/local
ENV DATABASE_URL=sqlite+aiosqlite:////data/weekly-review.sqlite3 \
    MPLCONFIGDIR=/tmp/matplotlib \
    PYTHONUNBUFFERED=1
USER bot
WORKDIR /home/bot
VOLUME ["/data"]
ENTRYPOINT ["python", "-m", "bot"]
CMD ["run"]
