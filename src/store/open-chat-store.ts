import type { ChatStore } from '../core/records';

/** How `openChatStore` keeps the data. */
export interface OpenChatStoreOptions {
  /** Messages kept per room. */
  readonly historyLimit: number;
  /** The fsync policy. */
  readonly sync: 'off' | 'normal' | 'full';
  /** Recoveries and other news worth a line in the log. */
  readonly onLog?: (message: string) => void;
}

/** Placeholder until the store lands: refuses, so --data-dir fails loudly rather than silently. */
export function openChatStore(dir: string, options: OpenChatStoreOptions): ChatStore {
  void options;
  throw new Error(`no durable store is built into this version (asked for ${dir})`);
}
