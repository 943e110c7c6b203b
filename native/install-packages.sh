#!/usr/bin/env bash
# Installs the Debian packages named as arguments that are not installed yet (apt is not asked at all when
# none is missing), as root or through sudo. Used by native/setup.sh and bench/setup.sh.
# Usage: bash native/install-packages.sh LABEL PACKAGE...   (LABEL prefixes the messages, e.g. "setup")
set -euo pipefail
label="$1"
shift
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
((${#missing[@]})) || exit 0
echo "$label: installing missing Debian packages: ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "$label: need root (or sudo) to install ${missing[*]}" >&2; exit 1; }
  sudo_cmd=(sudo)
fi
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
