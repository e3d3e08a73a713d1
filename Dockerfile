# syntax=docker/dockerfile:1
# Multi-stage build: compile with dev dependencies, run with production dependencies only.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
# scripts/ensure-build.mjs --force: tsc -p tsconfig.build.json into dist/ (dist/src/main.js, dist/src/cli/main.js).
RUN npm run build

FROM node:24-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# Served at /docs/openapi.json and by Swagger UI at /docs, as committed (the server does not build it).
COPY openapi/openapi.json ./openapi/openapi.json
COPY LICENSE ./
USER node
EXPOSE 3000
# The container has no embedded database: DATABASE_URL must point at PostgreSQL.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# The operator CLI is in the image too (its npm script would build first, which needs dev dependencies):
#   docker compose run --rm app node dist/src/cli/main.js tenants create Acme
CMD ["sh", "-c", "if [ -z \"$DATABASE_URL\" ]; then echo 'DATABASE_URL is required in the container' >&2; exit 1; fi; exec node dist/src/main.js"]
