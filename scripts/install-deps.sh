#!/usr/bin/env bash
# Installs the system packages EDC needs to build, run and test, when they are missing.
# Usage: scripts/install-deps.sh [run|test|package]   (Debian; run as root or with sudo)
# package: what scripts/package-agent.sh needs (test includes it: the test command builds the package).
set -euo pipefail
mode=${1:-test}

# msmtp: the SMTP client EDC hands its e-mail to (when EDC_SMTP_HOST is set); cairo, pango and
# libqrencode: the attestation PDF; fonts-dejavu-core: the font embedded in it.
packages=(libxml2-dev libsqlite3-dev pkg-config msmtp libcairo2-dev libpango1.0-dev libqrencode-dev fonts-dejavu-core)
case "$mode" in
    # chromium + chromium-driver: the web pages' end-to-end and accessibility tests (selenium).
    test) packages+=(postgresql xmlsec1 nginx openssl python3-pip time curl dpkg-dev binutils gzip poppler-utils zbar-tools chromium chromium-driver) ;;
    package) packages+=(dpkg-dev binutils gzip) ;;
esac

missing=()
# The Nu HTML checker (vnu.jar) runs on Java; any JRE will do.
[ "$mode" = test ] && ! command -v java >/dev/null && packages+=(default-jre-headless)
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing Debian packages: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ "$mode" = test ]; then
    python_missing=()
    python3 -c "import signxml" 2>/dev/null || python_missing+=("signxml==5.2.0")
    python3 -c "import aiosmtpd" 2>/dev/null || python_missing+=("aiosmtpd==1.4.6")
    python3 -c "import openapi_spec_validator, jsonschema, referencing" 2>/dev/null || python_missing+=("openapi-spec-validator==0.9.0" "jsonschema==4.26.0")
    python3 -c "import selenium" 2>/dev/null || python_missing+=("selenium==4.51.0")
    [ "$(python3 -c 'import schemathesis; print(schemathesis.__version__)' 2>/dev/null)" = 4.32.5 ] || python_missing+=("schemathesis==4.32.5")
    if [ ${#python_missing[@]} -gt 0 ]; then
        echo "Installing Python packages: ${python_missing[*]}"
        python3 -m pip install --quiet --disable-pip-version-check "${python_missing[@]}" 2>/dev/null \
            || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages "${python_missing[@]}"
    fi
fi

# The design system's files (and, for tests, axe-core and the Nu HTML checker), checked by SHA-256.
case "$mode" in
    run|test) "$(dirname "$0")/fetch-web-assets.sh" "$mode" ;;
esac
