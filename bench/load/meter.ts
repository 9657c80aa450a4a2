import { nowMicros } from './client';
import { machineBusyMicros, ownCpuMicros } from './proc';
import type { RunningServer } from './server-process';

/** Wall time and CPU over one measured window, in CPU seconds per wall second (1.0 = one core). */
export interface CpuWindow {
  readonly seconds: number;
  readonly serverCpuShare: number;
  readonly generatorCpuShare: number;
  /**
   * Everything else on the machine (other processes, kernel). The machine may be shared: a high
   * value flags a run whose numbers were squeezed by a neighbour.
   */
  readonly otherCpuShare: number;
  readonly serverCpuMicros: number;
}

export function startCpuWindow(server: RunningServer): () => CpuWindow {
  const wall0 = nowMicros();
  const server0 = server.cpuMicros();
  const own0 = ownCpuMicros();
  const machine0 = machineBusyMicros();
  return () => {
    const wall = nowMicros() - wall0;
    const serverCpuMicros = server.cpuMicros() - server0;
    const own = ownCpuMicros() - own0;
    const machine = machineBusyMicros() - machine0;
    return {
      seconds: wall / 1e6,
      serverCpuShare: serverCpuMicros / wall,
      generatorCpuShare: own / wall,
      otherCpuShare: Math.max(0, machine - serverCpuMicros - own) / wall,
      serverCpuMicros,
    };
  };
}
