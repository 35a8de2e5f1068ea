# ttmon collect in a container: one static binary (CGO_ENABLED=0, pure-Go
# SQLite), running as a non-root user, the store on a volume.
#
#   docker build -t ttmon --build-arg VERSION=$(git describe --tags) .
#   docker run -d -p 8010:8010 -v ttmon-data:/var/lib/ttmon -e TTMON_TOKENS=phc_... \
#     ttmon --insecure-http                 # behind a TLS-terminating proxy
#   docker run -d -p 8443:8010 -v ttmon-data:/var/lib/ttmon -v /etc/letsencrypt/live/ttmon.example.com:/certs:ro \
#     -e TTMON_TOKENS=phc_... ttmon --tls-cert /certs/fullchain.pem --tls-key /certs/privkey.pem
#
# Without TLS or --insecure-http the collector refuses to listen on the
# container's address, as it does everywhere off loopback.

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
COPY third_party ./third_party
RUN go mod download
COPY . .
ARG VERSION=devel
ARG COMMIT=
ARG DATE=
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/ttmon/ttmon/cmd.version=${VERSION} -X github.com/ttmon/ttmon/cmd.commit=${COMMIT} -X github.com/ttmon/ttmon/cmd.date=${DATE}" \
      -o /out/ttmon . \
 && /out/ttmon version \
 && mkdir -p /out/data

# distroless/static: CA certificates, /etc/passwd with "nonroot" (65532),
# no shell, no libc.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ttmon /usr/bin/ttmon
COPY --from=build --chown=65532:65532 /out/data /var/lib/ttmon
USER 65532:65532
ENV XDG_CONFIG_HOME=/etc \
    TTMON_DB=/var/lib/ttmon/events.db \
    TTMON_LISTEN=0.0.0.0:8010
VOLUME ["/var/lib/ttmon"]
EXPOSE 8010
# /healthz and /readyz answer on the same port for orchestrators' probes.
ENTRYPOINT ["/usr/bin/ttmon", "collect"]
