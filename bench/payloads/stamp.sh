#!/bin/sh
# Records the moment the payload started (epoch nanoseconds) for the dispatch-latency benchmark.
date +%s%N > "$STAMP"
