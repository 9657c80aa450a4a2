import type { ClientId, Notice } from '../core/events';
import { RELAY_NOTICES } from './relay-notices';

export interface OutageNoticesOptions {
  /** An outage shorter than this goes unmentioned. */
  readonly delayMs: number;
  /** Whether the outage still lasts as the delay is up. */
  readonly ongoing: () => boolean;
  /** Who hears of an outage as the delay is up: this process's clients and the newcomers it holds. */
  readonly audience: () => Iterable<ClientId>;
  /** Words for one of this process's clients. */
  readonly tell: (id: ClientId, notice: Notice) => void;
}

/**
 * What this process's clients hear of an outage: nothing of a blip; once `delayMs` in, each hears
 * that the relay is unavailable (once, newcomers held meanwhile too), and each one told hears when
 * it is back.
 */
export class OutageNotices {
  private timer?: NodeJS.Timeout;
  private announced = false;
  private readonly told = new Set<ClientId>();

  constructor(private readonly options: OutageNoticesOptions) {}

  /** The relay went down (again: the first delay still runs). */
  began(): void {
    this.timer ??= setTimeout(() => this.announce(), this.options.delayMs);
  }

  /** A newcomer is held: it hears at once if the others heard already. */
  held(id: ClientId): void {
    if (this.announced) this.tellUnavailable(id);
  }

  /** The relay is back: whoever was told hears so. */
  over(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.announced = false;
    for (const id of this.told) this.options.tell(id, RELAY_NOTICES.back);
    this.told.clear();
  }

  /** Nobody hears anything more. */
  dispose(): void {
    clearTimeout(this.timer);
  }

  private announce(): void {
    this.timer = undefined;
    if (!this.options.ongoing()) return;
    this.announced = true;
    for (const id of this.options.audience()) this.tellUnavailable(id);
  }

  private tellUnavailable(id: ClientId): void {
    if (this.told.has(id)) return;
    this.told.add(id);
    this.options.tell(id, RELAY_NOTICES.unavailable);
  }
}
