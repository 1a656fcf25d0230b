# plutora-sync container image: a static Go binary on distroless/static, run as nonroot.
#
#   docker build --build-arg VERSION=$(git describe --tags --always --dirty) -t plutora-sync .
#   docker run --rm -e DATABASE_URL=… -e PLUTORA_REGION=us -e PLUTORA_CLIENT_ID=… plutora-sync
#
# Health: the runtime image has no shell and no curl, so there is no HEALTHCHECK instruction.
# The daemon serves GET /healthz (liveness) and GET /readyz (readiness) on METRICS_ADDR
# (default :9090); probe those from the orchestrator, as deploy/kubernetes/base/deployment.yaml does.
#
# Base images are pinned by exact tag (deploy/image_test.go rejects latest and unversioned tags),
# not by digest: the machines this is written on reach no container registry, so no digest could
# be looked up. Add `@sha256:…` to each FROM when you build a release
# (`docker buildx imagetools inspect IMAGE` prints it).

# The Go toolchain the project is tested with: go.mod's toolchain line (deploy/image_test.go checks
# they agree), on the Debian release distroless has.
ARG GO_VERSION=1.26.10

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
# Modules first, so that a code change does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# The same command .ci/run checks: CGO off gives a static binary that needs no libc.
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" \
      -o /out/plutora-sync ./cmd/plutora-sync

# distroless/static: CA certificates, tzdata and a nonroot user (65532), nothing else.
# Distroless publishes no version tags (latest, nonroot, debug, debug-nonroot), only digests:
# the Debian release is pinned in the name, the rest only by a digest added at release time.
FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
LABEL org.opencontainers.image.title="plutora-sync" \
      org.opencontainers.image.description="Keeps a PostgreSQL warehouse in step with Plutora and Plutora Test" \
      org.opencontainers.image.version="${VERSION}"
COPY --from=build /out/plutora-sync /usr/local/bin/plutora-sync
USER nonroot:nonroot
EXPOSE 9090
ENTRYPOINT ["/usr/local/bin/plutora-sync"]
CMD ["run"]
