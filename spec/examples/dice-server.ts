// A chat server with the /roll example operator: `npx ts-node spec/examples/dice-server.ts`
import { createChatServer, formatLog } from 'rxchat';
import { diceRoll } from './dice-roll';

async function main(): Promise<void> {
  const server = await createChatServer({
    port: Number(process.env['CHAT_PORT'] ?? 5000),
    // Every built-in policy, and /roll parsed before the built-in commands would call it unknown.
    operators: { before: { commands: [diceRoll()] } },
    onLog: (log) => console.log(formatLog(log.entry)),
  });
  console.log(`Server listening on ${server.host}:${server.port}`);
  process.once('SIGINT', () => void server.close().then(() => process.exit(0)));
}

void main();
