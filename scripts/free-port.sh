#!/usr/bin/env bash
# Sourced by the scripts that start private services (run-tests.sh, bench/):
#   free_ports VAR...   sets each VAR to a distinct loopback TCP port that
#                       nothing uses now.
#
# Ports come from outside the kernel's ephemeral range
# (net.ipv4.ip_local_port_range), so an outgoing connection opened after the
# pick (a server's pool connecting to PostgreSQL, wrk) can never take one
# before its service binds it. A port with any socket on it (listening,
# connected or in TIME_WAIT, IPv4 or IPv6) is skipped.
free_ports() {
  local low=32768 high=60999 port given=" " var
  read -r low high </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
  for var in "$@"; do
    while :; do
      if ((low > 11024)); then
        port=$((10000 + RANDOM % (low - 10000)))
      else
        port=$((high + 1 + RANDOM % (65535 - high)))
      fi
      [[ $given == *" $port "* ]] && continue
      grep -qs "$(printf ':%04X ' "$port")" /proc/net/tcp /proc/net/tcp6 && continue
      given+="$port "
      printf -v "$var" '%s' "$port"
      break
    done
  done
}
