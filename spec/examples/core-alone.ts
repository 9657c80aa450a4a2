import { Subject } from 'rxjs';
import { chat, type ChatEvent } from 'rxchat';

const events = new Subject<ChatEvent>();
events.pipe(chat()).subscribe(console.log);
events.next({
  type: 'connected',
  id: '1',
  remote: { address: '127.0.0.1', port: 1234 },
  names: ['alice'],
  at: Date.now(),
});
// { kind: 'log', … }, { kind: 'deliver', to: ['1'], message: { type: 'welcome', name: 'alice' }, … }, …
