#!/usr/bin/env bash
# Runs the workspace's tests for Windows here, on Linux: cargo builds them for
# x86_64-pc-windows-gnu with Debian's mingw-w64 and runs every test .exe (and
# the chapter .exe each one starts) under Wine. .ci/run calls this after the
# Linux tests; a contributor runs the same:
#
#   tools/scripts/test-windows-wine.sh                      # the whole workspace
#   tools/scripts/test-windows-wine.sh -p chapter12-sequential -- http::
#
# Arguments go to `cargo test` (default: --workspace). Needs rustup's
# x86_64-pc-windows-gnu target and Debian's gcc-mingw-w64-x86-64 and wine64;
# it says what to install when one is missing. Everything it makes lives
# under target/: the Wine prefix (target/wine-prefix), the ProcessPrng
# stand-in DLL, and the Windows build (target/x86_64-pc-windows-gnu).
# NO_RUN=1 only compiles the tests (CI times the two halves apart).
set -euo pipefail
cd "$(dirname "$0")/../.."

TARGET=x86_64-pc-windows-gnu
root=$PWD

missing() {
  echo "test-windows-wine: $1 is missing; $2" >&2
  exit 2
}

rustup target list --installed 2>/dev/null | grep -qx "$TARGET" \
  || missing "the $TARGET target" "run: rustup target add $TARGET"
command -v x86_64-w64-mingw32-gcc >/dev/null \
  || missing "x86_64-w64-mingw32-gcc" "run: apt-get install gcc-mingw-w64-x86-64"
# Debian's wine64 package installs the loader outside PATH; its `wine`
# package adds /usr/bin/wine.
wine=$(command -v wine64 || command -v wine || echo /usr/lib/wine/wine64)
wineserver=$(command -v wineserver || echo /usr/lib/wine/wineserver)
[ -x "$wine" ] || missing "Wine" "run: apt-get install wine64"
"$wine" --version

export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER="$wine"
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER="${CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER:-x86_64-w64-mingw32-gcc}"
[ $# -gt 0 ] || set -- --workspace
if [ "${NO_RUN:-0}" = 1 ]; then
  exec cargo test --locked --target "$TARGET" --no-run "$@"
fi

# A prefix of our own, so that nothing in ~/.wine is used or changed. No
# display: Wine runs console programs without one. No Mono or Gecko either:
# nothing here needs .NET or an HTML engine, and Wine would offer to
# download them.
export WINEPREFIX="$root/target/wine-prefix"
export WINEDEBUG=-all
export WINEDLLOVERRIDES="mscoree,mshtml="
unset DISPLAY WAYLAND_DISPLAY
mkdir -p "$root/target"
if [ ! -e "$WINEPREFIX/.henaserver-ready" ]; then
  # A prefix whose set-up was interrupted is made again from scratch.
  rm -rf "$WINEPREFIX"
  echo "creating the Wine prefix $WINEPREFIX"
  "$wine" wineboot --init >/dev/null 2>&1
  "$wineserver" -w
  touch "$WINEPREFIX/.henaserver-ready"
fi

# Every Rust .exe imports ProcessPrng from bcryptprimitives.dll, which Wine
# 8.0 lacks: tools/scripts/wine/bcryptprimitives.c says why the stand-in exists
# and when it can go. A prefix whose Wine has the DLL itself keeps Wine's.
system32="$WINEPREFIX/drive_c/windows/system32"
dll="$root/target/wine-stand-in/bcryptprimitives.dll"
mkdir -p "$(dirname "$dll")"
x86_64-w64-mingw32-gcc -shared -O2 -Wall -Wextra -Werror -s -o "$dll" \
  tools/scripts/wine/bcryptprimitives.c tools/scripts/wine/bcryptprimitives.def -ladvapi32
if [ -e "$system32/bcryptprimitives.dll" ] && [ ! -e "$WINEPREFIX/.stand-in" ]; then
  echo "this Wine has its own bcryptprimitives.dll: the stand-in is not needed"
else
  cp "$dll" "$system32/bcryptprimitives.dll"
  touch "$WINEPREFIX/.stand-in"
fi

# One wineserver for the whole run, instead of one started and stopped for
# each test binary; it and everything left in the prefix end with the run.
# What it prints (a list of objects still open when it is stopped) goes to a
# log in the prefix, not into the test output.
"$wineserver" -p 2>>"$WINEPREFIX/wineserver.log"
trap '"$wineserver" -k 2>/dev/null || true' EXIT

# Untracked files before, to show that the tests leave none behind.
untracked() { git -C "$root" status --porcelain --untracked-files=all | grep '^??' || true; }
before=$(untracked)
status=0
cargo test --locked --target "$TARGET" "$@" || status=$?

# Nothing a test started may outlive it: no .exe from this build, no
# browser, still running in the prefix.
left=$(for environ in /proc/[0-9]*/environ; do
  pid=${environ#/proc/}; pid=${pid%/environ}
  { tr '\0' '\n' <"$environ" | grep -qx "WINEPREFIX=$WINEPREFIX"; } 2>/dev/null || continue
  args=$({ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null) || continue
  case $args in *"$TARGET"*|*chrom*|*msedge*) echo "  $pid $args" ;; esac
done)
if [ -n "$left" ]; then
  echo "test-windows-wine: processes left behind by the tests:" >&2
  echo "$left" >&2
  status=1
fi
after=$(untracked)
if [ "$after" != "$before" ]; then
  echo "test-windows-wine: files left behind by the tests (git status, before and after):" >&2
  diff <(echo "$before") <(echo "$after") >&2 || true
  status=1
fi
exit "$status"
