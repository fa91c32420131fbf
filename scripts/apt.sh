# Sourced by the set-up scripts: install Debian packages when they are missing.
apt_updated=""
apt_install() {
  if ! command -v apt-get >/dev/null; then
    echo "missing: $* (no apt-get here; install them with your package manager)" >&2
    return 1
  fi
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if [ -z "$apt_updated" ]; then
    $sudo apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@"
}
