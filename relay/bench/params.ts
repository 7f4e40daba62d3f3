/** Every knob of the suite, for the full run and for `--quick`. */
export interface Params {
  quick: boolean;
  /** Worker threads of the load generator. */
  workers: number;
  fanout: {
    subscribers: number;
    publishers: number;
    sizes: number[];
    /** First offered rate, messages/s (each reaches every subscriber). */
    startRate: number;
    factor: number;
    maxSteps: number;
    warmupMs: number;
    measureMs: number;
    drainMs: number;
    p99LimitMs: number;
  };
  rooms: {
    connections: number;
    roomSize: number;
    size: number;
    startRate: number;
    factor: number;
    maxSteps: number;
    warmupMs: number;
    measureMs: number;
    drainMs: number;
    p99LimitMs: number;
    /** Loads, as fractions of the saturated delivery rate, at which latency is measured. */
    fractions: number[];
    latencyWarmupMs: number;
    latencyMeasureMs: number;
  };
  storm: {
    connections: number;
    /** Connects in flight per worker. */
    concurrency: number;
    /** Clients that must reconnect after a relay restart. */
    reconnectClients: number;
  };
  /** Connection counts, and the least time to let RSS settle after each. */
  idle: { levels: number[]; settleMs: number };
  profile: { seconds: number };
}

export function params(quick: boolean): Params {
  if (quick) {
    return {
      quick,
      workers: 2,
      fanout: {
        subscribers: 200,
        publishers: 4,
        sizes: [100],
        startRate: 100,
        factor: 2.5,
        maxSteps: 5,
        warmupMs: 200,
        measureMs: 500,
        drainMs: 3000,
        p99LimitMs: 250,
      },
      rooms: {
        connections: 1000,
        roomSize: 5,
        size: 100,
        startRate: 4000,
        factor: 2.5,
        maxSteps: 4,
        warmupMs: 200,
        measureMs: 500,
        drainMs: 3000,
        p99LimitMs: 250,
        fractions: [0.5],
        latencyWarmupMs: 300,
        latencyMeasureMs: 1000,
      },
      storm: { connections: 1000, concurrency: 32, reconnectClients: 1000 },
      idle: { levels: [500, 1000], settleMs: 500 },
      profile: { seconds: 2 },
    };
  }
  return {
    quick,
    workers: 2,
    fanout: {
      subscribers: 1000,
      publishers: 10,
      sizes: [100, 1024],
      startRate: 10,
      factor: 2,
      maxSteps: 10,
      warmupMs: 500,
      measureMs: 1500,
      drainMs: 20_000,
      p99LimitMs: 250,
    },
    rooms: {
      connections: 10_000,
      roomSize: 5,
      size: 100,
      startRate: 2000,
      factor: 2,
      maxSteps: 8,
      warmupMs: 500,
      measureMs: 1500,
      drainMs: 20_000,
      p99LimitMs: 250,
      fractions: [0.25, 0.5, 0.75],
      latencyWarmupMs: 1000,
      latencyMeasureMs: 3000,
    },
    storm: { connections: 5000, concurrency: 64, reconnectClients: 10_000 },
    idle: { levels: [1000, 5000, 15_000], settleMs: 1000 },
    profile: { seconds: 5 },
  };
}
