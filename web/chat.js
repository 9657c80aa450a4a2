// The rxchat page: one WebSocket to the server it came from, speaking rxchat.v1 (lines up, JSON
// frames down). Plain ES module, no build step. User text only ever reaches the DOM through
// textContent, so a message is never parsed as HTML.
//
// Rooms: the server routes plain lines to the client's current room (the one it /joined last), so
// the room in view is always the server's current room: switching sends `/join #room` first.

const SUBPROTOCOL = 'rxchat.v1';
/** Enough scrollback for a session, per room; older entries are dropped so the page does not grow forever. */
const MAX_LOG_ENTRIES = 1000;
/** Like the terminal client (src/client/backoff.ts): 0.5 s doubling up to 30 s, up to 20% shorter. */
const BACKOFF = { initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.2 };
/** After the server said it shuts down, a restart is worth a few tries, not an endless loop. */
const TRIES_AFTER_SHUTDOWN = 5;
/** How near the bottom counts as "reading the latest" for auto-scrolling, in pixels. */
const STICKY_SCROLL_PX = 48;
/** The number of name colour classes (name-0 … name-9), as many as the terminal's colours. */
const NAME_COLOURS = 10;
/** The server's room rule (src/core/rooms.ts). */
const ROOM_PATTERN = /^#[A-Za-z0-9._-]{1,32}$/;
/** The default room unless the server names another (its first `joined` or `who` frame does). */
const DEFAULT_ROOM = '#lobby';
/** After a rate-limited notice, when to make sure the server's current room is the one in view. */
const RESYNC_MS = 2_000;
/** How many older messages one scroll to the top asks for (/history, at most 100). */
const HISTORY_PAGE = 50;
/** How near the top counts as "scrolled to the top" for loading older messages, in pixels. */
const LOAD_OLDER_PX = 40;
/** Where the session token is kept: this tab only, and a reload of it resumes. */
const SESSION_KEY = 'rxchat.session';

const CLOSE_REASONS = {
  1001: 'server going away',
  1003: 'the server accepts text frames only',
  1008: 'refused by the server',
  1009: 'message too large',
};

const ui = {
  body: document.body,
  myName: byId('my-name'),
  status: byId('status'),
  reconnect: byId('reconnect'),
  rooms: byId('rooms'),
  joinForm: byId('join-room'),
  roomInput: byId('room-input'),
  roomTitle: byId('room-title'),
  roomLink: byId('room-link'),
  part: byId('part'),
  people: byId('people'),
  peopleCount: byId('people-count'),
  log: byId('log'),
  form: byId('send'),
  input: byId('input'),
};

/**
 * A room the page is in (or the "no room" view): its messages, its members and its entry in the
 * room list. The room in view keeps its entries in #log; the others keep them in `store`.
 * @typedef {{
 *   name: string, key: string, listed: boolean,
 *   roster: Map<string, { name: string, item: HTMLElement }>, unlisted: number, more: HTMLElement,
 *   store: HTMLElement, scrollTop: number | undefined, unread: number, stale: boolean,
 *   item: HTMLElement, button: HTMLButtonElement, label: HTMLElement, badge: HTMLElement, badgeCount: HTMLElement,
 *   ids: Map<number, number>, lastId: number, ownSince: boolean, loadingOlder: boolean, older: boolean,
 * }} Room
 * `ids` maps the message ids shown to their times (a message is known by both: a restarted server
 * without a store counts from 1 again); `lastId` is the newest shown; `ownSince` says the page sent
 * a message to the room since then (the server never echoes it, so its id is unknown); `older` is
 * false once the server said no earlier messages are kept.
 */

const state = {
  /** @type {WebSocket | undefined} */
  socket: undefined,
  connected: false,
  myName: '',
  /** The rooms the page is in, in join order, by room key. @type {Map<string, Room>} */
  rooms: new Map(),
  /** The default room (it may have been parted, then it is not in `rooms`). @type {Room} */
  home: /** @type {Room} */ (/** @type {unknown} */ (undefined)),
  /** Where messages go when the page is in no room. @type {Room} */
  nowhere: /** @type {Room} */ (/** @type {unknown} */ (undefined)),
  /** The room in view: the server's current room (or `nowhere`). @type {Room} */
  view: /** @type {Room} */ (/** @type {unknown} */ (undefined)),
  /** Between a welcome and the connection closing. */
  welcomed: false,
  /** The page's own /who after welcome: its answer fills the default room's list and is not printed. */
  silentWho: false,
  /** Rooms whose next /who answer (without a prefix) only refreshes their list, by key. */
  quietWho: new Set(),
  /** Rooms the page left: frames already on their way for them are dropped, by key. */
  parted: new Set(),
  /** Rooms the page is joining again after a reconnect: their `entered` does not switch the view, by key. */
  rejoining: new Set(),
  /** A room named by the address (`/#rust`), joined once connected. @type {string | undefined} */
  linkRoom: undefined,
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  resyncTimer: undefined,
  /** Reconnect attempts since the last successful connection. */
  attempt: 0,
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  retryTimer: undefined,
  /** Set by /quit: the close that follows is the user's wish, not a failure. */
  quitting: false,
  /** Set by an idle-timeout notice: an idle tab should not rejoin by itself and hold a place. */
  idleKicked: false,
  /** Set by a shutdown message: reconnect a few times only. */
  serverShutdown: false,
  /** Tries left after a shutdown, counting down. */
  shutdownTriesLeft: 0,
  /** The session to resume after a dropped connection (issue 16). @type {string | undefined} */
  token: readToken(),
  /** A /resume was sent on this connection and not yet answered. */
  resuming: false,
  /** The page's own /session was sent and not yet answered: the answer is not printed. */
  sessionAsked: false,
  /** The server has no sessions: the page stops asking. */
  noSessions: false,
};

function readToken() {
  try {
    return sessionStorage.getItem(SESSION_KEY) ?? undefined;
  } catch {
    return undefined; // storage may be off
  }
}

function keepToken(token) {
  state.token = token;
  try {
    if (token === undefined) sessionStorage.removeItem(SESSION_KEY);
    else sessionStorage.setItem(SESSION_KEY, token);
  } catch {
    // storage may be off: the token lives as long as the page then
  }
}

function byId(id) {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`#${id} is missing from the page`);
  return element;
}

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

/** Names are unique case-insensitively (src/core/names.ts nameKey). */
function nameKey(name) {
  return name.toLowerCase();
}

/** The same FNV-1a hash as the terminal client (src/client/line-style.ts), so a name keeps its colour. */
function nameColourIndex(name) {
  let hash = 0x811c9dc5;
  const key = nameKey(name);
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % NAME_COLOURS;
}

function nameElement(name) {
  const span = document.createElement('span');
  span.className = `name name-${nameColourIndex(name)}`;
  span.textContent = name;
  return span;
}

function isMe(name) {
  return nameKey(name) === nameKey(state.myName);
}

function setMyName(name) {
  state.myName = name;
  ui.myName.replaceChildren(nameElement(name));
  document.title = `${name} - rxchat`;
}

// ---------------------------------------------------------------------------------------------
// Rooms
// ---------------------------------------------------------------------------------------------

const LOOKALIKE_CHARS = { 1: 'l', i: 'l', '|': 'l', 0: 'o', 5: 's', 2: 'z', 8: 'b' };
const LOOKALIKE_PAIRS = { rn: 'm', vv: 'w', cl: 'd' };

/**
 * Rooms are one whatever their case and look-alike characters: the server's key (src/core/rooms.ts
 * roomKey, src/core/names.ts nameKey), so that `/join #Ru5t` finds the #rust the page is in.
 */
function roomKey(name) {
  const folded = name.slice(1).toLowerCase();
  return `#${folded.replace(/[1i|0528]/g, (c) => LOOKALIKE_CHARS[c]).replace(/rn|vv|cl/g, (p) => LOOKALIKE_PAIRS[p])}`;
}

/** @returns {Room} */
function newRoom(name) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'room-button';
  const label = textSpan('room-name', name);
  const badgeCount = textSpan('unread-count', '');
  const badge = document.createElement('span');
  badge.className = 'unread';
  badge.hidden = true;
  badge.append(badgeCount, textSpan('visually-hidden', ' unread'));
  button.append(label, badge);
  const item = document.createElement('li');
  item.className = 'room';
  item.append(button);
  const more = document.createElement('li');
  more.className = 'person person-more';
  const store = document.createElement('div');
  /** @type {Room} */
  const room = {
    name,
    key: roomKey(name),
    listed: false,
    roster: new Map(),
    unlisted: 0,
    more,
    store,
    scrollTop: undefined,
    unread: 0,
    stale: false,
    item,
    button,
    label,
    badge,
    badgeCount,
    ids: new Map(),
    lastId: 0,
    ownSince: false,
    loadingOlder: false,
    older: true,
  };
  button.addEventListener('click', () => switchTo(room));
  return room;
}

/** Puts a room in the list (at the end: the list is in join order, as the server keeps it). */
function listRoom(room) {
  if (room.listed) return room;
  room.listed = true;
  state.rooms.set(room.key, room);
  ui.rooms.append(room.item);
  return room;
}

function unlistRoom(room) {
  room.listed = false;
  state.rooms.delete(room.key);
  room.item.remove();
  room.roster = new Map();
  room.unlisted = 0;
}

/** The room a frame is about: `room` if named, else the default room. Undefined for a room just left. */
function roomOf(m) {
  if (!isString(m.room)) return state.home.listed ? state.home : undefined;
  const key = roomKey(m.room);
  const room = state.rooms.get(key);
  if (room !== undefined) return room;
  if (state.parted.has(key) || !ROOM_PATTERN.test(m.room)) return undefined;
  // The server only tells members about a room: the page is in it, though it missed the join.
  return listRoom(key === state.home.key ? state.home : newRoom(m.room));
}

/** The server named its default room (its first frames do): the page assumed #lobby until then. */
function learnDefaultRoom(name) {
  const { home } = state;
  if (!ROOM_PATTERN.test(name) || home.name === name) return;
  const key = roomKey(name);
  if (home.key !== key && state.rooms.has(key)) return;
  if (home.listed) state.rooms.delete(home.key);
  home.name = name;
  home.key = key;
  home.label.textContent = name;
  if (home.listed) state.rooms.set(key, home);
  if (state.view === home) showRoomHeader(home);
}

/** Shows a room: its messages in the log, its members in the list; the address names it. */
function showRoom(room) {
  const old = state.view;
  if (old === room) return;
  if (old !== undefined) {
    old.scrollTop = atBottom() ? undefined : ui.log.scrollTop;
    old.store.append(...ui.log.childNodes);
  }
  state.view = room;
  // Moving a room's history in is not news: the live region stays quiet while it happens.
  ui.log.setAttribute('aria-live', 'off');
  ui.log.append(...room.store.childNodes);
  ui.log.scrollTop = room.scrollTop ?? ui.log.scrollHeight;
  requestAnimationFrame(() => {
    ui.log.setAttribute('aria-live', 'polite');
    if (room.scrollTop === undefined) ui.log.scrollTop = ui.log.scrollHeight;
  });
  room.unread = 0;
  showUnread(room);
  for (const other of state.rooms.values()) {
    if (other === room) other.button.setAttribute('aria-current', 'true');
    else other.button.removeAttribute('aria-current');
  }
  showRoomHeader(room);
  renderPeople();
  if (room.stale && room.listed) refreshPeople(room);
}

function showRoomHeader(room) {
  const inRoom = room !== state.nowhere;
  ui.roomTitle.textContent = inRoom ? room.name : 'No room: join one';
  ui.log.setAttribute('aria-label', inRoom ? `Messages in ${room.name}` : 'Messages');
  ui.part.hidden = !inRoom;
  ui.part.setAttribute('aria-label', `Leave ${room.name}`);
  ui.roomLink.hidden = !inRoom;
  ui.roomLink.href = `#${room.name.slice(1)}`;
  ui.roomLink.setAttribute('aria-label', `Link to ${room.name}`);
  // The address opens the page in this room; the default room needs no name.
  const hash = inRoom && room !== state.home ? room.name : '';
  if (location.hash !== hash && state.linkRoom === undefined)
    history.replaceState(null, '', `${location.pathname}${location.search}${hash}`);
}

function showUnread(room) {
  room.badge.hidden = room.unread === 0;
  room.badgeCount.textContent = String(room.unread);
}

/** The user picked a room in the list: the server's current room follows, then the view. */
function switchTo(room) {
  if (room === state.view) return;
  // Sent first: a line typed next must reach the new room. Disconnected, the rejoin does it later.
  send(`/join ${room.name}`);
  showRoom(room);
  ui.input.focus();
}

/** Joins (or, for a room the page is in, returns to) a room: a new one shows when the server says `entered`. */
function joinRoom(name) {
  if (!ROOM_PATTERN.test(name)) {
    problem(`invalid room name: ${name} (use # and 1-32 of A-Z a-z 0-9 . _ -)`);
    return;
  }
  const known = state.rooms.get(roomKey(name));
  if (known === state.view) return;
  if (!send(`/join ${name}`)) {
    problem('not connected: try again once connected');
    return;
  }
  state.parted.delete(roomKey(name));
  if (known !== undefined) showRoom(known);
}

/** The page sent /part for a room: the server answers the one who parts with nothing, so it goes now. */
function leftRoom(room) {
  unlistRoom(room);
  state.parted.add(room.key);
  state.quietWho.delete(room.key);
  if (state.view !== room) return;
  // The server's rule: the current room becomes the one joined last among those left.
  const next = [...state.rooms.values()].at(-1) ?? state.nowhere;
  showRoom(next);
  info(`you left ${room.name}`);
}

function partRoom() {
  const room = state.view;
  if (room === state.nowhere) return;
  if (!send(`/part ${room.name}`)) {
    problem('not connected: try again once connected');
    return;
  }
  leftRoom(room);
  ui.input.focus();
}

/** A room named in the address (`#rust`), or undefined. */
function roomFromAddress() {
  const raw = location.hash.slice(1);
  if (raw === '') return undefined;
  let name;
  try {
    name = decodeURIComponent(raw);
  } catch {
    name = raw;
  }
  return name.startsWith('#') ? name : `#${name}`;
}

function followAddress() {
  const name = roomFromAddress();
  if (name === undefined || (ROOM_PATTERN.test(name) && state.rooms.get(roomKey(name)) === state.view)) return;
  if (state.welcomed) joinRoom(name);
  else state.linkRoom = name;
}

// ---------------------------------------------------------------------------------------------
// The members of each room; the list shows the room in view
// ---------------------------------------------------------------------------------------------

// Updated item by item: a storm of joins in a big room must not rebuild the whole list each time.

function personItem(name) {
  const item = document.createElement('li');
  item.className = 'person';
  item.append(nameElement(name));
  if (isMe(name)) {
    item.classList.add('person-me');
    item.append(textSpan('you', ' (you)'));
  }
  return item;
}

function showCount(room) {
  if (room !== state.view) return;
  room.more.textContent = `and ${room.unlisted} more`;
  if (room.unlisted > 0 && room.more.parentNode === null) ui.people.append(room.more);
  if (room.unlisted === 0) room.more.remove();
  ui.peopleCount.textContent = `(${room.roster.size + room.unlisted})`;
}

function renderPeople() {
  const room = state.view;
  ui.people.replaceChildren(...[...room.roster.values()].map((person) => person.item));
  room.more.remove();
  showCount(room);
}

function addPerson(room, name) {
  const key = nameKey(name);
  room.roster.get(key)?.item.remove();
  room.roster.delete(key);
  const item = personItem(name);
  room.roster.set(key, { name, item });
  if (room === state.view) ui.people.insertBefore(item, room.more.parentNode === ui.people ? room.more : null);
  showCount(room);
}

/** Takes someone off a room's list; false if the list did not name them. */
function removePerson(room, name) {
  const person = room.roster.get(nameKey(name));
  if (person === undefined) return false;
  person.item.remove();
  room.roster.delete(nameKey(name));
  showCount(room);
  return true;
}

/** Someone the list may not name left: off the list, or one fewer of those a bounded /who did not list. */
function removeMember(room, name) {
  if (removePerson(room, name)) return;
  if (room.unlisted > 0) room.unlisted--;
  showCount(room);
}

function renamePerson(room, from, to) {
  const person = room.roster.get(nameKey(from));
  if (person === undefined) return false;
  // Keep the join order: the new name takes the old one's place.
  const item = personItem(to);
  if (room === state.view) person.item.replaceWith(item);
  const entries = [...room.roster].map(([key, value]) =>
    key === nameKey(from) ? [nameKey(to), { name: to, item }] : [key, value],
  );
  room.roster = new Map(entries);
  showCount(room);
  return true;
}

function fillPeople(room, names, count) {
  room.roster = new Map(names.map((name) => [nameKey(name), { name, item: personItem(name) }]));
  room.unlisted = Math.max(0, count - room.roster.size);
  room.stale = false;
  if (room === state.view) renderPeople();
}

/** Asks the server for a room's members; the answer refreshes the list without being printed. */
function refreshPeople(room) {
  // A plain /who answers the current room, which is the room in view.
  if (send(room === state.view ? '/who' : `/who ${room.name}`)) {
    state.quietWho.add(room.key);
    room.stale = false;
  }
}

function clearPeople() {
  for (const room of [...state.rooms.values(), state.home]) {
    room.roster = new Map();
    room.unlisted = 0;
  }
  renderPeople();
}

// ---------------------------------------------------------------------------------------------
// The message log: the room in view's entries are in #log, the others' wait in their store
// ---------------------------------------------------------------------------------------------

/** True while a scroll to the bottom waits for the next frame. */
let followPending = false;

function atBottom() {
  return ui.log.scrollHeight - ui.log.scrollTop - ui.log.clientHeight <= STICKY_SCROLL_PX;
}

/**
 * Appends one entry built from strings (inserted as text) and elements to a room's log (by default
 * the room in view), keeping it bounded.
 */
function addEntryTo(room, kind, ...parts) {
  const entry = document.createElement('div');
  entry.className = `entry ${kind}`;
  entry.append(...parts);
  return appendEntry(room, entry);
}

/** Appends a built entry to a room's log, as `addEntryTo`. */
function appendEntry(room, entry) {
  if (room !== state.view) {
    room.store.append(entry);
    while (room.store.childElementCount > MAX_LOG_ENTRIES) room.store.firstElementChild?.remove();
    return entry;
  }
  // Follow new messages, unless the user scrolled up to read older ones. Measured once per frame
  // at most, so that a burst of messages does not force a layout for each one.
  if (!followPending && atBottom()) {
    followPending = true;
    requestAnimationFrame(() => {
      followPending = false;
      ui.log.scrollTop = ui.log.scrollHeight;
    });
  }
  ui.log.append(entry);
  while (ui.log.childElementCount > MAX_LOG_ENTRIES) ui.log.firstElementChild?.remove();
  return entry;
}

function addEntry(kind, ...parts) {
  return addEntryTo(state.view, kind, ...parts);
}

/** A message said in a room: counted as unread while the room is not in view. */
function addMessage(room, kind, ...parts) {
  const entry = addEntryTo(room, kind, ...parts);
  if (room === state.view) return entry;
  room.unread++;
  showUnread(room);
  return entry;
}

function textSpan(className, text) {
  const span = document.createElement('span');
  span.className = className;
  span.textContent = text;
  return span;
}

function info(text) {
  addEntry('notice info', textSpan('mark', '[*]'), ' ', text);
}

function problem(text) {
  addEntry('notice error', textSpan('mark', '[!]'), ' ', text);
}

function said(room, name, text, mine) {
  if (mine) room.ownSince = true;
  return addMessage(room, mine ? 'said mine' : 'said', nameElement(name), ': ', textSpan('text', text));
}

function action(room, name, text, mine) {
  if (mine) room.ownSince = true;
  return addMessage(room, mine ? 'action mine' : 'action', '* ', nameElement(name), ' ', textSpan('text', text));
}

// ---------------------------------------------------------------------------------------------
// Message ids and history (issue 16): each room's messages are known by id, history is marked
// ---------------------------------------------------------------------------------------------

/** Where a room's entries are: #log for the room in view, its store otherwise. */
function containerOf(room) {
  return room === state.view ? ui.log : room.store;
}

/**
 * Notes a message shown in a room. An id already shown with another time means the server's
 * history started again (restarted without a store): what the page knew of ids no longer holds.
 */
function rememberId(room, id, at) {
  const known = room.ids.get(id);
  if (known !== undefined && known !== at) {
    room.ids.clear();
    room.lastId = 0;
    for (const entry of containerOf(room).querySelectorAll('.entry[data-id]')) delete entry.dataset.id;
  }
  room.ids.set(id, at);
  room.lastId = Math.max(room.lastId, id);
  // Bounded like the log: the oldest ids are forgotten first.
  while (room.ids.size > 2 * MAX_LOG_ENTRIES) room.ids.delete(room.ids.keys().next().value);
}

/** A live message with an id: remembered, and its entry marked, so that history can go around it. */
function liveMessage(room, m, entry) {
  if (!Number.isSafeInteger(m.id) || !Number.isFinite(m.at)) return;
  // Ids only grow within a room: a smaller one is a history started again.
  if (m.id <= room.lastId && room.ids.get(m.id) !== m.at) rememberId(room, m.id, Number.NaN);
  rememberId(room, m.id, m.at);
  room.ownSince = false;
  entry.dataset.id = String(m.id);
}

/** `2026-12-05 23:10`: a history entry's time, in the reader's time zone. */
function formatTime(at) {
  const date = new Date(at);
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** One history entry as a log entry: marked as history, with its time (exact, in UTC, on hover). */
function historyEntry(entry) {
  const time = document.createElement('time');
  time.className = 'stamp';
  time.dateTime = new Date(entry.at).toISOString();
  time.title = new Date(entry.at).toUTCString();
  time.textContent = formatTime(entry.at);
  const mark = document.createElement('span');
  mark.className = 'history-mark';
  mark.append('[history ', time, '] ');
  const element = document.createElement('div');
  const body =
    entry.type === 'said'
      ? [nameElement(entry.name), ': ', textSpan('text', entry.text)]
      : ['* ', nameElement(entry.name), ' ', textSpan('text', entry.text)];
  element.className = `entry ${entry.type} history`;
  element.dataset.id = String(entry.id);
  element.append(mark, ...body);
  return element;
}

const isEntry = (e) =>
  e !== null &&
  typeof e === 'object' &&
  Number.isSafeInteger(e.id) &&
  Number.isFinite(e.at) &&
  (e.type === 'said' || e.type === 'action') &&
  isString(e.name) &&
  isString(e.text);

/**
 * Puts history entries in a room's log by id: newer than all shown, they are appended (following the
 * log like live lines); older, they go where they belong, before the first message with a greater
 * id. A message already shown (same id, same time) is not shown twice.
 */
function placeHistory(room, entries, counts) {
  let added = 0;
  for (const entry of entries) {
    if (room.ids.get(entry.id) === entry.at) continue;
    const newest = entry.id > room.lastId;
    rememberId(room, entry.id, entry.at);
    const element = historyEntry(entry);
    added++;
    if (newest) {
      appendEntry(room, element);
    } else {
      const container = containerOf(room);
      const after = [...container.querySelectorAll('.entry[data-id]')].find((e) => Number(e.dataset.id) > entry.id);
      container.insertBefore(element, after ?? null);
    }
    if (counts && room !== state.view) room.unread++;
  }
  if (counts) showUnread(room);
  return added;
}

/** A page of older messages: at the top of the room's log, the reader's place kept. */
function prependHistory(room, entries, more) {
  room.loadingOlder = false;
  const container = containerOf(room);
  const before = container.scrollHeight;
  const fresh = entries.filter((entry) => room.ids.get(entry.id) !== entry.at);
  for (const entry of fresh) rememberId(room, entry.id, entry.at);
  const elements = fresh.map(historyEntry);
  if (!more && room.older) {
    room.older = false;
    const start = document.createElement('div');
    start.className = 'entry notice info history-start';
    start.append(textSpan('mark', '[*]'), ` no earlier messages in ${room.name}`);
    elements.unshift(start);
  }
  if (elements.length > 0) container.prepend(...elements);
  if (room === state.view) ui.log.scrollTop += ui.log.scrollHeight - before;
  // All of it already shown (a resumed connection pages from where it was sent): page on.
  if (fresh.length === 0 && more) loadOlder();
}

/** The user scrolled to the top of a room: ask for the messages before those shown. */
function loadOlder() {
  const room = state.view;
  if (room === state.nowhere || !room.listed || room.loadingOlder || !room.older) return;
  if (!state.welcomed || state.resuming) return;
  if (send(`/history ${room.name} ${HISTORY_PAGE}`)) room.loadingOlder = true;
}

function onLogScroll() {
  if (ui.log.scrollTop <= LOAD_OLDER_PX) loadOlder();
}

/** A wheel turned up on a log too short to scroll still asks for older messages. */
function onLogWheel(event) {
  if (event.deltaY < 0 && ui.log.scrollTop <= LOAD_OLDER_PX) loadOlder();
}

/** `/resume TOKEN #room=ID ...`: per room, the last message shown, unless the page spoke there since. */
function resumeLine() {
  const pairs = [...state.rooms.values()]
    .filter((room) => room.lastId > 0 && !room.ownSince)
    .map((room) => ` ${room.name}=${room.lastId}`);
  return `/resume ${state.token}${pairs.join('')}`;
}

/** The page's own /session, when it has none and the server has sessions. */
function askSession() {
  if (state.token !== undefined || state.noSessions) return;
  if (send('/session')) state.sessionAsked = true;
}

function privateFrom(from, text) {
  addEntry('private', textSpan('mark', '[pm]'), ' ', nameElement(from), ': ', textSpan('text', text));
}

function privateTo(to, text) {
  addEntry(
    'private mine',
    textSpan('mark', '[pm to'),
    ' ',
    nameElement(to),
    textSpan('mark', ']'),
    ' ',
    nameElement(state.myName),
    ': ',
    textSpan('text', text),
  );
}

/** News about someone (a leave, a rename) told once, not per room: in each room that lists them, else in view. */
function aboutSomeone(update, kind, ...parts) {
  const rooms = [...state.rooms.values()].filter((room) => update(room));
  const found = rooms.length > 0;
  if (!found) rooms.push(state.view);
  for (const room of rooms)
    addEntryTo(room, kind, ...parts.map((part) => (isString(part) ? part : part.cloneNode(true))));
  return found;
}

// ---------------------------------------------------------------------------------------------
// Messages from the server
// ---------------------------------------------------------------------------------------------

const isString = (value) => typeof value === 'string';

/** One handler per message type; each checks the fields it uses, so a malformed frame is ignored. */
const handlers = {
  welcome(m) {
    if (!isString(m.name)) return;
    setMyName(m.name);
    state.welcomed = true;
    clearPeople();
    // Every connection starts in the default room alone.
    if (!state.home.listed) {
      listRoom(state.home);
      ui.rooms.prepend(state.home.item);
      state.rooms = new Map([[state.home.key, state.home], ...state.rooms]);
      if (state.view === state.nowhere) showRoom(state.home);
    }
    state.quietWho.clear();
    state.parted.clear();
    // A resumed session brings its own rooms back: wait for the server's answer to /resume.
    if (!state.resuming) startAfresh();
  },
  history(m) {
    if (!isString(m.room) || !Array.isArray(m.entries)) return;
    const room = roomOf(m);
    if (room === undefined) return;
    const entries = m.entries.filter(isEntry);
    if (m.reason === 'page') return prependHistory(room, entries, m.more === true);
    if (Number.isSafeInteger(m.missed) && m.missed > 0) {
      const missed = m.missed === 1 ? '1 missed message is' : `${m.missed} missed messages are`;
      addEntryTo(room, 'notice error', textSpan('mark', '[!]'), ` ${missed} no longer kept`);
    }
    // A replay is what the page missed: unread while its room is not in view; the scrollback is not.
    placeHistory(room, entries, m.reason === 'replay');
  },
  session(m) {
    if (!isString(m.token)) return;
    keepToken(m.token);
    const asked = state.sessionAsked;
    state.sessionAsked = false;
    // The page's own /session is bookkeeping; one the user typed gets its answer.
    if (!asked) info(`session ${m.token} (kept by this tab; reconnecting resumes it)`);
  },
  resumed(m) {
    if (!isString(m.name) || !Array.isArray(m.rooms) || !m.rooms.every(isString)) return;
    state.resuming = false;
    setMyName(m.name);
    const keys = new Set(m.rooms.map(roomKey));
    for (const room of [...state.rooms.values()]) if (!keys.has(room.key)) unlistRoom(room);
    for (const name of m.rooms) roomOf({ room: name });
    if (!state.view.listed) showRoom([...state.rooms.values()].at(-1) ?? state.nowhere);
    // The server's current room is the session's: make it the one in view (a silent switch).
    else send(`/join ${state.view.name}`);
    // The default room was joined before the resume, with nobody listed: refresh its list quietly.
    if (state.home.listed) refreshPeople(state.home);
    info(`resumed as ${m.name}${m.rooms.length === 0 ? '' : ` in ${m.rooms.join(', ')}`}`);
    if (state.linkRoom !== undefined) {
      joinRoom(state.linkRoom);
      state.linkRoom = undefined;
    }
  },
  joined(m) {
    if (!isString(m.name)) return;
    if (isMe(m.name) && isString(m.room)) learnDefaultRoom(m.room);
    const room = roomOf(m);
    if (room === undefined) return;
    addPerson(room, m.name);
    addEntryTo(room, 'joined', nameElement(m.name), textSpan('dim', ' joined the chat'));
  },
  entered(m) {
    if (!isString(m.name) || !isString(m.room) || !ROOM_PATTERN.test(m.room)) return;
    const key = roomKey(m.room);
    let room = state.rooms.get(key);
    if (isMe(m.name)) {
      state.parted.delete(key);
      // Our own join: the member list follows at once, and fills the room's list.
      state.quietWho.add(key);
      const returning = state.rejoining.delete(key);
      if (room === undefined) {
        room = listRoom(key === state.home.key ? state.home : newRoom(m.room));
        if (!returning) showRoom(room);
      }
    }
    if (room === undefined) return;
    addPerson(room, m.name);
    addEntryTo(room, 'joined', nameElement(m.name), textSpan('dim', ` joined ${room.name}`));
  },
  parted(m) {
    if (!isString(m.name)) return;
    const room = roomOf(m);
    if (room === undefined) return;
    removeMember(room, m.name);
    const reason = isString(m.reason) ? ` (${m.reason})` : '';
    addEntryTo(
      room,
      'left',
      textSpan('mark', '[-]'),
      ' ',
      nameElement(m.name),
      textSpan('dim', ` left ${room.name}${reason}`),
    );
  },
  said(m) {
    if (!isString(m.name) || !isString(m.text)) return;
    const room = roomOf(m);
    if (room !== undefined) liveMessage(room, m, said(room, m.name, m.text, false));
  },
  left(m) {
    if (!isString(m.name)) return;
    const reason = isString(m.reason) ? ` (${m.reason})` : '';
    const name = m.name;
    const listed = aboutSomeone(
      (room) => removePerson(room, name),
      'left',
      textSpan('mark', '[-]'),
      ' ',
      nameElement(name),
      textSpan('dim', ` left the chat.${reason}`),
    );
    // Nobody listed them: one of those a bounded /who did not list, in the room in view.
    if (!listed) removeMember(state.view, name);
  },
  renamed(m) {
    if (!isString(m.from) || !isString(m.to)) return;
    if (isMe(m.from)) setMyName(m.to);
    const { from, to } = m;
    aboutSomeone(
      (room) => renamePerson(room, from, to),
      'renamed',
      nameElement(from),
      textSpan('dim', ' is now known as '),
      nameElement(to),
    );
  },
  action(m) {
    if (!isString(m.name) || !isString(m.text)) return;
    const room = roomOf(m);
    if (room !== undefined) liveMessage(room, m, action(room, m.name, m.text, false));
  },
  private(m) {
    if (isString(m.from) && isString(m.text)) privateFrom(m.from, m.text);
  },
  who(m) {
    if (!Array.isArray(m.names) || !m.names.every(isString)) return;
    const count = Number.isInteger(m.count) ? m.count : m.names.length;
    const whole = !isString(m.prefix);
    if (whole && state.silentWho) {
      // The answer to the page's /who after welcome: the default room, where every connection starts.
      state.silentWho = false;
      if (isString(m.room)) learnDefaultRoom(m.room);
      state.quietWho.delete(state.home.key);
      if (state.home.listed) fillPeople(state.home, m.names, count);
      return;
    }
    const room = isString(m.room) ? state.rooms.get(roomKey(m.room)) : state.home.listed ? state.home : undefined;
    if (whole && room !== undefined && state.quietWho.delete(room.key)) {
      fillPeople(room, m.names, count);
      return;
    }
    const where = isString(m.room) && roomKey(m.room) !== state.home.key ? ` in ${m.room}` : '';
    const prefix = isString(m.prefix) ? ` starting with ${m.prefix}` : '';
    const more = count > m.names.length ? `, and ${count - m.names.length} more` : '';
    info(`${count} online${where}${prefix}: ${m.names.join(', ')}${more}`);
  },
  rooms(m) {
    if (!Array.isArray(m.rooms) || !Number.isInteger(m.count)) return;
    const listed = m.rooms.filter((room) => room !== null && isString(room.name) && Number.isInteger(room.size));
    const names = listed.map((room) => `${room.name} (${room.size})`).join(', ');
    const matching = isString(m.prefix) ? ` matching "${m.prefix}"` : '';
    const more = m.count > listed.length ? `, and ${m.count - listed.length} more` : '';
    info(`${m.count} ${m.count === 1 ? 'room' : 'rooms'}${matching}${names === '' ? '' : `: ${names}`}${more}`);
  },
  notice(m) {
    if (!isString(m.text)) return;
    // A server without sessions answers the page's own /session so: not worth a word.
    if (state.sessionAsked && (m.code === 'no-sessions' || (m.code === 'unknown-command' && m.command === 'session'))) {
      state.sessionAsked = false;
      state.noSessions = true;
      return;
    }
    if (m.code === 'cannot-resume' && state.resuming) {
      // An ordinary new connection from here on, with a session of its own.
      state.resuming = false;
      keepToken(undefined);
      problem(m.text);
      startAfresh();
      return;
    }
    if (m.code === 'rate-limited') for (const room of state.rooms.values()) room.loadingOlder = false;
    if (m.code === 'idle-timeout') state.idleKicked = true;
    // A /join or /part may have been dropped: make sure the server's current room is the one in view.
    if (m.code === 'rate-limited') scheduleResync();
    if (m.level === 'error') problem(m.text);
    else info(m.text);
  },
  help(m) {
    if (!Array.isArray(m.commands)) return;
    const list = document.createElement('dl');
    list.className = 'help-list';
    for (const command of m.commands) {
      if (command === null || typeof command !== 'object' || !isString(command.usage)) continue;
      const usage = document.createElement('dt');
      usage.textContent = command.usage;
      const description = document.createElement('dd');
      description.textContent = isString(command.description) ? command.description : '';
      list.append(usage, description);
    }
    addEntry(
      'notice info help',
      textSpan('mark', '[*]'),
      ' commands (start a message with // to send a line that begins with /):',
      list,
    );
  },
  // Past 50 joins (or leaves) a second the server sums them up per room, one line a second per kind.
  'joined-many'(m) {
    const room = roomOf(m);
    if (room !== undefined) summary(m, [room], 'joined', '[+]', (r, name) => addPerson(r, name));
  },
  'left-many'(m) {
    // With a room, they parted it; without one, they left the chat: every room loses them.
    const rooms = isString(m.room) ? [roomOf(m)].filter((room) => room !== undefined) : [...state.rooms.values()];
    if (rooms.length > 0 || !isString(m.room)) summary(m, rooms, 'left', '[-]', removePerson);
  },
  shutdown() {
    state.serverShutdown = true;
    state.shutdownTriesLeft = TRIES_AFTER_SHUTDOWN;
    info('server shutting down');
  },
};

/**
 * A storm's summary: the names it lists update the rooms' lists; when it lists only some, a quiet
 * /who refreshes the list in view (the others when next shown).
 */
function summary(m, rooms, kind, mark, update) {
  if (!Array.isArray(m.names) || !m.names.every(isString) || !Number.isInteger(m.count)) return;
  const touched = rooms.filter((room) => m.names.map((name) => update(room, name) !== false).some(Boolean));
  const more = m.count > m.names.length ? `, ... and ${m.count - m.names.length} more` : '';
  const shown = isString(m.room) || touched.length === 0 ? (rooms.length > 0 ? rooms : [state.view]) : touched;
  for (const room of shown) {
    addEntryTo(
      room,
      kind,
      textSpan('mark', mark),
      textSpan('dim', ` ${m.count} ${kind}: ${m.names.join(', ')}${more}`),
    );
  }
  if (more === '') return;
  for (const room of rooms) room.stale = true;
  const inView = rooms.includes(state.view) ? state.view : undefined;
  if (inView !== undefined && !state.silentWho && !state.quietWho.has(inView.key)) refreshPeople(inView);
}

function receive(data) {
  if (typeof data !== 'string') return; // the protocol has no binary frames
  let message;
  try {
    message = JSON.parse(data);
  } catch {
    return;
  }
  if (message === null || typeof message !== 'object' || !Object.hasOwn(handlers, message.type)) return;
  handlers[message.type](message);
}

// ---------------------------------------------------------------------------------------------
// The connection
// ---------------------------------------------------------------------------------------------

function socketUrl() {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws`;
}

function setState(name, statusText) {
  ui.body.dataset.state = name;
  ui.status.textContent = statusText;
  // Offer a manual reconnect whenever we are not connected or connecting.
  ui.reconnect.hidden = name === 'connected' || name === 'connecting';
}

function connect() {
  clearTimeout(state.retryTimer);
  state.retryTimer = undefined;
  state.quitting = false;
  state.idleKicked = false;
  setState('connecting', state.attempt === 0 ? 'connecting…' : `reconnecting (attempt ${state.attempt})…`);
  const socket = new WebSocket(socketUrl(), SUBPROTOCOL);
  state.socket = socket;
  socket.addEventListener('open', () => {
    if (state.socket !== socket) return;
    state.connected = true;
    state.attempt = 0;
    state.serverShutdown = false;
    setState('connected', 'connected');
    info('connected');
    // First of all: take the session back (the server's welcome and scrollback come before its answer).
    state.sessionAsked = false;
    state.resuming = state.token !== undefined && send(resumeLine());
  });
  socket.addEventListener('message', (event) => {
    if (state.socket === socket) receive(event.data);
  });
  socket.addEventListener('close', (event) => {
    if (state.socket === socket) lost(event);
  });
}

/** A new connection (not a resumed one): who is here, the rooms again, the address's room, a session. */
function startAfresh() {
  // The joins before ours were never sent to us: ask who is here, and keep the answer quiet.
  state.silentWho = true;
  send('/who');
  rejoin();
  if (state.linkRoom !== undefined) {
    joinRoom(state.linkRoom);
    state.linkRoom = undefined;
  }
  askSession();
}

/**
 * After a reconnect the server has the page in the default room only: back into the other rooms
 * of the list (their `entered` does not switch the view), then the room in view is made current.
 */
function rejoin() {
  const others = [...state.rooms.values()].filter((room) => room !== state.home);
  for (const room of others) {
    state.rejoining.add(room.key);
    send(`/join ${room.name}`);
  }
  const last = others.at(-1) ?? state.home;
  if (state.view !== last && state.view.listed) send(`/join ${state.view.name}`);
}

/** Soon, one /join of the room in view, so that the server's current room is it again. */
function scheduleResync() {
  if (state.resyncTimer !== undefined) return;
  state.resyncTimer = setTimeout(() => {
    state.resyncTimer = undefined;
    if (state.view.listed) send(`/join ${state.view.name}`);
  }, RESYNC_MS);
}

function describeClose(event) {
  const known = CLOSE_REASONS[event.code];
  const reason = event.reason !== '' ? event.reason : known;
  return reason === undefined ? '' : ` (${reason})`;
}

function lost(event) {
  const wasConnected = state.connected;
  state.socket = undefined;
  state.connected = false;
  state.welcomed = false;
  state.resuming = false;
  state.sessionAsked = false;
  for (const room of state.rooms.values()) room.loadingOlder = false;
  state.rejoining.clear();
  clearTimeout(state.resyncTimer);
  state.resyncTimer = undefined;
  clearPeople();
  if (state.quitting) {
    setState('stopped', 'you left the chat');
    info('you left the chat. Press Reconnect to join again.');
    return;
  }
  if (state.idleKicked) {
    setState('stopped', 'disconnected: idle');
    info('disconnected for being idle. Press Reconnect to join again.');
    return;
  }
  if (state.serverShutdown && state.shutdownTriesLeft-- <= 0) {
    setState('stopped', 'disconnected');
    problem('the server did not come back. Press Reconnect to try again.');
    return;
  }
  state.attempt++;
  const delayMs = backoffDelay(state.attempt);
  const seconds = formatSeconds(delayMs);
  if (wasConnected) problem(`disconnected${describeClose(event)}, reconnecting in ${seconds}`);
  else problem(`could not connect${describeClose(event)}, retrying in ${seconds}`);
  setState('waiting', `disconnected, reconnecting in ${seconds}`);
  state.retryTimer = setTimeout(connect, delayMs);
}

function backoffDelay(attempt) {
  const base = Math.min(BACKOFF.maxMs, BACKOFF.initialMs * BACKOFF.factor ** Math.max(0, attempt - 1));
  return Math.round(base * (1 - BACKOFF.jitter * Math.random()));
}

function formatSeconds(ms) {
  const seconds = Math.round(ms / 100) / 10;
  return `${seconds} s`;
}

function send(line) {
  if (state.socket === undefined || state.socket.readyState !== WebSocket.OPEN) return false;
  state.socket.send(line);
  return true;
}

function reconnectNow() {
  state.attempt = 0;
  state.serverShutdown = false;
  connect();
  ui.input.focus();
}

// ---------------------------------------------------------------------------------------------
// What the user types
// ---------------------------------------------------------------------------------------------

/** Shows the user's own line the way the others will see it: the server never echoes it back. */
function showOwnLine(line) {
  if (line.startsWith('//')) return said(state.view, state.myName, line.slice(1), true);
  if (!line.startsWith('/')) return said(state.view, state.myName, line, true);
  const [, word = '', rest = ''] = /^\/(\S*)\s*(.*)$/s.exec(line) ?? [];
  switch (word.toLowerCase()) {
    case 'me':
      if (rest !== '') return action(state.view, state.myName, rest, true);
      break;
    case 'msg': {
      const [, to = '', text = ''] = /^(\S*)\s*(.*)$/s.exec(rest) ?? [];
      if (to !== '' && text.trim() !== '') return privateTo(to, text.trim());
      break;
    }
    case 'quit':
      state.quitting = true;
      break;
    case 'join': {
      addEntry('command mine', textSpan('text', line));
      // A room the page is in becomes current without a word from the server: show it now.
      const known = ROOM_PATTERN.test(rest) ? state.rooms.get(roomKey(rest)) : undefined;
      if (known !== undefined) showRoom(known);
      else if (ROOM_PATTERN.test(rest)) state.parted.delete(roomKey(rest));
      return;
    }
    case 'part': {
      addEntry('command mine', textSpan('text', line));
      const first = rest.split(/\s/, 1)[0] ?? '';
      const room = first.startsWith('#') ? state.rooms.get(roomKey(first)) : state.view;
      if (room !== undefined && room.listed) leftRoom(room);
      return;
    }
  }
  addEntry('command mine', textSpan('text', line));
}

function submit(event) {
  event.preventDefault();
  const line = ui.input.value.trim();
  ui.input.focus();
  if (line === '') return;
  if (!send(line)) {
    // Keep what was typed: nothing is queued while disconnected.
    problem('not connected: your message was not sent');
    return;
  }
  showOwnLine(line);
  ui.input.value = '';
}

function submitRoom(event) {
  event.preventDefault();
  const typed = ui.roomInput.value.trim();
  if (typed === '') return;
  joinRoom(typed.startsWith('#') ? typed : `#${typed}`);
  ui.roomInput.value = '';
  ui.input.focus();
}

state.home = newRoom(DEFAULT_ROOM);
state.nowhere = newRoom('#');
// Read before the first view is shown: showing the default room clears the address's room.
state.linkRoom = roomFromAddress();
listRoom(state.home);
showRoom(state.home);

ui.form.addEventListener('submit', submit);
ui.joinForm.addEventListener('submit', submitRoom);
ui.part.addEventListener('click', partRoom);
ui.reconnect.addEventListener('click', reconnectNow);
window.addEventListener('hashchange', followAddress);
ui.log.addEventListener('scroll', onLogScroll, { passive: true });
ui.log.addEventListener('wheel', onLogWheel, { passive: true });
connect();
