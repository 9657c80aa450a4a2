/** The Redis keys of one chat: everything under the `{chat}:` prefix, so several chats share one Redis. */
export interface RelayKeys {
  /** The ordered events: one entry per batch. */
  readonly stream: string;
  /** The latest snapshot (a hash: epoch, id, n, seqs, state). */
  readonly snapshot: string;
  /** Which process builds the next snapshot (a short-lived claim, so that the others do not). */
  readonly snapshotClaim: string;
  /** The current epoch: `{run_id}/{reset entry id}`; gone with an empty restart. */
  readonly epoch: string;
  /** Numbers the entries (field `n`), so a reader notices entries it missed. */
  readonly counter: string;
  /** The processes that announced themselves; each has a lease key. */
  readonly nodes: string;
  /** The prefix of lease keys (`{chat}:node:{node}`). */
  readonly leasePrefix: string;
  lease(node: string): string;
  /** The last batch seq the stream accepted from a node: makes a re-sent batch harmless. */
  seq(node: string): string;
}

export function relayKeys(chat: string): RelayKeys {
  const leasePrefix = `${chat}:node:`;
  return {
    stream: `${chat}:events`,
    snapshot: `${chat}:snapshot`,
    snapshotClaim: `${chat}:snapshot:claim`,
    epoch: `${chat}:epoch`,
    counter: `${chat}:counter`,
    nodes: `${chat}:nodes`,
    leasePrefix,
    lease: (node) => leasePrefix + node,
    seq: (node) => `${chat}:seq:${node}`,
  };
}
