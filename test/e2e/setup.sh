#!/usr/bin/env bash
# Installs what the end-to-end tests need, once: Debian packages (Chromium, ripgrep and the headers
# code-server's native modules compile against) and code-server, a real VS Code workbench, into the
# git-ignored tool folder .e2e/tools/code-server. Running it again costs about a second.
#
# code-server is kept out of the extension's own dependencies: it has its own package.json in the
# tool folder. See /work/shared/notes/real-vscode-e2e.md for why each step is needed.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
tools="$root/.e2e/tools"
dir="$tools/code-server"
started=$SECONDS

fail() {
  echo "e2e setup: $*" >&2
  exit 1
}

# code-server bundles a VS Code whose extension host runs on this machine's Node, so the version
# has to match Node's major version. E2E_CODE_SERVER_VERSION overrides the choice.
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [[ -n "${E2E_CODE_SERVER_VERSION:-}" ]]; then
  version="$E2E_CODE_SERVER_VERSION"
else
  case "$node_major" in
    20) version=4.100.3 ;; # VS Code 1.100.3, the newest code-server that runs on Node 20
    *) fail "no code-server version is known to work with Node $node_major; set E2E_CODE_SERVER_VERSION (Node 22 needs 4.103.x, Node 24 4.139.x or later)" ;;
  esac
fi

# The @vscode/ripgrep release each code-server version pulls in, and the rg archive its postinstall
# would download from GitHub; the download is replaced by a copy of Debian's rg.
case "$version" in
  4.100.*) ripgrep_pkg=1.15.11 ripgrep_asset=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz ;;
  *) ripgrep_pkg="${E2E_RIPGREP_PKG:-}" ripgrep_asset="${E2E_RIPGREP_ASSET:-}" ;;
esac

# Two runs at once must not install into the same folder together.
mkdir -p "$tools"
exec 9>"$tools/.setup.lock"
flock 9

# 1. Debian packages, only those missing.
packages=(libkrb5-dev libxkbfile-dev libsecret-1-dev ripgrep chromium)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if ((${#missing[@]})); then
  command -v apt-get >/dev/null || fail "missing Debian packages (${missing[*]}) and no apt-get to install them"
  [[ $(id -u) -eq 0 ]] || fail "missing Debian packages (${missing[*]}); install them as root: apt-get install -y ${missing[*]}"
  echo "e2e setup: installing ${missing[*]}"
  apt-get update -qq || fail "apt-get update failed; install ${missing[*]} by hand"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    fail "apt-get install ${missing[*]} failed"
fi
[[ -x /usr/bin/chromium ]] || fail "/usr/bin/chromium is missing (Debian package chromium)"
command -v rg >/dev/null || fail "rg is missing (Debian package ripgrep)"

# 2. code-server, unless this version is already installed and complete.
bin="$dir/node_modules/.bin/code-server"
installed="$(node -p "try { require('$dir/node_modules/code-server/package.json').version } catch { '' }" 2>/dev/null || true)"
if [[ "$installed" == "$version" && -f "$dir/.complete" && -x "$bin" ]]; then
  echo "e2e setup: code-server $version already installed ($((SECONDS - started)) s)"
  exit 0
fi

echo "e2e setup: installing code-server $version into ${dir#"$root"/} (about a minute)"
rm -rf "$dir"
mkdir -p "$dir"
tmp="$tools/tmp"
mkdir -p "$tmp"
if [[ -n "$ripgrep_pkg" && -n "$ripgrep_asset" ]]; then
  cache="$tmp/vscode-ripgrep-cache-$ripgrep_pkg"
  mkdir -p "$cache/rg"
  cp "$(command -v rg)" "$cache/rg/rg"
  tar -czf "$cache/$ripgrep_asset" -C "$cache/rg" rg
  rm -rf "$cache/rg"
else
  echo "e2e setup: warning: no ripgrep cache seeded for code-server $version; set E2E_RIPGREP_PKG and E2E_RIPGREP_ASSET if its postinstall fails downloading rg" >&2
fi
cat >"$dir/package.json" <<EOF
{
  "name": "slm-assist-e2e-tools",
  "private": true,
  "description": "code-server for SLM Assist's end-to-end tests; installed by test/e2e/setup.sh, not a dependency of the extension.",
  "dependencies": { "code-server": "$version" }
}
EOF

log="$tools/code-server-install.log"
# TMPDIR: where @vscode/ripgrep looks for its cache. npm_config_yes: node-pty's postinstall runs
# `npx node-gyp`, which ~/.npmrc's yes=false would cancel. --unsafe-perm: code-server's postinstall
# refuses to run as root without it.
if ! (cd "$dir" && TMPDIR="$tmp" npm_config_yes=true npm install --no-audit --no-fund --foreground-scripts \
  --unsafe-perm=true --no-package-lock >"$log" 2>&1); then
  tail -n 30 "$log" >&2
  fail "npm install code-server@$version failed; the whole log is in ${log#"$root"/}"
fi
[[ -x "$bin" ]] || fail "code-server installed but $bin is missing; see ${log#"$root"/}"
"$bin" --version >/dev/null 2>&1 || fail "code-server $version does not start on Node $(node --version); see ${log#"$root"/}"
touch "$dir/.complete"
echo "e2e setup: code-server $version installed in $((SECONDS - started)) s"
