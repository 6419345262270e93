#!/usr/bin/env bash
# What Redis spends executing small Lua scripts, by INFO commandstats (usec per call), in a hot
# loop of one redis-benchmark client: an empty script, scripts of 1 and 3 redis.call, our
# renew.lua for one node (a light beat, and one that moves the deadline) and the TypeScript
# reference's heartbeat EVAL. It shows where a lone heartbeat's cost comes from on this Redis:
# a fixed cost per script plus a cost per redis.call that dwarfs what the commands themselves do.
#
# Usage: titan-discovery-benchmarks/lua-call-costs.sh [rounds]   (needs redis-server,
# redis-cli and redis-benchmark on the PATH; starts its own redis-server on a free port).
# RENEW=file measures another version of renew.lua, e.g. an older one from git show.
set -euo pipefail
rounds=${1:-7}
here=$(cd "$(dirname "$0")/.." && pwd)
renew=${RENEW:-"$here/titan-discovery-core/src/main/resources/dev/titan/discovery/lua/renew.lua"}
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
while redis-cli -p "$port" ping >/dev/null 2>&1; do port=$((port + 1)); done
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
  --pidfile "$work/redis.pid" --logfile "$work/redis.log" --dir "$work"
trap 'kill "$(cat "$work/redis.pid")" 2>/dev/null || true; rm -rf "$work"' EXIT
cli() { redis-cli -p "$port" "$@"; }
until cli ping >/dev/null 2>&1; do sleep 0.1; done

# 10,000 nodes as both implementations write them (hash, heartbeat, deadline, index), TTL 1 h
p='titan:discovery'
cli eval "for i = 0, 9999 do
  local id = string.format('node-%06d', i)
  redis.call('HSET', '$p:nodes:' .. id, 'address', '10.0.0.1:8080', 'services', ARGV[1], 'timestamp', '1800000000000')
  redis.call('EXPIRE', '$p:nodes:' .. id, 3600)
  redis.call('SET', '$p:heartbeat:' .. id, '1800000000000', 'PX', 3600000)
  redis.call('ZADD', '$p:index:deadlines', 1800000000000 + i, id)
  redis.call('SADD', '$p:index:nodes', id)
end" 0 '[{"name":"svc-01","version":"1.0.0"},{"name":"svc-02","version":"1.0.0"},{"name":"svc-03","version":"2.0.0"}]' >/dev/null

reference="redis.call('HMSET', KEYS[1], 'address', ARGV[2], 'services', ARGV[3], 'timestamp', ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('PSETEX', KEYS[2], ARGV[6], '1')
redis.call('SADD', KEYS[3], ARGV[1])
return 1"
empty=$(cli script load "return 1")
one=$(cli script load "redis.call('EXPIRE', KEYS[1], ARGV[1]) return 1")
three=$(cli script load "redis.call('EXPIRE', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], 'timestamp', ARGV[2])
redis.call('SET', KEYS[2], ARGV[2], 'PX', '3600000')
return 1")
ours=$(cli script load "$(cat "$renew")")
n="$p:nodes:node-000005"
h="$p:heartbeat:node-000005"
services='[{"name":"svc-01","version":"1.0.0"},{"name":"svc-02","version":"1.0.0"},{"name":"svc-03","version":"2.0.0"}]'
# __rand_int__ gives every call a new timestamp; for the moving renewal it also varies the TTL
# (a 13-digit number of ms), so that every call really moves the deadline
labels=(empty-script 1-call 3-calls renew-light renew-moving reference-eval)
commands=(
  "evalsha $empty 0"
  "evalsha $one 1 $n 3600"
  "evalsha $three 2 $n $h 3600 1__rand_int__"
  "evalsha $ours 1 $n 3600000 3600 1__rand_int__ $p - node-000005"
  "evalsha $ours 1 $n 1__rand_int__ 3600 1__rand_int__ $p + node-000005"
  "eval REFERENCE 3 $n $h $p:index:nodes node-000005 10.0.0.1:8080 SERVICES 1__rand_int__ 3600 3600000"
)
declare -A results
for ((r = 0; r < rounds; r++)); do
  for i in "${!labels[@]}"; do
    read -r -a argv <<<"${commands[$i]}"
    for j in "${!argv[@]}"; do
      [[ ${argv[$j]} == REFERENCE ]] && argv[$j]=$reference
      [[ ${argv[$j]} == SERVICES ]] && argv[$j]=$services
    done
    cli config resetstat >/dev/null
    redis-benchmark -p "$port" -c 1 -n 20000 -r 100000000 -q "${argv[@]}" >/dev/null
    stat=$(cli info commandstats | grep -E "^cmdstat_${argv[0]}:" | sed 's/.*usec_per_call=\([0-9.]*\).*/\1/')
    results[${labels[$i]}]+=" $stat"
  done
done
echo "# redis $(cli info server | grep redis_version | cut -d: -f2 | tr -d '\r'), usec per call (commandstats), median of $rounds rounds"
for label in "${labels[@]}"; do
  median=$(tr ' ' '\n' <<<"${results[$label]}" | grep . | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')
  printf '%-16s %6s   rounds:%s\n' "$label" "$median" "${results[$label]}"
done
