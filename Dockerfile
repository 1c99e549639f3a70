# The emulator with the reference scenario's world and its handler, on port 4566.
# Build stage: the same script CI runs (scripts/build-release.sh).
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN scripts/build-release.sh

FROM debian:bookworm-slim
COPY --from=build /src/target/release/emulator /usr/local/bin/emulator
COPY --from=build /src/target/release/handler /opt/functions/handler
COPY fixtures /fixtures
# The end-to-end tests' principals, so that `cargo test -p integration-tests` can target
# this container.
COPY integration-tests/fixtures /fixtures/tests
ENV EMULATOR_LISTEN=0.0.0.0:4566 \
    EMULATOR_FIXTURES=/fixtures/parameter-store-blog/world.yaml,/fixtures/docker,/fixtures/tests
EXPOSE 4566
HEALTHCHECK --interval=2s --timeout=2s --retries=15 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/4566 && printf 'GET /_emulator/health HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q '\"ok\"' <&3"]
ENTRYPOINT ["/usr/local/bin/emulator"]
