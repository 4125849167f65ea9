#!/usr/bin/env bash
# Local base images for `make images IMAGE_BASES=local`, made without any image registry (this machine reaches
# Debian's mirror and PyPI/npm, not Docker Hub or ghcr.io):
#   python : Debian bookworm minbase (debootstrap) + python3 + ca-certificates + libglib2.0-0
#   node   : the python base + this machine's Node.js and npm (Vite needs Node >= 20.19; bookworm has 18)
#   nginx  : Debian bookworm minbase + nginx-light, unprivileged like nginxinc/nginx-unprivileged (UID 101,
#            port 8080, pid and temp files under /tmp, includes /etc/nginx/conf.d/*.conf)
#   uv     : this machine's uv binary at /uv, like ghcr.io/astral-sh/uv
# The root file systems are cached in ~/.cache/labelhive/images, keyed by suite and BASES_VERSION; the images
# live in buildah's store, labelled with the same key, and are rebuilt only when the key changes.
# Prints KEY=image lines (PYTHON_IMAGE=..., NODE_IMAGE=..., NGINX_IMAGE=..., UV_IMAGE=...) on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
SUITE=bookworm
BASES_VERSION=2  # bump when what goes into a base changes
UV_VERSION=${UV_VERSION:-$(uv --version | cut -d' ' -f2)}
NODE_VERSION=$(node --version)
cache=${LABELHIVE_CACHE:-$HOME/.cache/labelhive}/images
log=$cache/bases.log
mkdir -p "$cache"
say() { printf '\033[1m[image-bases]\033[0m %s\n' "$*" >&2; }
die() { printf 'image-bases: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "debootstrap and buildah's chroot builds need root"
for cmd in debootstrap buildah; do command -v "$cmd" >/dev/null || die "'$cmd' is missing (scripts/bootstrap.d/images.sh installs it)"; done
export BUILDAH_ISOLATION=chroot

mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '/^deb / && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}
key="$SUITE-v$BASES_VERSION"

# rootfs <name> <packages...>: a cached tarball of minbase + packages (+ the name's own setup).
rootfs() {
  local name=$1; shift
  local tarball=$cache/$name-$key.tar
  [ -s "$tarball" ] && { echo "$tarball"; return; }
  local minbase=$cache/minbase-$key.tar dir
  if [ ! -s "$minbase" ]; then
    say "debootstrap --variant=minbase $SUITE ($mirror), about 3 minutes"
    dir=$(mktemp -d "$cache/minbase.XXXX")
    debootstrap --variant=minbase "$SUITE" "$dir" "$mirror" >>"$log" 2>&1 || die "debootstrap failed (log: $log)"
    tar -C "$dir" -cf "$minbase.tmp" . && mv "$minbase.tmp" "$minbase"
    rm -rf "$dir"
  fi
  say "$name root file system: minbase + $*"
  dir=$(mktemp -d "$cache/$name.XXXX")
  tar -C "$dir" -xf "$minbase"
  cp /etc/resolv.conf "$dir/etc/resolv.conf"
  chroot "$dir" sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $*" \
    >>"$log" 2>&1 || die "apt-get install $* in the $name root failed (log: $log)"
  "setup_$name" "$dir"
  chroot "$dir" apt-get clean
  rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin "$dir"/var/log/*.log "$dir/etc/resolv.conf"
  : > "$dir/etc/resolv.conf"
  tar -C "$dir" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
  rm -rf "$dir"
  echo "$tarball"
}

setup_python() { :; }

setup_nginx() {
  local dir=$1
  chroot "$dir" sh -c 'groupadd --system --gid 101 nginx && useradd --system --uid 101 --gid 101 --no-create-home nginx'
  rm -f "$dir/etc/nginx/sites-enabled/default"
  cat > "$dir/etc/nginx/nginx.conf" <<'CONF'
# Unprivileged: any UID, read-only root; pid and temp files in /tmp (an emptyDir in the pod).
worker_processes auto;
pid /tmp/nginx.pid;
error_log stderr warn;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log /dev/stdout;
    sendfile on;
    keepalive_timeout 65;
    client_body_temp_path /tmp/client_temp;
    proxy_temp_path /tmp/proxy_temp;
    fastcgi_temp_path /tmp/fastcgi_temp;
    uwsgi_temp_path /tmp/uwsgi_temp;
    scgi_temp_path /tmp/scgi_temp;
    include /etc/nginx/conf.d/*.conf;
}
CONF
  mkdir -p "$dir/usr/share/nginx/html"
}

# image <name> <tag> <tarball> [buildah config args...]: import unless the labelled image is there.
image() {
  local name=$1 ref=$2 tarball=$3; shift 3
  if [ "$(buildah inspect --type image --format '{{index .ImageAnnotations "io.labelhive.base"}}' "$ref" 2>/dev/null)" = "$key" ]; then
    echo "$ref"; return
  fi
  say "import $ref"
  local ctr
  ctr=$(buildah from scratch)
  buildah add --quiet "$ctr" "$tarball" / >/dev/null
  buildah config --annotation "io.labelhive.base=$key" --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env LANG=C.UTF-8 "$@" "$ctr"
  buildah commit --quiet --rm "$ctr" "$ref" >/dev/null
  echo "$ref"
}

python_tar=$(rootfs python python3 ca-certificates libglib2.0-0)
nginx_tar=$(rootfs nginx nginx-light ca-certificates)
python_ref=$(image python "localhost/labelhive-base/python:$key" "$python_tar" --cmd python3)
nginx_ref=$(image nginx "localhost/labelhive-base/nginx:$key" "$nginx_tar" --user 101 --port 8080 \
  --stop-signal SIGQUIT --cmd '["nginx", "-g", "daemon off;"]')

node_key="$key-node${NODE_VERSION#v}"
node_ref="localhost/labelhive-base/node:$node_key"
if [ "$(buildah inspect --type image --format '{{index .ImageAnnotations "io.labelhive.base"}}' "$node_ref" 2>/dev/null)" != "$node_key" ]; then
  say "node base: $python_ref + this machine's Node.js $NODE_VERSION"
  npm_root=$(npm root -g)/npm
  ctr=$(buildah from --pull=never "$python_ref")
  buildah copy --quiet "$ctr" "$(command -v node)" /usr/local/bin/node >/dev/null
  buildah copy --quiet "$ctr" "$npm_root" /usr/local/lib/node_modules/npm >/dev/null
  shim=$(mktemp -d)
  printf '#!/bin/sh\nexec /usr/local/bin/node /usr/local/lib/node_modules/npm/bin/npm-cli.js "$@"\n' > "$shim/npm"
  printf '#!/bin/sh\nexec /usr/local/bin/node /usr/local/lib/node_modules/npm/bin/npx-cli.js "$@"\n' > "$shim/npx"
  chmod 755 "$shim/npm" "$shim/npx"
  buildah copy --quiet --chmod 755 "$ctr" "$shim/npm" "$shim/npx" /usr/local/bin/ >/dev/null
  rm -rf "$shim"
  buildah config --annotation "io.labelhive.base=$node_key" --cmd node "$ctr"
  buildah commit --quiet --rm "$ctr" "$node_ref" >/dev/null
fi

uv_ref="localhost/labelhive-base/uv:$UV_VERSION"
if [ "$(buildah inspect --type image --format '{{index .ImageAnnotations "io.labelhive.base"}}' "$uv_ref" 2>/dev/null)" != "uv-$UV_VERSION" ]; then
  [ "$(uv --version | cut -d' ' -f2)" = "$UV_VERSION" ] || die "uv on PATH is not $UV_VERSION"
  # The binary itself, not a shim (pyenv puts a shell script named uv on PATH).
  uv_bin=$(python3 -c 'import uv; print(uv.find_uv_bin())' 2>/dev/null || command -v uv)
  head -c 4 "$uv_bin" | grep -q ELF || die "$uv_bin is not the uv binary"
  say "uv base: this machine's uv $UV_VERSION at /uv"
  ctr=$(buildah from scratch)
  buildah copy --quiet --chmod 755 "$ctr" "$uv_bin" /uv >/dev/null
  buildah config --annotation "io.labelhive.base=uv-$UV_VERSION" "$ctr"
  buildah commit --quiet --rm "$ctr" "$uv_ref" >/dev/null
fi

printf 'PYTHON_IMAGE=%s\nNODE_IMAGE=%s\nNGINX_IMAGE=%s\nUV_IMAGE=%s\n' "$python_ref" "$node_ref" "$nginx_ref" "$uv_ref"
