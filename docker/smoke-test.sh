#!/usr/bin/env bash
# Builds the server image, starts it on a throwaway volume, and waits until it answers /health
# and serves the web console at /; then removes the container, the volume and the image.
# Needs a working Docker (`docker info`); .ci/run calls it only then.
set -euo pipefail
cd "$(dirname "$0")/.."

tag="fleetdesk-smoke:$$"
name="fleetdesk-smoke-$$"
volume="fleetdesk-smoke-$$"
cleanup() {
  docker rm -f "$name" >/dev/null 2>&1 || true
  docker volume rm "$volume" >/dev/null 2>&1 || true
  docker image rm "$tag" >/dev/null 2>&1 || true
}
trap cleanup EXIT

docker build -f docker/Dockerfile -t "$tag" .
docker volume create "$volume" >/dev/null
docker run -d --name "$name" -v "$volume:/data" -p 127.0.0.1::3000 "$tag" >/dev/null
port="$(docker port "$name" 3000/tcp | head -n1 | sed 's/.*://')"
url="http://127.0.0.1:$port"

deadline=$((SECONDS + 120))
until curl -fsS "$url/health" >/dev/null 2>&1 && curl -fsS "$url/" 2>/dev/null | grep -q 'id="root"'; do
  if [ "$(docker inspect -f '{{.State.Running}}' "$name")" != true ] || [ "$SECONDS" -ge "$deadline" ]; then
    echo "docker smoke test: the container did not answer /health and serve the console at / within 120 s"
    docker logs "$name" 2>&1 | tail -n 50
    exit 1
  fi
  sleep 2
done
echo "docker smoke test: $url answers /health and serves the web console at /"
