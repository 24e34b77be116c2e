#!/usr/bin/env bash
# CI's size of the load test: bench/load.sh for 30 seconds at 64 connections (the full run is 10 minutes:
# bench/load.sh 600 64, figures in docs/RELIABILITY.md).
exec bash "$(dirname "$0")/../bench/load.sh" 30 64
