# oss-error-exporter image: built in one stage, run from a slim one with production dependencies only, as non-root.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
RUN npm run build && npm prune --omit=dev

FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY examples/gateway-access.log ./examples/
# Named volumes mounted here start with this owner, so the positions file can be written. The user is numeric
# (node is uid 1000 in the node images) so that a kubelet enforcing runAsNonRoot can tell it is not root.
RUN mkdir -p /state && chown 1000:1000 /state
USER 1000:1000
EXPOSE 9817
# The bin's own Node flags (its first line): NODE_OPTIONS may carry none but the first.
ENTRYPOINT ["node", "--max-semi-space-size=4", "--single-threaded-gc", "--heap-growing-percent=100", "dist/cli.js"]
CMD ["examples/gateway-access.log"]
