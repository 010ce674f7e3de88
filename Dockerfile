# The remote (multi-tenant) server as an image: the release's static
# linux/amd64 binary on scratch, with the CA bundle of the build machine's
# Debian ca-certificates, run as a numeric non-root user, no shell.
#
# Nothing is pulled while building: scripts/release.sh stages the context,
# a rootfs/ holding /myapihq-mcp (the binary from dist/),
# /etc/ssl/certs/ca-certificates.crt and an empty /tmp of mode 1777 (a
# folder copied whole keeps its mode), and builds this file with podman:
#   bash scripts/release.sh                  # → dist/myapihq-mcp_<version>_image.tar
#   docker load -i dist/myapihq-mcp_<version>_image.tar   # or podman load
#   docker run -p 8080:8080 -e MYAPI_STATE_KEY="$(openssl rand -hex 32)" ghcr.io/myapihq/myapihq-mcp:<version>
# The default command is the multi-tenant server on 0.0.0.0:8080, as
# deploy/kubernetes/deployment.yaml runs it; `… IMAGE --version` prints the
# version, and any other command line replaces the default one.
FROM scratch
ARG VERSION=0.0.0
LABEL org.opencontainers.image.title="myapihq-mcp" \
      org.opencontainers.image.description="MCP server for MyAPIHQ: the multi-tenant remote mode" \
      org.opencontainers.image.source="https://github.com/myapihq/myapihq-mcp" \
      org.opencontainers.image.version="${VERSION}" \
      io.modelcontextprotocol.server.name="io.github.myapihq/myapihq-mcp"
COPY rootfs/ /
# 65532: the conventional "nonroot" id; no /etc/passwd is needed for a number.
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/myapihq-mcp"]
CMD ["http", "--multi-tenant", "--addr", "0.0.0.0:8080", "--allow-remote"]
