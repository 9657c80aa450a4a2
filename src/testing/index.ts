/** rxchat/testing: marble-test your operators against the real core. */
export {
  chatMarbles,
  connect,
  hangUp,
  connectionError,
  type ChatMarbles,
  type ChatMarblesOptions,
  type ClientAction,
} from './chat-marbles';
