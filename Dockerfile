# syntax=docker/dockerfile:1
#
# The one fleetstream image: every component is `fleetstream <command>`, so the
# Kubernetes workloads (infra/k8s) differ only in their args.
#
#   docker build -t fleetstream:0.1.0 .
#   docker run --rm fleetstream:0.1.0 --help
#
# Pin the base by digest in your registry mirror for reproducible builds
# (node:20-bookworm-slim@sha256:...); the tag below follows Node 20 patch releases.
ARG NODE_IMAGE=node:20-bookworm-slim

# --- build: all dependencies, compile, then drop the dev dependencies -------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV npm_config_audit=false \
    npm_config_fund=false \
    npm_config_update_notifier=false
# Dependencies first, so that source edits do not re-run `npm ci`.
COPY package.json package-lock.json ./
# patch-package applies these after `npm ci` installs the packages (postinstall)
COPY patches ./patches
RUN --mount=type=cache,target=/root/.npm npm ci
COPY . .
# dist/bench and dist/test are the benchmarks and test support: not part of the image
RUN npm run build \
 && rm -rf dist/bench dist/test \
 && npm prune --omit=dev \
 && rm -rf node_modules/.cache

# --- runtime: compiled code and production dependencies only, non-root -------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and not writable by the runtime user: the process only reads its code.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Numeric uid:gid of the image's `node` user, so Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
# The ports of bin/components.ts (bin/components.test.ts checks them): ops ports
# (/healthz /readyz /metrics) mqtt-source 9101, timescale-sink 9102, redis-sink
# 9103, query-api 9104, rollups 9105, broker-auth-sync 9106, http-source 9107,
# scheduler 9108 (the local stack's; under Kubernetes its jobs are CronJobs),
# mqtt-downlink 9109, shadow 9110, commands 9111, configuration 9112, webhooks 9113, alerts 9114,
# mqtt-republisher 9115, automations 9117, handlers 9118, notifications 9119;
# query-api serves its API on 8080, http-source its ingest on 8090.
EXPOSE 8080 8090 9101 9102 9103 9104 9105 9106 9107 9108 9109 9110 9111 9112 9113 9114 9115 9117 9118 9119
ENTRYPOINT ["node", "dist/bin/fleetstream.js"]
CMD ["--help"]
