// The rxchat page: one WebSocket to the server it came from, speaking rxchat.v1 (lines up, JSON
// frames down). Plain ES module, no build step. User text only ever reaches the DOM through
// textContent, so a message is never parsed as HTML.

const SUBPROTOCOL = 'rxchat.v1';
/** Enough scrollback for a session; older entries are dropped so the page does not grow forever. */
const MAX_LOG_ENTRIES = 1000;
/** Like the terminal client (src/client/backoff.ts): 0.5 s doubling up to 30 s, up to 20% shorter. */
const BACKOFF = { initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.2 };
/** After the server said it shuts down, a restart is worth a few tries, not an endless loop. */
const TRIES_AFTER_SHUTDOWN = 5;
/** How near the bottom counts as "reading the latest" for auto-scrolling, in pixels. */
const STICKY_SCROLL_PX = 48;
/** The number of name colour classes (name-0 … name-9), as many as the terminal's colours. */
const NAME_COLOURS = 10;

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
  people: byId('people'),
  peopleCount: byId('people-count'),
  log: byId('log'),
  form: byId('send'),
  input: byId('input'),
};

const state = {
  /** @type {WebSocket | undefined} */
  socket: undefined,
  connected: false,
  myName: '',
  /** Who is online, in join order: lower-cased name → its name as shown and its list item. */
  roster: new Map(),
  /** Online but not listed, when the server bounded its /who answer. */
  unlisted: 0,
  /** The page's own /who after welcome: its answer fills the list and is not printed. */
  silentWho: false,
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
};

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

function setMyName(name) {
  state.myName = name;
  ui.myName.replaceChildren(nameElement(name));
  document.title = `${name} - rxchat`;
}

// ---------------------------------------------------------------------------------------------
// The list of who is online
// ---------------------------------------------------------------------------------------------

// Updated item by item: a storm of joins in a big room must not rebuild the whole list each time.

function personItem(name) {
  const item = document.createElement('li');
  item.className = 'person';
  item.append(nameElement(name));
  if (nameKey(name) === nameKey(state.myName)) {
    item.classList.add('person-me');
    item.append(textSpan('you', ' (you)'));
  }
  return item;
}

/** The last item, "and N more", shown when the server's /who answer was bounded. */
const moreItem = document.createElement('li');
moreItem.className = 'person person-more';

function showCount() {
  moreItem.textContent = `and ${state.unlisted} more`;
  if (state.unlisted > 0 && moreItem.parentNode === null) ui.people.append(moreItem);
  if (state.unlisted === 0) moreItem.remove();
  ui.peopleCount.textContent = `(${state.roster.size + state.unlisted})`;
}

function addPerson(name) {
  state.roster.get(nameKey(name))?.item.remove();
  const item = personItem(name);
  state.roster.set(nameKey(name), { name, item });
  ui.people.insertBefore(item, moreItem.parentNode === ui.people ? moreItem : null);
  showCount();
}

function removePerson(name) {
  const person = state.roster.get(nameKey(name));
  if (person !== undefined) {
    person.item.remove();
    state.roster.delete(nameKey(name));
  } else if (state.unlisted > 0) {
    state.unlisted--; // one of those the bounded /who did not list
  }
  showCount();
}

function renamePerson(from, to) {
  const person = state.roster.get(nameKey(from));
  if (person === undefined) return;
  // Keep the join order: the new name takes the old one's place.
  const item = personItem(to);
  person.item.replaceWith(item);
  const entries = [...state.roster].map(([key, value]) =>
    key === nameKey(from) ? [nameKey(to), { name: to, item }] : [key, value],
  );
  state.roster = new Map(entries);
  showCount();
}

function fillPeople(names, count) {
  state.roster = new Map(names.map((name) => [nameKey(name), { name, item: personItem(name) }]));
  state.unlisted = Math.max(0, count - state.roster.size);
  ui.people.replaceChildren(...[...state.roster.values()].map((person) => person.item));
  showCount();
}

function clearPeople() {
  state.roster = new Map();
  state.unlisted = 0;
  ui.people.replaceChildren();
  showCount();
}

// ---------------------------------------------------------------------------------------------
// The message log
// ---------------------------------------------------------------------------------------------

/** True while a scroll to the bottom waits for the next frame. */
let followPending = false;

/** Appends one entry built from strings (inserted as text) and elements, keeping the log bounded. */
function addEntry(kind, ...parts) {
  // Follow new messages, unless the user scrolled up to read older ones. Measured once per frame
  // at most, so that a burst of messages does not force a layout for each one.
  if (!followPending && ui.log.scrollHeight - ui.log.scrollTop - ui.log.clientHeight <= STICKY_SCROLL_PX) {
    followPending = true;
    requestAnimationFrame(() => {
      followPending = false;
      ui.log.scrollTop = ui.log.scrollHeight;
    });
  }
  const entry = document.createElement('div');
  entry.className = `entry ${kind}`;
  entry.append(...parts);
  ui.log.append(entry);
  while (ui.log.childElementCount > MAX_LOG_ENTRIES) ui.log.firstElementChild?.remove();
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

function said(name, text, mine) {
  addEntry(mine ? 'said mine' : 'said', nameElement(name), ': ', textSpan('text', text));
}

function action(name, text, mine) {
  addEntry(mine ? 'action mine' : 'action', '* ', nameElement(name), ' ', textSpan('text', text));
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

// ---------------------------------------------------------------------------------------------
// Messages from the server
// ---------------------------------------------------------------------------------------------

const isString = (value) => typeof value === 'string';

/** One handler per message type; each checks the fields it uses, so a malformed frame is ignored. */
const handlers = {
  welcome(m) {
    if (!isString(m.name)) return;
    setMyName(m.name);
    clearPeople();
    // The joins before ours were never sent to us: ask who is here, and keep the answer quiet.
    state.silentWho = true;
    send('/who');
  },
  joined(m) {
    if (!isString(m.name)) return;
    addPerson(m.name);
    addEntry('joined', nameElement(m.name), textSpan('dim', ' joined the chat'));
  },
  said(m) {
    if (isString(m.name) && isString(m.text)) said(m.name, m.text, false);
  },
  left(m) {
    if (!isString(m.name)) return;
    removePerson(m.name);
    const reason = isString(m.reason) ? ` (${m.reason})` : '';
    addEntry('left', textSpan('mark', '[-]'), ' ', nameElement(m.name), textSpan('dim', ` left the chat.${reason}`));
  },
  renamed(m) {
    if (!isString(m.from) || !isString(m.to)) return;
    if (nameKey(m.from) === nameKey(state.myName)) setMyName(m.to);
    renamePerson(m.from, m.to);
    addEntry('renamed', nameElement(m.from), textSpan('dim', ' is now known as '), nameElement(m.to));
  },
  action(m) {
    if (isString(m.name) && isString(m.text)) action(m.name, m.text, false);
  },
  private(m) {
    if (isString(m.from) && isString(m.text)) privateFrom(m.from, m.text);
  },
  who(m) {
    if (!Array.isArray(m.names) || !m.names.every(isString)) return;
    const count = Number.isInteger(m.count) ? m.count : m.names.length;
    if (state.silentWho) {
      state.silentWho = false;
      fillPeople(m.names, count);
      return;
    }
    const prefix = isString(m.prefix) ? ` starting with ${m.prefix}` : '';
    const more = count > m.names.length ? `, and ${count - m.names.length} more` : '';
    info(`${count} online${prefix}: ${m.names.join(', ')}${more}`);
  },
  notice(m) {
    if (!isString(m.text)) return;
    if (m.code === 'idle-timeout') state.idleKicked = true;
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
  // Past 50 joins (or leaves) a second the server sums them up, one line a second per kind.
  'joined-many'(m) {
    summary(m, 'joined', '[+]', addPerson);
  },
  'left-many'(m) {
    summary(m, 'left', '[-]', removePerson);
  },
  shutdown() {
    state.serverShutdown = true;
    state.shutdownTriesLeft = TRIES_AFTER_SHUTDOWN;
    info('server shutting down');
  },
};

/** A storm's summary: the names it lists update the list; when it lists only some, a quiet /who refreshes it. */
function summary(m, kind, mark, update) {
  if (!Array.isArray(m.names) || !m.names.every(isString) || !Number.isInteger(m.count)) return;
  for (const name of m.names) update(name);
  const more = m.count > m.names.length ? `, ... and ${m.count - m.names.length} more` : '';
  addEntry(kind, textSpan('mark', mark), textSpan('dim', ` ${m.count} ${kind}: ${m.names.join(', ')}${more}`));
  if (more !== '' && !state.silentWho) {
    state.silentWho = true;
    send('/who');
  }
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
  });
  socket.addEventListener('message', (event) => {
    if (state.socket === socket) receive(event.data);
  });
  socket.addEventListener('close', (event) => {
    if (state.socket === socket) lost(event);
  });
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
  if (line.startsWith('//')) return said(state.myName, line.slice(1), true);
  if (!line.startsWith('/')) return said(state.myName, line, true);
  const [, word = '', rest = ''] = /^\/(\S*)\s*(.*)$/s.exec(line) ?? [];
  switch (word.toLowerCase()) {
    case 'me':
      if (rest !== '') return action(state.myName, rest, true);
      break;
    case 'msg': {
      const [, to = '', text = ''] = /^(\S*)\s*(.*)$/s.exec(rest) ?? [];
      if (to !== '' && text.trim() !== '') return privateTo(to, text.trim());
      break;
    }
    case 'quit':
      state.quitting = true;
      break;
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

ui.form.addEventListener('submit', submit);
ui.reconnect.addEventListener('click', reconnectNow);
showCount();
connect();
