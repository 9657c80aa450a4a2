import type { ChatMessage, ClientId, Delivery, RoomAudience } from './events';
import type { AudienceView } from './member-log';

/**
 * Deliveries of joins and leaves, whose `to` (and rooms' `members`) is made into an array only
 * when first read. Their audience is the room's members as of the change (see `MemberLog`); most
 * of a join storm's audiences are never read (the storm operator sends each newcomer its own line
 * and one summary to the room), so they are never copied. The audience is an own enumerable
 * property with one getter shared by all of them (one hidden class, and `toEqual` sees a plain
 * delivery); read it, never spread a delivery whose audience you do not need (`withAudience`).
 */
class LazyDelivery {
  readonly #view: AudienceView;
  static readonly #to: PropertyDescriptor = {
    enumerable: true,
    get(this: LazyDelivery): readonly ClientId[] {
      return this.#view.resolve();
    },
  };
  declare readonly to: readonly ClientId[];
  readonly kind = 'deliver';

  constructor(view: AudienceView) {
    this.#view = view;
    Object.defineProperty(this, 'to', LazyDelivery.#to);
  }
}

class LazyRoomAudience {
  readonly #view: AudienceView;
  static readonly #members: PropertyDescriptor = {
    enumerable: true,
    get(this: LazyRoomAudience): readonly ClientId[] {
      return this.#view.resolve();
    },
  };
  declare readonly members: readonly ClientId[];

  constructor(
    readonly room: string,
    view: AudienceView,
  ) {
    this.#view = view;
    Object.defineProperty(this, 'members', LazyRoomAudience.#members);
  }
}

/** The fields of a delivery besides its audience. */
export interface DeliveryFields {
  readonly everyone?: true;
  readonly except?: ClientId;
  readonly message: ChatMessage;
  readonly rooms?: readonly RoomAudience[];
  readonly at: number;
}

/** A delivery to `view`'s members, made into an array when `to` is first read. */
export function lazyDelivery(view: AudienceView, fields: DeliveryFields): Delivery {
  const delivery = new LazyDelivery(view) as unknown as Record<string, unknown>;
  if (fields.everyone !== undefined) delivery['everyone'] = fields.everyone;
  if (fields.except !== undefined) delivery['except'] = fields.except;
  delivery['message'] = fields.message;
  if (fields.rooms !== undefined) delivery['rooms'] = fields.rooms;
  delivery['at'] = fields.at;
  return delivery as unknown as Delivery;
}

/** A room and its members as of `view`, made into an array when first read. */
export function lazyRoomAudience(room: string, view: AudienceView): RoomAudience {
  return new LazyRoomAudience(room, view);
}

/** `delivery` for another audience, without reading (and so making) its own. */
export function withAudience(delivery: Delivery, to: readonly ClientId[]): Delivery {
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(delivery)) copy[key] = key === 'to' ? to : delivery[key as keyof Delivery];
  return copy as unknown as Delivery;
}
