"""Pure checks for `.eval_results/*.yaml` submissions: no network, no platform code."""
