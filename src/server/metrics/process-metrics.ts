// The process's own metrics (CPU, memory, file descriptors, event loop lag, GC, Node version)
// from prom-client's collectDefaultMetrics, under their standard names. They describe the process,
// not an app, and their collectors (GC and event-loop observers) cannot be removed: one registry
// for the whole process, made on first use, however many apps it builds (tests build hundreds).

import { collectDefaultMetrics, Registry } from 'prom-client';

let registry: Registry | undefined;

/**
 * Gauges that prom-client names `_total`, which Prometheus keeps for counters (promtool check
 * metrics refuses them). Each is the sum of its by-type twin (`nodejs_active_handles{type}`, …).
 */
const MISNAMED = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

export function processMetrics(): Registry {
  if (!registry) {
    registry = new Registry();
    collectDefaultMetrics({ register: registry });
    for (const name of MISNAMED) registry.removeSingleMetric(name);
  }
  return registry;
}
