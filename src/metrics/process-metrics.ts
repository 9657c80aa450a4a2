import { Registry, collectDefaultMetrics } from 'prom-client';

let registry: Registry | undefined;

/**
 * Node's default metrics (CPU, memory, heap, event-loop lag, GC, file descriptors), collected once
 * per process in a registry of their own (not prom-client's global one). They describe the process,
 * whatever the number of chat servers in it, and collecting them starts an event-loop monitor and a
 * GC observer that are never stopped: one set per process, not one per server.
 */
export function processMetrics(): Registry {
  if (registry === undefined) {
    registry = new Registry();
    collectDefaultMetrics({ register: registry });
  }
  return registry;
}
