#!/bin/sh
# Links with mold when it is installed (much faster for the solana-program-test tree), else the default linker.
if command -v mold >/dev/null 2>&1; then exec cc -fuse-ld=mold "$@"; else exec cc "$@"; fi
