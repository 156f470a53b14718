# Shared by the benchmarks (sourced): the binary, a work directory removed on
# exit, timing helpers, and the machine line every result is recorded with.
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/build/smsaudit"
[ -x "$bin" ] || { echo "build first: make" >&2; exit 4; }
[ -x /usr/bin/time ] || { echo "GNU time is needed: scripts/install-deps" >&2; exit 4; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
secs() { awk "BEGIN{printf \"%.2f\", $2 - $1}"; }
ratio() { awk "BEGIN{printf \"%.1f\", $1 / $2}"; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
