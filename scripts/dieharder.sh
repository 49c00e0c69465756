#!/usr/bin/env bash
# Raw-stream battery: pipes the raw ARS4x32-7 output (examples/raw_stream.rs)
# into dieharder's full battery and records the result.
#
#   scripts/dieharder.sh [SEED] [STREAM] [OUTFILE] [-- extra dieharder args]
#
# Defaults: seed 0, stream 0, OUTFILE benches/dieharder-ars4x32-7.txt.
# Needs dieharder (Debian/Ubuntu: apt-get install dieharder). Takes 30-90
# minutes on a 2-core machine, so it is not part of CI. To rerun one test,
# e.g. a WEAK or FAILED one, with another key:
#   scripts/dieharder.sh 12345 7 /tmp/one.txt -- -d 17
# (then the extra arguments replace -a).
set -euo pipefail
cd "$(dirname "$0")/.."

seed=${1:-0}
stream=${2:-0}
outfile=${3:-benches/dieharder-ars4x32-7.txt}
shift $(( $# < 3 ? $# : 3 ))
if [[ ${1:-} == "--" ]]; then
    shift
    tests=("$@")
else
    tests=(-a)
fi

command -v dieharder >/dev/null || { echo "dieharder not found (apt-get install dieharder)" >&2; exit 1; }
cargo build --release --example raw_stream
gen=target/release/examples/raw_stream

cmd="$gen $seed $stream | dieharder ${tests[*]} -g 200"
start=$(date +%s)
{
    echo "# varscale raw-stream battery: ARS4x32-7 (fill_bits, Options::default())"
    echo "# date:    $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "# command: $cmd"
    echo "# commit:  $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo ' (dirty)')"
    echo "# machine: $(uname -srm); $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//'); $(nproc) cores"
    echo "# rustc:   $(rustc --version)"
    echo "# dieharder: $(dpkg-query -W -f='${Version}' dieharder 2>/dev/null || echo unknown)"
    echo "#"
} > "$outfile"
# raw_stream ends quietly when dieharder closes the pipe.
"$gen" "$seed" "$stream" | dieharder "${tests[@]}" -g 200 | tee -a "$outfile"
end=$(date +%s)
{
    echo "#"
    echo "# runtime: $(( end - start )) s"
    for a in PASSED WEAK FAILED; do
        printf '%s %s  ' "$a" "$(grep -cE "\\|[[:space:]]*$a[[:space:]]*\$" "$outfile" || true)"
    done | sed 's/^/# summary: /'
    echo
} | tee -a "$outfile"
