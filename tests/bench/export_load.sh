#!/bin/bash
# The exporter's tick lag with no scraper and with 50 scraping as fast as they can, each for
# 20 s against a max-rate timer storm sampled every 0.5 s (tests/e2e/t_serve_load.sh prints
# the figures: scrapes, latency, kvmscope's CPU time, late ticks, lost events).
cd "$(dirname "$0")/../.." || exit 1
for n in 0 50; do
	echo "-- $n scrapers"
	SCRAPERS=$n LOAD_SECONDS=20 bash tests/e2e/t_serve_load.sh || exit 1
done
