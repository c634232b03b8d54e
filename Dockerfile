# Build: `npm ci` installs everything and runs `prepare` (tsc → dist/); dev dependencies are pruned after.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

# Run: the compiled code, production dependencies and what the code reads at run time — the migrations
# (migrate, and every worker at start) and the bundled WSDLs (src/soap/wsdl, found from dist/ via ../).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY migrations ./migrations
COPY src/soap/wsdl ./src/soap/wsdl
USER node
# 3000: dashboard (DASHBOARD_PORT); 9464: /metrics of worker and scheduler (METRICS_PORT).
EXPOSE 3000 9464
# The V8 heap limit as in docker-compose.yml (README, Memory).
CMD ["node", "--max-old-space-size=192", "bin/msads-etl.js", "worker"]
