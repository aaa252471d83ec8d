# syntax=docker/dockerfile:1
# The image of one of parley's commands under services/, named by SERVICE:
#   parley   every role (the compose file runs it as `parley api`), image `parley`
#   fetcher  the fetcher stage alone, image `parley-fetcher`
#   parser   the parser stage alone, image `parley-parser`
#   indexer  the indexer stage alone, image `parley-indexer`
#   alerter  the alerter stage alone, image `parley-alerter`
# Build from the repository root (the Go workspace):
#   docker build --build-arg SERVICE=fetcher -t parley-fetcher .
ARG GO_VERSION=1.26
ARG SERVICE=parley

FROM golang:${GO_VERSION}-bookworm AS build
ARG SERVICE
WORKDIR /src
# Module files first, so dependency downloads are cached across code changes.
COPY go.work go.work.sum ./
COPY pkg/go.mod pkg/go.sum pkg/
COPY pkg/deploytest/go.mod pkg/deploytest/go.sum pkg/deploytest/
COPY pkg/extract/cmd/extractbench/go.mod pkg/extract/cmd/extractbench/go.sum pkg/extract/cmd/extractbench/
COPY services/fetcher/go.mod services/fetcher/go.sum services/fetcher/
COPY services/parser/go.mod services/parser/go.sum services/parser/
COPY services/indexer/go.mod services/indexer/go.sum services/indexer/
COPY services/alerter/go.mod services/alerter/go.sum services/alerter/
COPY services/parley/go.mod services/parley/go.sum services/parley/
RUN --mount=type=cache,target=/go/pkg/mod cd pkg && go mod download
COPY pkg pkg
COPY services services
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/service ./services/${SERVICE}

# A small runtime with wget for the health check; the binary is static.
FROM alpine:3.22 AS runtime
RUN apk add --no-cache ca-certificates tzdata \
 && addgroup -S -g 10001 parley && adduser -S -D -H -u 10001 -G parley parley \
 && mkdir -p /data && chown parley:parley /data
USER 10001:10001
WORKDIR /data
ENV PARLEY_DATA=/data \
    PARLEY_HTTP=0.0.0.0:8080 \
    PARLEY_LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD wget -q -O /dev/null http://127.0.0.1:8080/healthz || exit 1

# One final stage per service, because ENTRYPOINT does not expand build
# arguments: each installs the binary under its command's name.
FROM runtime AS service-parley
COPY --from=build /out/service /usr/local/bin/parley
ENTRYPOINT ["/usr/local/bin/parley"]

FROM runtime AS service-fetcher
COPY --from=build /out/service /usr/local/bin/parley-fetcher
ENTRYPOINT ["/usr/local/bin/parley-fetcher"]

FROM runtime AS service-parser
COPY --from=build /out/service /usr/local/bin/parley-parser
ENTRYPOINT ["/usr/local/bin/parley-parser"]

FROM runtime AS service-indexer
COPY --from=build /out/service /usr/local/bin/parley-indexer
ENTRYPOINT ["/usr/local/bin/parley-indexer"]

FROM runtime AS service-alerter
COPY --from=build /out/service /usr/local/bin/parley-alerter
ENTRYPOINT ["/usr/local/bin/parley-alerter"]

FROM service-${SERVICE}
