#!/usr/bin/env bash
# Builds edc-agent (release, Swift runtime linked statically) and packages it as
# dist/edc-agent_<version>_<arch>.deb, then checks the package: its metadata and contents, the
# extracted binary's --help, the systemd units (systemd-analyze verify) and lintian when installed.
#
# Usage: scripts/package-agent.sh   (Debian with the Swift toolchain; root or sudo to install
# missing Debian packages). The build uses its own build directory, .build-package, so it never
# disturbs the developer build in .build; the first build takes several minutes.
# Environment: EDC_AGENT_VERSION (default: from git), EDC_AGENT_MAINTAINER (default: git config).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS

step() { printf '\n==> %s\n' "$*"; }
run() { printf '+ %s\n' "$*"; "$@"; }
fail() { printf 'package-agent: %s\n' "$*" >&2; exit 1; }

step "Tools"
# dpkg-dev: dpkg-shlibdeps (versions in Depends, and a cross-check); binutils: strip, objdump, readelf;
# libxml2-dev and pkg-config: to build (the CLibXML2 target).
scripts/install-deps.sh package
command -v swift >/dev/null || fail "swift is not on PATH: install the Swift toolchain first"
swift --version 2>&1 | head -1
arch=$(dpkg --print-architecture)

step "Version"
if [ -n "${EDC_AGENT_VERSION:-}" ]; then
    version=$EDC_AGENT_VERSION
elif git rev-parse --git-dir >/dev/null 2>&1; then
    # A tag v1.2.3 (or 1.2.3) on HEAD gives 1.2.3; later commits 1.2.3+git<commit time>.<sha>;
    # no such tag 0.1.0+git<commit time>.<sha>. ".dirty" when the sources differ from HEAD.
    sha=$(git rev-parse --short=7 HEAD)
    stamp=$(TZ=UTC git log -1 --format=%cd --date=format-local:%Y%m%d%H%M%S HEAD)
    tag=$(git describe --tags --abbrev=0 --match '[0-9]*' --match 'v[0-9]*' 2>/dev/null || true)
    if [ -n "$tag" ] && [ "$(git rev-list --count "$tag..HEAD")" -eq 0 ]; then
        version=${tag#v}
    else
        version="${tag:+${tag#v}}"
        version="${version:-0.1.0}+git$stamp.$sha"
    fi
    if [ -n "$(git status --porcelain -- Sources Package.swift)" ]; then
        version="$version.dirty"
        echo "Sources/ or Package.swift differ from HEAD: the version says .dirty"
    fi
    echo "git describe --tags --always: $(git describe --tags --always)"
else
    version="0.1.0+$(date -u +%Y%m%d%H%M%S)"
fi
[[ $version =~ ^[0-9][A-Za-z0-9.+~-]*$ ]] || fail "not a Debian version: $version"
echo "Version: $version   Architecture: $arch"
if git rev-parse --git-dir >/dev/null 2>&1; then
    export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct HEAD)}
else
    export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(date +%s)}
fi

step "Build (release, static Swift runtime, build path .build-package)"
build=(swift build -c release --product edc-agent --static-swift-stdlib --build-path .build-package)
# The versions the developer build uses, never rewritten by this build.
[ -f Package.resolved ] && build+=(--force-resolved-versions)
run "${build[@]}"
bin_dir=$("${build[@]}" --show-bin-path)
binary="$bin_dir/edc-agent"
[ -x "$binary" ] || fail "no binary at $binary"

stage=$(mktemp -d)
check=$(mktemp -d)
trap 'rm -rf "$stage" "$check"' EXIT
root="$stage/root"

step "Package tree"
install -d -m 0755 "$root" "$root/DEBIAN" "$root/etc/edc-agent"
install -D -m 0755 "$binary" "$root/usr/bin/edc-agent"
# As dh_strip does for executables.
run strip --remove-section=.comment --remove-section=.note "$root/usr/bin/edc-agent"
for unit in edc-agent-sync.service edc-agent-sync.timer edc-agent-nginx-check.service; do
    install -D -m 0644 "packaging/systemd/$unit" "$root/lib/systemd/system/$unit"
done
install -D -m 0644 packaging/default/edc-agent "$root/etc/default/edc-agent"
install -D -m 0644 packaging/polkit/50-edc-agent.rules "$root/usr/share/polkit-1/rules.d/50-edc-agent.rules"
install -D -m 0644 packaging/lintian/edc-agent "$root/usr/share/lintian/overrides/edc-agent"
doc="$root/usr/share/doc/edc-agent"
install -d -m 0755 "$doc"
gzip -9n <docs/drimbox-vendor-guide.md >"$doc/drimbox-vendor-guide.md.gz"
gzip -9n <docs/drimbox-reference-gateway.md >"$doc/drimbox-reference-gateway.md.gz"
# The example nginx configuration (tested by Tests/EDCAgentTests/EDCAgentNginxExampleTests.swift).
install -d -m 0755 "$doc/examples"
install -m 0644 docs/nginx/edc-drimbox.conf "$doc/examples/edc-drimbox.conf"

# A licence file as the copyright file quotes it: the Apache License 2.0 by reference to
# /usr/share/common-licenses/Apache-2.0 (as Debian asks), with whatever the file adds to it (the
# Swift runtime's Runtime Library Exception); any other licence in full.
licence() {
    if grep -q 'Version 2.0, January 2004' "$1" && grep -q 'limitations under the License\.' "$1"; then
        awk '
            !started && /^ *Apache License *$/ { started = 1; print "Apache License 2.0: /usr/share/common-licenses/Apache-2.0"; next }
            !started { print; next }
            /limitations under the License\./ { ended = NR; extra = ""; next }
            ended { extra = extra $0 "\n" }
            END { if (extra ~ /[^ \n]/) printf "\nIn addition:\n%s", extra }' "$1"
    else
        cat "$1"
    fi
}
# The copyright file: EDC's own notice, then the licence of every package whose code is linked
# into the binary (found from the link's object files), and of the Swift toolchain's runtime.
{
    cat packaging/debian/copyright
    link_list=$(find .build-package -path '*/release/edc-agent.product/Objects.LinkFileList' | head -1)
    [ -n "$link_list" ] || fail "no Objects.LinkFileList for edc-agent in .build-package"
    modules=$(sed -n 's|.*/\([^/]*\)\.build/[^/]*$|\1|p' "$link_list" | tr -d "'\"" | sort -u)
    linked_packages=$(for module in $modules; do
        for dir in .build-package/checkouts/*/Sources/"$module"; do
            if [ -d "$dir" ]; then basename "$(dirname "$(dirname "$dir")")"; fi
        done
    done | sort -u)
    for package in $linked_packages; do
        checkout=.build-package/checkouts/$package
        pin=$(awk -v id="$package" '
            /"identity"/ { found = index($0, "\"" id "\"") > 0 }
            found && /"location"/ { gsub(/[",]/, ""); location = $3 }
            found && /"version"/ { gsub(/[",]/, ""); print location " " $3; exit }' Package.resolved 2>/dev/null || true)
        printf '\n\n==============================================================================\n'
        printf '%s %s\n' "$package" "${pin:-}"
        for file in "$checkout"/LICENSE* "$checkout"/NOTICE* "$checkout"/COPYING*; do
            [ -f "$file" ] || continue
            printf '\n--- %s ---\n\n' "$(basename "$file")"
            licence "$file"
        done
        for module in $modules; do
            for file in "$checkout/Sources/$module"/LICENSE* "$checkout/Sources/$module"/COPYING*; do
                [ -f "$file" ] || continue
                printf '\n--- Sources/%s/%s ---\n\n' "$module" "$(basename "$file")"
                licence "$file"
            done
        done
    done
    toolchain_license="$(dirname "$(readlink -f "$(command -v swift)")")/../share/swift/LICENSE.txt"
    printf '\n\n==============================================================================\n'
    printf 'Swift runtime and Foundation (swift %s), from the Swift toolchain\n' \
        "$(swift --version 2>&1 | sed -n 's/.*Swift version \([^ ]*\).*/\1/p' | head -1)"
    if [ -f "$toolchain_license" ]; then
        printf '\n--- LICENSE.txt ---\n\n'
        licence "$toolchain_license"
    else
        printf '\nApache License 2.0 with Runtime Library Exception, https://swift.org/LICENSE.txt\n'
    fi
} >"$doc/copyright"
echo "copyright: EDC notice, the Swift toolchain's licence and: $(echo $linked_packages)"

step "Shared libraries the binary needs"
run ldd "$root/usr/bin/edc-agent"
needed=$(objdump -p "$root/usr/bin/edc-agent" | awk '$1 == "NEEDED" { print $2 }')
echo "NEEDED entries (Depends comes from these; ldd also lists their own dependencies): $(echo $needed)"
# The package shipping a path; ldd may print /lib/... where dpkg knows /usr/lib/... (merged /usr).
owner() {
    local path=$1 candidate real found
    real=$(readlink -f "$path")
    for candidate in "$path" "${path#/usr}" "/usr$path" "$real" "${real#/usr}" "/usr$real"; do
        found=$(dpkg -S "$candidate" 2>/dev/null | grep -v '^diversion' | head -1 | cut -d: -f1 || true)
        if [ -n "$found" ]; then echo "$found"; return 0; fi
    done
    return 1
}
# dpkg-shlibdeps reads the same NEEDED entries, with the libraries' symbols files: the lowest
# versions that provide the symbols the binary uses. Its answer gives the version constraints and
# cross-checks the package names found with ldd and dpkg -S.
shlibdeps_dir="$stage/shlibdeps"
mkdir -p "$shlibdeps_dir/debian"
printf 'Source: edc-agent\n\nPackage: edc-agent\nArchitecture: any\n' >"$shlibdeps_dir/debian/control"
shlibdeps=$(cd "$shlibdeps_dir" && dpkg-shlibdeps -O "$root/usr/bin/edc-agent" | sed -n 's/^shlibs:Depends=//p')
depends=()
for library in $needed; do
    # "libxml2.so.2 => /lib/.../libxml2.so.2 (0x...)", or "/lib64/ld-linux-x86-64.so.2 (0x...)".
    path=$(ldd "$root/usr/bin/edc-agent" | awk -v lib="$library" '
        $1 == lib && $2 == "=>" { print $3; exit }
        $1 ~ "/" && substr($1, length($1) - length(lib)) == "/" lib { print $1; exit }')
    [ -n "$path" ] && [ -e "$path" ] || fail "ldd cannot find $library"
    package=$(owner "$path") || fail "no Debian package ships $path ($library)"
    # The version: dpkg-shlibdeps's for this package, else the package's shlibs file for the soname.
    dependency=$(tr ',' '\n' <<<"$shlibdeps" | sed 's/^ *//' | awk -v p="$package" '$1 == p { print; exit }')
    if [ -z "$dependency" ]; then
        soname_name=${library%%.so*}
        soname_version=${library#*.so.}
        dependency=$( (cat /var/lib/dpkg/info/"$package".shlibs /var/lib/dpkg/info/"$package":"$arch".shlibs 2>/dev/null || true) \
            | awk -v n="$soname_name" -v v="$soname_version" '$1 == n && $2 == v { $1 = ""; $2 = ""; sub(/^ +/, ""); print; exit }')
    fi
    dependency=${dependency:-$package}
    printf '  %-24s %-42s %-11s -> %s\n' "$library" "$path" "$package" "$dependency"
    depends+=("$dependency")
done
depends_line=$(printf '%s\n' "${depends[@]}" | sort -u | paste -sd, | sed 's/,/, /g')
echo "Depends (ldd, dpkg -S, versions from dpkg-shlibdeps): $depends_line"
echo "dpkg-shlibdeps alone says:                           $shlibdeps"
names() { tr ',' '\n' | sed 's/(.*)//; s/|.*//; s/ //g' | sort -u; }
[ "$(names <<<"$depends_line")" = "$(names <<<"$shlibdeps")" ] \
    || fail "the packages found with ldd and dpkg -S differ from dpkg-shlibdeps's"

step "Control files"
maintainer=${EDC_AGENT_MAINTAINER:-}
if [ -z "$maintainer" ] && git config user.email >/dev/null 2>&1; then
    maintainer="$(git config user.name) <$(git config user.email)>"
fi
maintainer=${maintainer:-EDC maintainers <edc@localhost>}
# A native package's changelog (Debian format): this build.
if git rev-parse --git-dir >/dev/null 2>&1; then
    origin="the EDC repository at commit\n    $(git rev-parse HEAD)"
    [[ $version == *.dirty ]] && origin="$origin, with uncommitted changes"
else
    origin="a source tree without git history"
fi
printf 'edc-agent (%s) unstable; urgency=medium\n\n  * Built by scripts/package-agent.sh from %b.\n\n -- %s  %s\n' \
    "$version" "$origin" "$maintainer" "$(LC_ALL=C date -u -R -d "@$SOURCE_DATE_EPOCH")" \
    | gzip -9n >"$doc/changelog.gz"
cat >"$root/DEBIAN/control" <<EOF
Package: edc-agent
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: $depends_line, adduser
Recommends: polkitd
Suggests: nginx
Section: net
Priority: optional
Description: DRIM-M white list agent for DRIMbox gateways (EDC)
 edc-agent verifies the signed DRIM-M white list (ListeBlancheDRIM-M, XAdES
 signature, signer and content checked strictly), keeps it current (download,
 verify, refuse rollbacks, install atomically, report staleness), writes the
 nginx maps that enforce it on the TLS client certificate, and tells whether a
 URL or a peer's TLS certificate belongs to a listed DRIMbox.
 .
 The edc-agent-sync.timer unit runs it every 10 minutes as the system user
 edc-agent, with its settings in /etc/default/edc-agent. nginx is checked and
 reloaded through a polkit rule (package polkitd).
EOF
echo /etc/default/edc-agent >"$root/DEBIAN/conffiles"
for script in postinst prerm postrm; do
    sh -n "packaging/debian/$script"
    install -m 0755 "packaging/debian/$script" "$root/DEBIAN/$script"
done
(cd "$root" && find . -type f ! -path './DEBIAN/*' ! -path './etc/*' -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) \
    >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
cat "$root/DEBIAN/control"

step "Build the .deb"
mkdir -p dist
deb="dist/edc-agent_${version}_${arch}.deb"
# One package in dist/, so that `apt install ./dist/edc-agent_*.deb` names one version.
for old in dist/edc-agent_*.deb; do
    if [ -f "$old" ] && [ "$old" != "$deb" ]; then run rm -f "$old"; fi
done
run dpkg-deb --build --root-owner-group "$root" "$deb"

step "Check: metadata and contents"
run dpkg-deb --info "$deb"
run dpkg-deb --contents "$deb"
contents=$(dpkg-deb --contents "$deb")
for path in ./usr/bin/edc-agent ./lib/systemd/system/edc-agent-sync.service ./lib/systemd/system/edc-agent-sync.timer \
    ./lib/systemd/system/edc-agent-nginx-check.service ./etc/default/edc-agent \
    ./usr/share/polkit-1/rules.d/50-edc-agent.rules ./usr/share/doc/edc-agent/copyright \
    ./usr/share/doc/edc-agent/drimbox-vendor-guide.md.gz ./usr/share/doc/edc-agent/changelog.gz; do
    grep -q " $path\$" <<<"$contents" || fail "$path is not in the package"
done
grep -v ' root/root ' <<<"$contents" && fail "files not owned by root/root" || true
[ "$(dpkg-deb --field "$deb" Package)" = edc-agent ] || fail "wrong Package field"
dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./conffiles | grep -qx /etc/default/edc-agent || fail "/etc/default/edc-agent is not a conffile"
echo "ok: expected files, root/root, conffile /etc/default/edc-agent"

step "Check: the extracted binary"
run dpkg-deb -x "$deb" "$check"
extracted="$check/usr/bin/edc-agent"
readelf -S "$extracted" | grep -q '\.symtab' && fail "the binary is not stripped"
echo "ok: stripped ($(du -h "$extracted" | cut -f1))"
commands=("" sync status check-url)
# Any other subcommand the binary lists (e.g. check-peer) too.
for command in $("$extracted" --help | awk '/^SUBCOMMANDS:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }'); do
    [[ " ${commands[*]} " == *" $command "* ]] || commands+=("$command")
done
for command in "${commands[@]}"; do
    # shellcheck disable=SC2086
    run "$extracted" $command --help
done

step "Check: systemd units"
if command -v systemd-analyze >/dev/null; then
    # The units as installed: a root with the extracted package (so /usr/bin/edc-agent exists) and
    # this machine's units (the targets they refer to). nginx is not part of the package: a stub
    # stands in for /usr/sbin/nginx. --man=no: no man page lookups.
    verify_root="$stage/verify"
    dpkg-deb -x "$deb" "$verify_root"
    cp -an /lib/systemd/system/. "$verify_root/lib/systemd/system/"
    install -D -m 0755 /dev/null "$verify_root/usr/sbin/nginx"
    run systemd-analyze verify --man=no --root="$verify_root" \
        "$verify_root/lib/systemd/system/edc-agent-sync.service" \
        "$verify_root/lib/systemd/system/edc-agent-sync.timer" \
        "$verify_root/lib/systemd/system/edc-agent-nginx-check.service"
    echo "ok: systemd-analyze verify"
    # Informative: systemd's exposure score of the sandbox (lower is better).
    systemd-analyze security --offline=true --root="$verify_root" --no-pager \
        /lib/systemd/system/edc-agent-sync.service | tail -1 || echo "(systemd-analyze security --offline failed: skipped)"
else
    echo "systemd-analyze is not installed: units not verified (package systemd)"
fi

step "Check: lintian"
if command -v lintian >/dev/null; then
    # Errors and warnings (not fatal: see the report). Known: no-manual-page.
    run lintian "$deb" || echo "lintian reported errors (see above); not fatal"
else
    echo "lintian is not installed: skipped (apt-get install lintian to run it)"
fi

step "Done in $((SECONDS - started)) s"
ls -l "$deb"
echo "$deb ($(du -h "$deb" | cut -f1))"
