// A webhook receiver for the SCIM server's change events (docs/events.md, "Webhooks"):
// WEBHOOK_SECRET=whsec_… PORT=4000 node examples/webhook-receiver.mjs
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';

const webhook = new Webhook(process.env.WEBHOOK_SECRET);
const seen = new Set(); // at-least-once: deduplicate on the event id (keep it in your database)

createServer((req, res) => {
  let body = '';
  req
    .on('data', (chunk) => (body += chunk))
    .on('end', () => {
      let event;
      try {
        event = webhook.verify(body, req.headers); // the raw body; throws on a bad signature or an old timestamp
      } catch {
        return res.writeHead(401).end();
      }
      if (!seen.has(event.id)) {
        seen.add(event.id);
        console.log(JSON.stringify({ id: event.id, type: event.type, tenantId: event.tenantId }));
      }
      res.writeHead(204).end(); // any 2xx within 10 s acknowledges; anything else is retried
    });
}).listen(Number(process.env.PORT ?? 4000), '127.0.0.1');
