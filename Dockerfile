# oss-error-exporter image: built in one stage, run from a slim one with production dependencies only, as non-root.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:24-slim
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=4
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY examples/gateway-access.log ./examples/
# Named volumes mounted here start with this owner, so the positions file can be written.
RUN mkdir -p /state && chown node:node /state
USER node
EXPOSE 9817
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["examples/gateway-access.log"]
