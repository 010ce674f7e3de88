# The remote (multi-tenant) server as an image: a static binary on scratch,
# with CA certificates, run as a non-root user, no shell.
#   docker build -t myapihq-mcp .
#   docker run -p 8080:8080 -e MYAPI_STATE_KEY=... myapihq-mcp
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/myapihq-mcp . \
 && mkdir -p /out/tmp && chmod 1777 /out/tmp

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/myapihq-mcp /myapihq-mcp
COPY --from=build /out/tmp /tmp
# 65532: the conventional "nonroot" id; no /etc/passwd is needed for a number.
USER 65532:65532
EXPOSE 8080
ENV MYAPI_MULTI_TENANT=1 MYAPI_HTTP_ADDR=0.0.0.0:8080 MYAPI_HTTP_ALLOW_REMOTE=1 MYAPI_LOG_LEVEL=info
HEALTHCHECK NONE
ENTRYPOINT ["/myapihq-mcp", "http"]
