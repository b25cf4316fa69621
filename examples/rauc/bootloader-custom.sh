#!/bin/sh
# RAUC's custom bootloader backend, keeping the boot order and each slot's state in files
# under $BOOT_STATE (default /var/lib/boot-state): what a bootloader's environment holds.
# RAUC calls: get-primary | set-primary SLOT | get-state SLOT | set-state SLOT good|bad
# (and the boot chain calls `rauc status mark-good` once the system is up, or the bootloader
# marks the slot bad after its boot attempts run out: the rollback).
set -eu
state=${BOOT_STATE:-/var/lib/boot-state}
mkdir -p "$state"
case "$1" in
  get-primary)
    # The first slot of the boot order that is not bad.
    for slot in $(cat "$state/order" 2>/dev/null || echo "A B"); do
      if [ "$(cat "$state/$slot" 2>/dev/null || echo good)" != bad ]; then echo "$slot"; exit 0; fi
    done
    exit 1 ;;
  set-primary)
    other=$( [ "$2" = A ] && echo B || echo A )
    echo "$2 $other" > "$state/order"
    echo good > "$state/$2" ;;
  get-state)
    cat "$state/$2" 2>/dev/null || echo good ;;
  set-state)
    echo "$3" > "$state/$2" ;;
  *)
    echo "unknown command: $*" >&2; exit 1 ;;
esac
