import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { classifyAddress } from '../../domain/webhooks/address-policy.js';

/** The part of an answer's body kept in the attempt log. */
export const LOGGED_BODY_BYTES = 1024;
/** The most of an answer's body read at all; the connection is closed beyond it. */
export const READ_BODY_BYTES = 64 * 1024;

export interface SendOptions {
  timeoutMs: number;
  allowPrivate: boolean;
}

/** What one attempt gave: the status (null without an answer), latency, the start of the body, the error. */
export interface SendResult {
  status: number | null;
  latencyMs: number;
  responseBody: string | null;
  error: string | null;
}

/** A message as Standard Webhooks signs it: the id (the event id), and the body. */
export interface WebhookMessage {
  id: string;
  body: string;
}

class RefusedAddress extends Error {}

/**
 * The Standard Webhooks headers of one attempt (https://www.standardwebhooks.com, signed with its npm
 * library): `webhook-id`, `webhook-timestamp` and `webhook-signature`, which holds one `v1,<sig>` per
 * secret, space-separated (during a rotation's grace period, the new and the old secret's).
 */
export function signedHeaders(
  message: WebhookMessage,
  secrets: readonly string[],
  at: Date,
): Record<string, string> {
  const signature = secrets.map((secret) => new Webhook(secret).sign(message.id, at, message.body)).join(' ');
  return {
    'webhook-id': message.id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signature,
  };
}

/**
 * DNS resolution with the SSRF guard: every address the name resolves to must be allowed
 * (classifyAddress), and the connection is made to one of exactly those addresses, so the name cannot
 * resolve differently between the check and the connect (DNS rebinding).
 */
function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      if (!allowPrivate) {
        for (const { address } of addresses) {
          const verdict = classifyAddress(address);
          if (!verdict.allowed) {
            return callback(
              new RefusedAddress(`${hostname} resolves to a refused address: ${verdict.reason}`),
              '',
              0,
            );
          }
        }
      }
      if (addresses.length === 0) return callback(new Error(`${hostname} has no address`), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

/**
 * Sends one webhook attempt: a POST of `body` with the signed headers, answered within `timeoutMs`
 * (connecting included) or abandoned; redirects are not followed (a 3xx is a failed attempt); at most
 * READ_BODY_BYTES of the answer are read and LOGGED_BODY_BYTES kept. Never throws: a refused address,
 * a timeout or a connection error is a result with `status: null` and the error.
 */
export function sendWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  options: SendOptions,
): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const finish = (result: Omit<SendResult, 'latencyMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, latencyMs: elapsed() });
    };
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      finish({ status: null, responseBody: null, error: 'the endpoint URL is invalid' });
      return;
    }
    const host = target.hostname.replace(/^\[|\]$/g, '');
    // A literal IP address is not looked up: judged here.
    if (!options.allowPrivate && isIP(host)) {
      const verdict = classifyAddress(host);
      if (!verdict.allowed) {
        finish({ status: null, responseBody: null, error: `refused address: ${verdict.reason}` });
        return;
      }
    }
    const client = target.protocol === 'https:' ? https : http;
    const request = client.request(target, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'scim-server-webhooks/1',
        ...headers,
        'content-length': String(Buffer.byteLength(body)),
      },
      lookup: guardedLookup(options.allowPrivate),
    });
    const timer = setTimeout(() => {
      request.destroy(new Error(`no answer within ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    request.on('error', (error) => {
      const refused = error instanceof RefusedAddress;
      finish({
        status: null,
        responseBody: null,
        error: refused ? `refused address: ${error.message}` : error.message,
      });
    });
    request.on('response', (response) => {
      const kept: Buffer[] = [];
      let keptBytes = 0;
      let readBytes = 0;
      const done = (error: string | null) => {
        const text = Buffer.concat(kept).toString('utf8');
        finish({ status: response.statusCode ?? null, responseBody: text, error });
      };
      response.on('data', (chunk: Buffer) => {
        readBytes += chunk.length;
        if (keptBytes < LOGGED_BODY_BYTES) {
          const part = chunk.subarray(0, LOGGED_BODY_BYTES - keptBytes);
          kept.push(part);
          keptBytes += part.length;
        }
        if (readBytes > READ_BODY_BYTES) {
          // Enough: the status is what counts; the rest of a large answer is not read.
          done(null);
          response.destroy();
          request.destroy();
        }
      });
      response.on('end', () => done(null));
      response.on('error', (error) => done(error.message));
      response.on('close', () => done(null));
    });
    request.end(body);
  });
}
