#!/bin/sh
# Writes $FLOOD_BYTES bytes of stdout as fast as it can (pilot memory benchmark).
head -c "${FLOOD_BYTES:-100000000}" /dev/zero | tr '\0' 'x'
