#!/usr/bin/env bash
# Every benchmark, against freshly packaged binaries, one after the other (never in parallel:
# they would measure each other). Prints the machine first, then each benchmark's table.
#
#     bash tests/benchmarks/run_all.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

./pants --tag=-docker package services/api:api services/worker:worker \
  services/broadcaster:broadcaster >/dev/null

cpu_model="$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1)"
memory_gib="$(awk '/MemTotal/ {printf "%.0f", $2 / 1048576}' /proc/meminfo)"
echo "machine: $(nproc) cores (${cpu_model}), ${memory_gib} GiB; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for benchmark in repository api availability worker worker_start webhooks broadcaster; do
  printf '\n## %s\n' "${benchmark}"
  ./pants run "tests/benchmarks/${benchmark}_benchmark.py" 2> >(grep -v '^\s*$' | grep -v '\[INFO\]' >&2)
done
