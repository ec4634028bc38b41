# syntax=docker/dockerfile:1
# Builds one PBShop app of the pnpm workspace (the API or a worker) into a
# runtime image. Context: the repository root; build arg APP: the app's folder.
#   docker build -f infra/node.Dockerfile --build-arg APP=apps/api -t pbshop-api .
# docker-compose.yml builds api, worker-search, worker-transcode and worker-crawler this way.

ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS base
# pnpm pinned as in package.json's packageManager, through corepack (no global npm install)
ENV PNPM_HOME=/pnpm PATH=/pnpm:$PATH COREPACK_ENABLE_DOWNLOAD_PROMPT=0
RUN corepack enable && corepack prepare pnpm@10.34.9 --activate
WORKDIR /app

FROM base AS build
ARG APP
RUN test -n "$APP" || { echo 'build arg APP is required, e.g. --build-arg APP=apps/api' >&2; exit 1; }
# Packages from the lockfile alone first: this layer stays cached while code changes.
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json ./
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm fetch --frozen-lockfile
COPY . .
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm install --frozen-lockfile --offline
# No compile step: Node 24 runs the TypeScript sources directly (type stripping), so the
# image runs exactly the files the tests ran. The type check still guards the build.
RUN pnpm --filter "./${APP}..." typecheck
# Runtime gets production dependencies only (CI=true: no prompt to purge node_modules).
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store CI=true pnpm install --frozen-lockfile --offline --prod

FROM ${NODE_IMAGE} AS runtime
ARG APP
# FFmpeg only where videos are probed or transcoded.
RUN case "$APP" in \
      apps/api|apps/worker-transcode) \
        apt-get update \
        && apt-get install -y --no-install-recommends ffmpeg \
        && rm -rf /var/lib/apt/lists/* ;; \
    esac
ENV NODE_ENV=production FFMPEG_BIN=/usr/bin/ffmpeg STORAGE_DIR=/data/storage
# Owned by node so a named volume mounted here starts writable for it.
RUN mkdir -p /data/storage && chown node:node /data/storage
# Root-owned and read-only for the app user.
COPY --from=build /app /app
USER node
WORKDIR /app/${APP}
# = node apps/<app>/src/main.ts from the repository root
CMD ["node", "src/main.ts"]
