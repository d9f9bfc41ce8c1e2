#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmarks: builds the release preset and runs bench/run.sh (markdown tables + JSON).
set -euo pipefail
cd "$(dirname "$0")/.."
exec bench/run.sh "$@"
