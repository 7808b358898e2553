/** Errors of outbound webhooks. */
import { defineErrors } from '../http/errors.ts';

export const outboundErrors = defineErrors({
  webhook_endpoint_not_found: [404, 'No such webhook endpoint.'],
  webhook_delivery_not_found: [404, 'No such webhook delivery.'],
  webhook_url_invalid: [400, 'The webhook URL is not acceptable.'],
  webhook_endpoint_disabled: [409, 'The webhook endpoint is disabled.'],
  webhook_endpoint_limit: [409, 'Too many webhook endpoints in this mode.'],
});
