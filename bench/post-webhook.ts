import { createHmac, randomUUID } from 'node:crypto';

/** A webhook to send: event name and the exact JSON body. */
export interface WebhookToSend {
  event: string;
  body: string;
}

/** The headers GitHub sends with a delivery, signed with `secret` over `body`. */
export function signedWebhookHeaders(secret: string, event: string, body: string, deliveryId: string = randomUUID()): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/bench',
    'x-github-event': event,
    'x-github-delivery': deliveryId,
    'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
  };
}

/**
 * POSTs one webhook under a fresh delivery id and reads the answer. Returns
 * the status and the wall time from the start of the request to the end of
 * the answer, in ms.
 */
export async function postWebhook(url: string, secret: string, webhook: WebhookToSend): Promise<{ status: number; ms: number; deliveryId: string }> {
  const deliveryId = randomUUID();
  const headers = signedWebhookHeaders(secret, webhook.event, webhook.body, deliveryId);
  const started = performance.now();
  const response = await fetch(url, { method: 'POST', headers, body: webhook.body });
  await response.arrayBuffer();
  return { status: response.status, ms: performance.now() - started, deliveryId };
}
