import type { RelayEvent } from './cluster-events';

/** One entry of the chat's stream, as a reader sees it. */
export type StreamEntry =
  /** One process's events of one event-loop turn (or more, while a publish was in flight). */
  | {
      readonly kind: 'batch';
      readonly id: string;
      readonly n: number;
      readonly node: string;
      readonly seq: number;
      readonly events: readonly RelayEvent[];
      /** Characters of payload (the events' JSON): what the snapshot schedule weighs the stream by. */
      readonly size?: number;
    }
  /** The first entry of an epoch: a reader that meets it in its stream missed a restart. */
  | { readonly kind: 'reset'; readonly id: string; readonly n: number };

type RawEntry = [id: string, fields: string[]];
type XreadReply = [key: string, entries: RawEntry[]][] | null;

/** Decodes an XREAD reply (RESP2 shapes). An entry the relay did not write still counts, as an empty batch. */
export function parseXread(reply: unknown): StreamEntry[] {
  const streams = reply as XreadReply;
  if (streams === null || streams.length === 0) return [];
  return streams[0]![1].map(([id, list]) => parseEntry(id, list));
}

function parseEntry(id: string, list: readonly string[]): StreamEntry {
  const fields = new Map<string, string>();
  for (let i = 0; i + 1 < list.length; i += 2) fields.set(list[i]!, list[i + 1]!);
  const n = Number(fields.get('n'));
  if (fields.has('reset')) return { kind: 'reset', id, n };
  const payload = fields.get('e');
  return {
    kind: 'batch',
    id,
    n,
    node: fields.get('node') ?? '',
    seq: Number(fields.get('seq') ?? 0),
    events: parseEvents(payload),
    size: payload?.length ?? 0,
  };
}

function parseEvents(text: string | undefined): RelayEvent[] {
  if (text === undefined) return [];
  try {
    const events: unknown = JSON.parse(text);
    return Array.isArray(events) ? (events as RelayEvent[]) : [];
  } catch {
    return [];
  }
}
