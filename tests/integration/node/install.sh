#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# Installs the OpenTelemetry JS SDK packages that sdk_client.js uses, exactly
# as pinned in package-lock.json, into node_modules/ beside this file.
#
# Idempotent: does nothing when node_modules/ was installed by this script
# after the last change of package.json and package-lock.json; otherwise runs
# `npm ci` (which removes node_modules/ first). Exits non-zero with a message
# naming what failed: node or npm missing or too old, the registry
# unreachable, or npm ci failing for another reason.

set -u

cd "$(dirname "$0")" || exit 1

die() {
	printf 'install.sh: %s\n' "$@" >&2
	exit 1
}

# written last, only after npm ci and the check below succeeded
STAMP=node_modules/.spantap-installed

command -v node >/dev/null 2>&1 || die "node not found in PATH (Debian: apt-get install nodejs)"
command -v npm >/dev/null 2>&1 || die "npm not found in PATH (Debian: apt-get install npm)"

# the pinned SDK wants node ^18.19.0 || >=20.6.0
node -e '
const [a, b] = process.versions.node.split(".").map(Number);
process.exit((a === 18 && b >= 19) || (a === 20 && b >= 6) || a > 20 ? 0 : 1);
' || die "node $(node --version) is too old: the OpenTelemetry SDK pinned here needs ^18.19.0 || >=20.6.0"

[ -f package-lock.json ] || die "package-lock.json missing in $PWD"

if [ -f "$STAMP" ] && [ "$STAMP" -nt package-lock.json ] && [ "$STAMP" -nt package.json ]; then
	exit 0
fi

log=$(mktemp) || die "mktemp failed"
trap 'rm -f "$log"' EXIT

start=$SECONDS
if ! npm ci --no-audit --no-fund --loglevel=error --fetch-retries=2 --fetch-timeout=60000 >"$log" 2>&1; then
	cat "$log" >&2
	if grep -Eq 'ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|network|socket hang up' "$log"; then
		die "npm ci failed: the npm registry ($(npm config get registry 2>/dev/null)) is unreachable"
	fi
	die "npm ci failed in $PWD (output above)"
fi

node -e '
for (const m of ["@opentelemetry/api", "@opentelemetry/sdk-trace-node",
	"@opentelemetry/sdk-trace-base", "@opentelemetry/core",
	"@opentelemetry/resources", "@opentelemetry/semantic-conventions",
	"@opentelemetry/exporter-trace-otlp-http", "@opentelemetry/instrumentation",
	"@opentelemetry/instrumentation-http"]) require.resolve(m);
' || die "npm ci succeeded but the SDK packages do not resolve in $PWD/node_modules"

touch "$STAMP" || die "cannot write $PWD/$STAMP"
printf 'install.sh: installed the OpenTelemetry SDK packages in %ss\n' $((SECONDS - start)) >&2
