#!/usr/bin/env bash
# Sets up a fresh Debian or Ubuntu machine for Conclave: the system packages it
# uses (SoftHSM2 for demo and test tokens, Chromium for the browser shell and
# the end-to-end tests, OpenSC's pkcs11-tool, git, and for the tests a local
# OCI registry with htpasswd, OpenSSL, Python securesystemslib and ssh-keygen), then the npm dependencies (which
# builds pkcs11js from source and builds the app), then a `conclave` command
# on the PATH (scripts/link-command.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(softhsm2 opensc chromium git docker-registry apache2-utils openssl python3-securesystemslib openssh-client)
missing=()
command -v softhsm2-util >/dev/null 2>&1 || missing+=(softhsm2)
command -v pkcs11-tool >/dev/null 2>&1 || missing+=(opensc)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v git >/dev/null 2>&1 || missing+=(git)
command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
command -v htpasswd >/dev/null 2>&1 || missing+=(apache2-utils)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
# Tests only: verifiers Conclave did not write (tests/verifiers).
/usr/bin/python3 -c 'import securesystemslib' >/dev/null 2>&1 || missing+=(python3-securesystemslib)
command -v ssh-keygen >/dev/null 2>&1 || missing+=(openssh-client)

if ((${#missing[@]})); then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "Conclave needs ${missing[*]}; install them with your system's package manager, then run this again." >&2
    exit 1
  fi
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
  echo "Installing ${missing[*]} with apt-get…"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${packages[@]}" >/dev/null
fi

if [[ -f package-lock.json ]]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi

bash scripts/link-command.sh
