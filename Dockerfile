# The emulator with the reference scenario's world and its handler, on port 4566.
# Build stage: the same script CI runs (scripts/build-release.sh).
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN scripts/build-release.sh \
 && mkdir /out \
 && cp target/release/emulator target/release/handler /out/

# Final stage: Debian's slim image, CA certificates, the two binaries and the fixtures;
# nothing else (no compiler, no sources). The handler is the function's prebuilt code, so a container's
# function is Active from the start.
FROM debian:bookworm-slim
# What a Lambda execution environment of the provided.al2023 runtime has besides a shell:
# the CA certificates (functions whose SDK client loads the system's roots cannot start
# without them) and curl (AL2023's minimal image ships curl-minimal; shell-script
# bootstraps speak the Runtime API with it, as the end-to-end suite's do).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin emulator \
 && install -d -o emulator -g emulator -m 0700 /var/lib/emulator
COPY --from=build /out/emulator /usr/local/bin/emulator
COPY --from=build /out/handler /opt/functions/handler
COPY fixtures /fixtures
# The end-to-end tests' principals, so that `cargo test -p integration-tests` can target
# this container.
COPY integration-tests/fixtures /fixtures/tests
ENV EMULATOR_LISTEN=0.0.0.0:4566 \
    EMULATOR_FIXTURES=/fixtures/parameter-store-blog/world.yaml,/fixtures/docker,/fixtures/tests
# /var/lib/emulator: the state directory compose mounts its named volume on (--state-dir);
# owned by the emulator's user, so a new volume is too.
# Not root: the emulator and the functions it starts run as this user.
USER emulator
EXPOSE 4566
HEALTHCHECK --interval=2s --timeout=2s --retries=15 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/4566 && printf 'GET /_emulator/health HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q '\"ok\"' <&3"]
ENTRYPOINT ["/usr/local/bin/emulator"]
