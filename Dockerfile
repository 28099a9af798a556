# syntax=docker/dockerfile:1
# The Frontdesk server image: `docker build -t frontdesk .` (docs/containers.md).
# Two build stages with the full toolchain (compilers for the SQLite driver, TypeScript),
# then a slim runtime with production dependencies and dist/ only, as a non-root user.
ARG NODE_VERSION=22

# Production dependencies, the SQLite driver compiled for this image's Node.
FROM node:${NODE_VERSION}-bookworm AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/guard/package.json packages/guard/
COPY packages/server/package.json packages/server/
# --ignore-scripts: the root `prepare` would build, and the sources are not here;
# the one install script that matters (better-sqlite3) runs in the rebuild.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3

# dist/ from the TypeScript sources.
FROM node:${NODE_VERSION}-bookworm AS build
WORKDIR /src
COPY package.json package-lock.json ./
COPY packages/guard/package.json packages/guard/
COPY packages/server/package.json packages/server/
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.base.json ./
COPY packages/guard/tsconfig.json packages/guard/
COPY packages/guard/src packages/guard/src
COPY packages/server/tsconfig.json packages/server/
COPY packages/server/src packages/server/src
RUN npm run build

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    FRONTDESK_HOST=0.0.0.0 \
    FRONTDESK_PORT=3000 \
    FRONTDESK_DATA_DIR=/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
# The server uses the guard's DPoP proof check: its workspace link needs the package.
COPY --from=build /src/packages/guard/package.json ./packages/guard/
COPY --from=build /src/packages/guard/dist ./packages/guard/dist
COPY --from=build /src/packages/server/package.json ./packages/server/
COPY --from=build /src/packages/server/dist ./packages/server/dist
COPY packages/server/LICENSE ./packages/server/
RUN ln -s /app/packages/server/dist/cli/main.js /usr/local/bin/frontdesk \
 && mkdir -p /data \
 && chown node:node /data
# The node image's unprivileged user (uid 1000).
USER node
# SQLite files (when no PostgreSQL/Redis is configured) and the development secret.
VOLUME ["/data"]
EXPOSE 3000
# The slim image has no curl: Node asks /healthz itself.
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.FRONTDESK_PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["frontdesk", "start"]
