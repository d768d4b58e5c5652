#!/usr/bin/env bash
# Real container infrastructure for the integration tests: a Docker engine (Debian docker.io) and an OCI
# distribution registry (Debian docker-registry), both on loopback, plus skopeo/umoci for fixtures.
# Source it, then: start_engines (exports DOCKER_HOST, TEST_REGISTRY, ENG_DIR) / stop_engines.

engines_install() {
  local need=()
  command -v dockerd >/dev/null 2>&1         || need+=(docker.io)
  command -v docker-registry >/dev/null 2>&1 || need+=(docker-registry)
  command -v skopeo >/dev/null 2>&1          || need+=(skopeo)
  command -v umoci >/dev/null 2>&1           || need+=(umoci)
  command -v htpasswd >/dev/null 2>&1        || need+=(apache2-utils)
  command -v zstd >/dev/null 2>&1            || need+=(zstd)
  command -v curl >/dev/null 2>&1            || need+=(curl)
  # the PR comment is measured as rendered (__tests__/report/rendered-height.test.ts)
  command -v chromium >/dev/null 2>&1        || need+=(chromium fonts-noto-color-emoji)
  if ((${#need[@]})); then
    echo "installing: ${need[*]}"
    if [ "$(id -u)" != 0 ]; then echo "need root (or sudo) to apt-get install ${need[*]}" >&2; return 1; fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
}

free_port() {
  python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])' 2>/dev/null \
    || node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

start_engines() {
  engines_install || return 1
  # short: containerd's socket path under --exec-root must stay below 108 characters
  ENG_DIR=$(mktemp -d /tmp/cg-eng.XXXXXX)
  ENG_PIDS=()
  # no bridge, no iptables: the engine never touches the host's networking
  dockerd --iptables=false --ip6tables=false --bridge=none \
    --host "unix://$ENG_DIR/docker.sock" --data-root "$ENG_DIR/root" \
    --exec-root "$ENG_DIR/exec" --pidfile "$ENG_DIR/dockerd.pid" >"$ENG_DIR/dockerd.log" 2>&1 &
  ENG_PIDS+=($!)
  export DOCKER_HOST="unix://$ENG_DIR/docker.sock"

  local port
  port=${REGISTRY_PORT:-$(free_port)}
  mkdir -p "$ENG_DIR/registry"
  cat >"$ENG_DIR/registry.yml" <<YML
version: 0.1
log: {level: warn, accesslog: {disabled: true}}
storage:
  filesystem: {rootdirectory: $ENG_DIR/registry}
  delete: {enabled: true}
http: {addr: "127.0.0.1:$port", secret: cuda-gate-test-only}
YML
  docker-registry serve "$ENG_DIR/registry.yml" >"$ENG_DIR/registry.log" 2>&1 &
  ENG_PIDS+=($!)
  export TEST_REGISTRY="127.0.0.1:$port"
  export ENG_DIR

  local i
  for i in $(seq 1 300); do
    curl -sf --unix-socket "$ENG_DIR/docker.sock" http://d/_ping >/dev/null 2>&1 \
      && curl -sf "http://$TEST_REGISTRY/v2/" >/dev/null 2>&1 && break
    kill -0 "${ENG_PIDS[0]}" 2>/dev/null || { echo "dockerd exited:"; tail -20 "$ENG_DIR/dockerd.log"; return 1; }
    kill -0 "${ENG_PIDS[1]}" 2>/dev/null || { echo "registry exited:"; tail -20 "$ENG_DIR/registry.log"; return 1; }
    sleep 0.1
  done
  curl -sf --unix-socket "$ENG_DIR/docker.sock" http://d/_ping >/dev/null || { echo "dockerd not ready"; tail -20 "$ENG_DIR/dockerd.log"; return 1; }
  curl -sf "http://$TEST_REGISTRY/v2/" >/dev/null || { echo "registry not ready"; tail -20 "$ENG_DIR/registry.log"; return 1; }
  echo "engines ready: DOCKER_HOST=$DOCKER_HOST TEST_REGISTRY=$TEST_REGISTRY"
}

stop_engines() {
  # runs from an EXIT trap under `set -e`: a cleanup hiccup must not turn a green run red
  set +e
  local p
  for p in "${ENG_PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for p in "${ENG_PIDS[@]:-}"; do [ -n "$p" ] && while kill -0 "$p" 2>/dev/null; do sleep 0.1; done; done
  # the engine may leave mounts behind if killed mid-build
  if [ -n "${ENG_DIR:-}" ]; then
    { grep -o " $ENG_DIR[^ ]*" /proc/mounts 2>/dev/null || true; } | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
    rm -rf "$ENG_DIR"
  fi
  return 0
}
