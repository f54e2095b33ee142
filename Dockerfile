# weir service image: Bun + librdkafka built from the source the npm package ships.
FROM oven/bun:1.3-debian
RUN apt-get update && apt-get install -y --no-install-recommends \
      build-essential pkg-config libssl-dev zlib1g-dev libzstd-dev liblz4-dev libsasl2-dev libcurl4-openssl-dev python3 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json bun.lock bunfig.toml ./
COPY scripts ./scripts
COPY engine/kafka ./engine/kafka
COPY engine/errors.ts ./engine/errors.ts
RUN bun install --frozen-lockfile
COPY . .
EXPOSE 3000
CMD ["bun", "cli/weir.ts", "run", "topology/support.yaml"]
