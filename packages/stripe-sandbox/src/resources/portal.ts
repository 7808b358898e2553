/**
 * The customer portal: configurations (create, retrieve, list, update; the features
 * the hosted page honours are subscription_cancel (at period end or immediately),
 * invoice_history and payment_method_update), sessions (whose `url` is the hosted
 * page), and the actions that page performs.
 */
import type Stripe from 'stripe';
import { invalidRequest } from '../core/errors.ts';
import { rebase, registerRenderer } from '../core/render.ts';
import { LIST, array, boolean, ignored, mergeMetadata, metadata, object, oneOf, string } from '../core/params.ts';
import { listResponse, mustGet, route, type ApiRequest, type Route } from '../core/router.ts';
import type { Ctx } from '../core/runtime.ts';
import type { Entry } from '../core/store.ts';
import { attachPaymentMethod, createFromTestCard, testCard } from './cards.ts';
import { getCustomer } from './customers.ts';
import { cancelSubscriptionNow, withCancellation } from './subscriptions.ts';

registerRenderer('billing_portal.session', (entry, view) => {
  const o = entry.obj as Stripe.BillingPortal.Session;
  return { ...o, url: rebase(o.url, view.baseUrl) ?? o.url } as unknown as Record<string, unknown>;
});

const REASONS = ['customer_service', 'low_quality', 'missing_features', 'other', 'switched_service', 'too_complex', 'too_expensive', 'unused'] as const;

const featuresShape = object({
  customer_update: object({ allowed_updates: array(oneOf(['address', 'email', 'name', 'phone', 'shipping', 'tax_id'])), enabled: boolean().req() }),
  invoice_history: object({ enabled: boolean().req() }),
  payment_method_update: object({ enabled: boolean().req(), payment_method_configuration: ignored() }),
  subscription_cancel: object({
    enabled: boolean().req(),
    mode: oneOf(['at_period_end', 'immediately']),
    proration_behavior: oneOf(['always_invoice', 'create_prorations', 'none']),
    cancellation_reason: object({ enabled: boolean().req(), options: array(oneOf(REASONS)) }),
  }),
  subscription_update: ignored(),
  subscription_pause: ignored(),
});

const configShape = {
  business_profile: object({ headline: string(), privacy_policy_url: string(), terms_of_service_url: string() }),
  default_return_url: string(),
  login_page: object({ enabled: boolean().req() }),
  metadata: metadata(),
  name: string(),
};

type FeaturesParam = NonNullable<ReturnType<typeof featuresShape.parse>>;

function defaultFeatures(): Stripe.BillingPortal.Configuration.Features {
  return {
    customer_update: { allowed_updates: [], enabled: false },
    invoice_history: { enabled: true },
    payment_method_update: { enabled: true, payment_method_configuration: null },
    subscription_cancel: { cancellation_reason: { enabled: false, feedback_options: null, options: [] }, enabled: true, mode: 'at_period_end', proration_behavior: 'none' },
    subscription_pause: { duration: { interval_options: [], type: 'indefinite' }, enabled: false },
    subscription_update: { billing_cycle_anchor: null, default_allowed_updates: [], enabled: false, products: [], proration_behavior: 'none', schedule_at_period_end: { conditions: [] }, trial_update_behavior: 'end_trial' },
  };
}

function applyFeatures(f: Stripe.BillingPortal.Configuration.Features, p: FeaturesParam | null | undefined): void {
  if (!p) return;
  if (p.customer_update) f.customer_update = { allowed_updates: p.customer_update.allowed_updates ?? f.customer_update.allowed_updates, enabled: p.customer_update.enabled };
  if (p.invoice_history) f.invoice_history = { enabled: p.invoice_history.enabled };
  if (p.payment_method_update) f.payment_method_update = { ...f.payment_method_update, enabled: p.payment_method_update.enabled };
  const c = p.subscription_cancel;
  if (c) {
    f.subscription_cancel = {
      ...f.subscription_cancel,
      enabled: c.enabled,
      ...(c.mode ? { mode: c.mode } : {}),
      ...(c.proration_behavior ? { proration_behavior: c.proration_behavior } : {}),
      ...(c.cancellation_reason ? { cancellation_reason: { enabled: c.cancellation_reason.enabled, feedback_options: null, options: c.cancellation_reason.options ?? [] } } : {}),
    };
  }
}

function createConfiguration(ctx: Ctx, p: Record<string, any>, isDefault: boolean): Entry<'billing_portal.configuration'> {
  const features = defaultFeatures();
  applyFeatures(features, p.features);
  const config: Stripe.BillingPortal.Configuration = {
    id: ctx.id('portalConfiguration'),
    object: 'billing_portal.configuration',
    active: true,
    application: null,
    business_profile: { headline: p.business_profile?.headline ?? null, privacy_policy_url: p.business_profile?.privacy_policy_url ?? null, terms_of_service_url: p.business_profile?.terms_of_service_url ?? null },
    created: ctx.now,
    default_return_url: p.default_return_url ?? null,
    features,
    is_default: isDefault,
    livemode: false,
    login_page: { enabled: p.login_page?.enabled ?? false, url: null },
    metadata: mergeMetadata({}, p.metadata),
    name: p.name ?? null,
    updated: ctx.now,
  };
  const entry = ctx.insert('billing_portal.configuration', config);
  ctx.emit('billing_portal.configuration.created', entry);
  return entry;
}

/** The account's default configuration (the one Stripe's dashboard settings make), created on first use. */
export function defaultConfiguration(ctx: Ctx): Entry<'billing_portal.configuration'> {
  const existing = ctx.store.all('billing_portal.configuration', ctx.account).find((c) => c.obj.is_default);
  return existing ?? createConfiguration(ctx, {}, true);
}

function listConfigurations(req: ApiRequest<any>): unknown {
  defaultConfiguration(req.ctx);
  const { active, is_default: isDefault } = req.params;
  return listResponse(req, req.rt.store.all('billing_portal.configuration', req.account), '/v1/billing_portal/configurations', (e) =>
    (active == null || e.obj.active === active) && (isDefault == null || e.obj.is_default === isDefault));
}

export const portalRoutes: Route[] = [
  route('POST', '/v1/billing_portal/configurations', { ...configShape, features: featuresShape.req() }, (req) => req.ctx.render(createConfiguration(req.ctx, req.params, false))),
  route('GET', '/v1/billing_portal/configurations/:id', {}, (req) => req.ctx.render(mustGet(req, 'billing_portal.configuration', req.path.id as string, 'configuration'))),
  route('POST', '/v1/billing_portal/configurations/:id', { ...configShape, features: featuresShape, active: boolean() }, (req) => {
    const config = mustGet(req, 'billing_portal.configuration', req.path.id as string, 'configuration');
    const p = req.params;
    if (p.active === false && config.obj.is_default) throw invalidRequest('The default configuration cannot be deactivated.', { param: 'active' });
    req.ctx.update(config, (c) => {
      applyFeatures(c.features, p.features);
      if (p.active !== undefined && p.active !== null) c.active = p.active;
      if (p.business_profile) c.business_profile = { ...c.business_profile, ...Object.fromEntries(Object.entries(p.business_profile).filter(([, v]) => v !== undefined)) };
      if (p.default_return_url !== undefined) c.default_return_url = p.default_return_url;
      if (p.login_page) c.login_page = { ...c.login_page, enabled: p.login_page.enabled };
      if (p.metadata !== undefined) c.metadata = mergeMetadata(c.metadata, p.metadata);
      if (p.name !== undefined) c.name = p.name;
      c.updated = req.ctx.now;
    }, 'billing_portal.configuration.updated');
    return req.ctx.render(config);
  }),
  route('GET', '/v1/billing_portal/configurations', { ...LIST, active: boolean(), is_default: boolean() }, listConfigurations),
  route('POST', '/v1/billing_portal/sessions', {
    customer: string().req(),
    return_url: string(),
    configuration: string(),
    locale: string(),
    on_behalf_of: string(),
    flow_data: ignored(),
  }, (req) => {
    const { ctx, params: p } = req;
    const customer = getCustomer(req, p.customer);
    const config = p.configuration ? mustGet(req, 'billing_portal.configuration', p.configuration, 'configuration', 'configuration') : defaultConfiguration(ctx);
    if (!config.obj.active) throw invalidRequest('The configuration is not active.', { param: 'configuration' });
    const returnUrl = p.return_url ?? config.obj.default_return_url;
    const id = ctx.id('portalSession');
    const session: Stripe.BillingPortal.Session = {
      id,
      object: 'billing_portal.session',
      configuration: config.id,
      created: ctx.now,
      customer: customer.id,
      customer_account: null,
      flow: null,
      livemode: false,
      locale: null,
      on_behalf_of: p.on_behalf_of ?? null,
      return_url: returnUrl ?? null,
      url: `${ctx.rt.baseUrl}/portal/${id}`,
    };
    const entry = ctx.insert('billing_portal.session', session);
    ctx.emit('billing_portal.session.created', entry);
    return ctx.render(entry);
  }),
];

export type PortalAction =
  | { action: 'cancel'; subscription: string; reason?: string | null }
  | { action: 'renew'; subscription: string }
  | { action: 'update_payment_method'; paymentMethod: string };

/** What the portal page does on a form post; returns an error message or null. */
export function runPortalAction(ctx: Ctx, session: Stripe.BillingPortal.Session, config: Stripe.BillingPortal.Configuration, act: PortalAction): string | null {
  const customer = ctx.get('customer', session.customer);
  if (!customer) return 'This customer no longer exists.';
  const c = ctx.onClock(customer.obj.test_clock as string | null);
  if (act.action === 'update_payment_method') {
    if (!config.features.payment_method_update.enabled) return 'Updating the payment method is not enabled for this portal.';
    const card = testCard(act.paymentMethod);
    if (!card) return `Unknown test payment method: ${act.paymentMethod}`;
    if (card.behavior === 'decline') return 'Your card was declined.';
    const pm = createFromTestCard(c, card);
    attachPaymentMethod(c, pm, customer.id);
    c.update(customer, (o) => {
      o.invoice_settings.default_payment_method = pm.id;
    }, 'customer.updated');
    for (const sub of c.store.byIndex('subscription', c.account, 'customer', customer.id)) {
      if (sub.obj.default_payment_method && sub.obj.status !== 'canceled') {
        c.update(sub, (s) => {
          s.default_payment_method = pm.id;
        }, 'customer.subscription.updated');
      }
    }
    return null;
  }
  const sub = c.get('subscription', act.subscription);
  if (!sub || sub.obj.customer !== customer.id) return 'No such subscription.';
  if (act.action === 'renew') {
    if (!sub.obj.cancel_at_period_end) return 'This subscription is not scheduled to cancel.';
    c.update(sub, (s) => {
      s.cancel_at_period_end = false;
      s.cancel_at = null;
      s.canceled_at = null;
      if (s.cancellation_details) s.cancellation_details.reason = null;
    }, 'customer.subscription.updated');
    return null;
  }
  const cancel = config.features.subscription_cancel;
  if (!cancel.enabled) return 'Canceling is not enabled for this portal.';
  if (sub.obj.status === 'canceled' || sub.obj.status === 'incomplete_expired') return 'This subscription is already canceled.';
  const feedback = act.reason && (REASONS as readonly string[]).includes(act.reason) ? (act.reason as Stripe.Subscription.CancellationDetails.Feedback) : null;
  if (cancel.mode === 'immediately') {
    if (feedback) sub.obj.cancellation_details = withCancellation(sub.obj.cancellation_details, { feedback });
    cancelSubscriptionNow(c, sub, 'cancellation_requested');
    return null;
  }
  c.update(sub, (s) => {
    s.cancel_at_period_end = true;
    s.cancel_at = s.items.data[0]?.current_period_end ?? null;
    s.canceled_at = c.now;
    s.cancellation_details = withCancellation(s.cancellation_details, { feedback, reason: 'cancellation_requested' });
  }, 'customer.subscription.updated');
  return null;
}
