/**
 * The Checkout Session endpoints: create, retrieve, list, line items, expire.
 * Completing a session happens on its hosted page (`pages/checkout-page.ts`).
 */
import { invalidRequest } from '../core/errors.ts';
import { LIST, array, boolean, ignored, integer, mergeMetadata, metadata, object, oneOf, range, string } from '../core/params.ts';
import { createdFilter, listResponse, mustGet, route, type ApiRequest, type Route } from '../core/router.ts';
import { getCustomer } from './customers.ts';
import { createPrice } from './catalog.ts';
import { checkLines, createSession, expireIfDue, expireSession, type LineInput } from './checkout.ts';

const LOCALES = ['auto', 'bg', 'cs', 'da', 'de', 'el', 'en', 'en-GB', 'es', 'es-419', 'et', 'fi', 'fil', 'fr', 'fr-CA', 'hr', 'hu', 'id', 'it', 'ja', 'ko', 'lt', 'lv', 'ms', 'mt', 'nb', 'nl', 'pl', 'pt', 'pt-BR', 'ro', 'ru', 'sk', 'sl', 'sv', 'th', 'tr', 'vi', 'zh', 'zh-HK', 'zh-TW'] as const;

const createShape = {
  mode: oneOf(['payment', 'setup', 'subscription']).req(),
  line_items: array(object({
    price: string(),
    quantity: integer({ min: 1, max: 999999 }),
    price_data: object({
      currency: string().req(),
      product: string(),
      product_data: object({ name: string().req(), description: string(), metadata: metadata(), images: ignored(), tax_code: ignored() }),
      unit_amount: integer({ min: 0 }),
      unit_amount_decimal: string(),
      recurring: object({ interval: oneOf(['day', 'week', 'month', 'year']).req(), interval_count: integer({ min: 1 }) }),
      tax_behavior: oneOf(['exclusive', 'inclusive', 'unspecified']),
    }),
    adjustable_quantity: ignored(),
    tax_rates: ignored(),
    dynamic_tax_rates: ignored(),
  }), { max: 100 }),
  customer: string(),
  customer_email: string({ maxLength: 512 }),
  customer_creation: oneOf(['always', 'if_required']),
  client_reference_id: string({ maxLength: 200 }),
  metadata: metadata(),
  success_url: string({ maxLength: 5000 }),
  cancel_url: string({ maxLength: 5000 }),
  expires_at: integer(),
  locale: oneOf(LOCALES),
  ui_mode: oneOf(['hosted', 'hosted_page']),
  subscription_data: object({
    trial_period_days: integer({ min: 1, max: 730 }),
    trial_end: integer(),
    metadata: metadata(),
    description: string({ maxLength: 500 }),
    trial_settings: object({ end_behavior: object({ missing_payment_method: oneOf(['cancel', 'create_invoice', 'pause']).req() }).req() }),
    default_tax_rates: ignored(),
    billing_cycle_anchor: ignored(),
    proration_behavior: ignored(),
    application_fee_percent: ignored(),
    on_behalf_of: ignored(),
    transfer_data: ignored(),
  }),
  payment_intent_data: object({
    metadata: metadata(),
    description: string(),
    setup_future_usage: oneOf(['off_session', 'on_session']),
    receipt_email: ignored(),
    statement_descriptor: ignored(),
    statement_descriptor_suffix: ignored(),
    capture_method: ignored(),
    shipping: ignored(),
    application_fee_amount: ignored(),
    on_behalf_of: ignored(),
    transfer_data: ignored(),
    transfer_group: ignored(),
  }),
  payment_method_types: array(oneOf(['card'])),
  payment_method_collection: oneOf(['always', 'if_required']),
  allow_promotion_codes: boolean(),
  billing_address_collection: oneOf(['auto', 'required']),
  customer_update: ignored(),
  automatic_tax: ignored(),
  tax_id_collection: ignored(),
  consent_collection: ignored(),
  phone_number_collection: ignored(),
  custom_text: ignored(),
  custom_fields: ignored(),
  invoice_creation: ignored(),
  saved_payment_method_options: ignored(),
  shipping_address_collection: ignored(),
  submit_type: ignored(),
  currency: string(),
};

function create(req: ApiRequest<any>): unknown {
  const { ctx } = req;
  const p = req.params as { [K in keyof typeof createShape]?: any };
  if (p.mode === 'setup') throw invalidRequest('The Stripe sandbox does not emulate `setup` mode Checkout Sessions.', { param: 'mode', saveIdempotent: false });
  if (!p.line_items || p.line_items.length === 0) throw invalidRequest(`Missing required param: line_items.`, { param: 'line_items', code: 'parameter_missing', saveIdempotent: false });
  if (p.customer && p.customer_email) throw invalidRequest('You may only specify one of these parameters: customer, customer_email.', { param: 'customer_email', saveIdempotent: false });
  const customer = p.customer ? getCustomer(req, p.customer) : null;
  const inline = new Set<string>();
  const lines: LineInput[] = (p.line_items as any[]).map((li, i) => {
    if (li.price && li.price_data) throw invalidRequest(`You may only specify one of these parameters: price, price_data.`, { param: `line_items[${i}][price]`, saveIdempotent: false });
    if (li.quantity === undefined || li.quantity === null) throw invalidRequest(`Quantity is required. Add \`quantity\` to \`line_items[${i}]\``, { param: `line_items[${i}][quantity]`, code: 'parameter_missing', saveIdempotent: false });
    if (li.price) return { price: mustGet(req, 'price', li.price, 'price', `line_items[${i}][price]`), quantity: li.quantity };
    const d = li.price_data;
    if (!d) throw invalidRequest(`Missing required param: line_items[${i}][price].`, { param: `line_items[${i}][price]`, code: 'parameter_missing', saveIdempotent: false });
    let product: string;
    if (d.product) product = mustGet(req, 'product', d.product, 'product', `line_items[${i}][price_data][product]`).id;
    else if (d.product_data) {
      const made = ctx.insert('product', {
        id: ctx.id('product'), object: 'product', active: true, created: ctx.now, default_price: null, description: d.product_data.description ?? null, images: [], livemode: false,
        marketing_features: [], metadata: mergeMetadata({}, d.product_data.metadata), name: d.product_data.name, package_dimensions: null, shippable: null, statement_descriptor: null,
        tax_code: null, tax_details: null, type: 'service', unit_label: null, updated: ctx.now, url: null,
      });
      product = made.id;
    } else throw invalidRequest(`Missing required param: line_items[${i}][price_data][product].`, { param: `line_items[${i}][price_data][product]`, code: 'parameter_missing', saveIdempotent: false });
    const price = createPrice(ctx, { ...d, product, active: false });
    inline.add(price.id);
    return { price, quantity: li.quantity };
  });
  checkLines(p.mode, lines, inline);
  if (p.expires_at !== undefined && p.expires_at !== null && (p.expires_at < ctx.now + 1800 || p.expires_at > ctx.now + 86400)) {
    throw invalidRequest('The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.', { param: 'expires_at', saveIdempotent: false });
  }
  const sd = p.subscription_data ?? {};
  const pid = p.payment_intent_data ?? {};
  const session = createSession(ctx, {
    mode: p.mode,
    lines,
    customer,
    customerEmail: p.customer_email ?? null,
    customerCreation: p.customer_creation ?? null,
    clientReferenceId: p.client_reference_id ?? null,
    metadata: mergeMetadata({}, p.metadata),
    successUrl: p.success_url ?? null,
    cancelUrl: p.cancel_url ?? null,
    expiresAt: p.expires_at ?? null,
    locale: p.locale ?? null,
    extras: {
      trialPeriodDays: sd.trial_period_days ?? null,
      trialEnd: sd.trial_end ?? null,
      subscriptionMetadata: mergeMetadata({}, sd.metadata),
      subscriptionDescription: sd.description ?? null,
      missingPaymentMethod: sd.trial_settings?.end_behavior.missing_payment_method ?? 'create_invoice',
      paymentIntentMetadata: mergeMetadata({}, pid.metadata),
      paymentIntentDescription: pid.description ?? null,
      saveCard: Boolean(pid.setup_future_usage),
    },
  });
  return ctx.render(session);
}

export const checkoutRoutes: Route[] = [
  route('POST', '/v1/checkout/sessions', createShape, create),
  route('GET', '/v1/checkout/sessions/:id', {}, (req) => {
    const session = mustGet(req, 'checkout.session', req.path.id as string, 'checkout.session');
    expireIfDue(req.ctx, session);
    return req.ctx.render(session);
  }),
  route('GET', '/v1/checkout/sessions/:id/line_items', { ...LIST }, (req) => {
    const session = mustGet(req, 'checkout.session', req.path.id as string, 'checkout.session');
    const items = (session.obj.line_items?.data ?? []);
    const limit = req.params.limit ?? 10;
    const start = req.params.starting_after ? items.findIndex((l) => l.id === req.params.starting_after) + 1 : 0;
    return { object: 'list', data: items.slice(start, start + limit), has_more: start + limit < items.length, url: `/v1/checkout/sessions/${session.id}/line_items` };
  }),
  route('POST', '/v1/checkout/sessions/:id/expire', {}, (req) => {
    const session = mustGet(req, 'checkout.session', req.path.id as string, 'checkout.session');
    expireIfDue(req.ctx, session);
    if (session.obj.status !== 'open') throw invalidRequest(`Only Checkout Sessions with a status in ["open"] can be expired. This session has status "${session.obj.status}".`, { code: 'checkout_session_not_open' });
    expireSession(req.ctx, session);
    return req.ctx.render(session);
  }),
  route('GET', '/v1/checkout/sessions', { ...LIST, customer: string(), payment_intent: string(), subscription: string(), status: oneOf(['complete', 'expired', 'open']), created: range(), customer_details: ignored(), payment_link: ignored() }, (req) => {
    const { customer, payment_intent: pi, subscription, status } = req.params;
    const store = req.rt.store;
    const kind = 'checkout.session' as const;
    const candidates = customer
      ? store.byIndex(kind, req.account, 'customer', customer)
      : pi
        ? store.byIndex(kind, req.account, 'payment_intent', pi)
        : subscription
          ? store.byIndex(kind, req.account, 'subscription', subscription)
          : store.all(kind, req.account);
    const created = createdFilter(req.params.created);
    return listResponse(req, candidates, '/v1/checkout/sessions', (e) => (!status || e.obj.status === status) && created(e.obj.created));
  }),
];
