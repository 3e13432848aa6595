import {
  call,
  grpcServer,
  httpServer,
  internal,
  kafkaProcess,
  kafkaPublish,
  postgres,
  PRODUCT,
  redis,
  service,
  USER,
} from './topology-builders.js';
import { validateTopology, type Topology, type TopologyInput } from './topology.js';

/**
 * The built-in topology: a small e-commerce system. Nine instrumented services (gateway, auth,
 * cart, catalog, inventory, pricing, payment, fraud, notify) talk HTTP and gRPC, and use
 * PostgreSQL, Redis and Kafka, which appear as CLIENT/PRODUCER/CONSUMER spans with OpenTelemetry
 * semantic-convention attributes (see topology-builders.ts).
 */
const AUTH = call('auth.verify-token');
const RATE_LIMIT = call('gateway.redis-rate-limit', { probability: 0.6 });

export const DEFAULT_TOPOLOGY_INPUT: TopologyInput = {
  name: 'e-commerce',
  error_rate: 0.01,
  large_trace_share: 0.002,
  max_spans_per_trace: 60,
  common_attributes: {
    'thread.id': { int: [1, 64] },
    'thread.name': { one_of: ['main', 'worker-1', 'worker-2', 'worker-3', 'http-nio-8080-exec-4', 'grpc-default-executor-0'] },
  },
  services: {
    gateway: service('nodejs', '4.12.0', '1.30.1'),
    auth: service('go', '2.3.1', '1.34.0'),
    cart: service('java', '1.18.4', '1.47.0'),
    catalog: service('python', '3.7.2', '1.29.0'),
    inventory: service('go', '1.9.0', '1.34.0'),
    pricing: service('java', '2.0.5', '1.47.0'),
    payment: service('java', '5.1.0', '1.47.0'),
    fraud: service('python', '0.14.2', '1.29.0'),
    notify: service('nodejs', '1.4.3', '1.30.1'),
  },
  operations: {
    // gateway: the public API, every trace starts here
    'gateway.get-product': httpServer(
      'gateway',
      'GET',
      '/api/products/{id}',
      { template: '/api/products/{n}', max: 20_000, skew: 2 },
      {
        latency: [2, 30],
        calls: [RATE_LIMIT, AUTH, call('catalog.get-product')],
      },
    ),
    'gateway.search': httpServer(
      'gateway',
      'GET',
      '/api/products',
      { one_of: ['/api/products', '/api/products?q=shoes', '/api/products?q=lamp&page=2'] },
      {
        latency: [3, 60],
        calls: [RATE_LIMIT, AUTH, call('catalog.search')],
      },
    ),
    'gateway.get-cart': httpServer('gateway', 'GET', '/api/cart', '/api/cart', { calls: [RATE_LIMIT, AUTH, call('cart.get-cart')] }),
    'gateway.add-item': httpServer('gateway', 'POST', '/api/cart/items', '/api/cart/items', {
      calls: [RATE_LIMIT, AUTH, call('cart.add-item')],
      okStatus: 201,
    }),
    'gateway.checkout': httpServer('gateway', 'POST', '/api/checkout', '/api/checkout', {
      latency: [5, 120],
      calls: [RATE_LIMIT, AUTH, call('cart.checkout')],
    }),
    'gateway.login': httpServer('gateway', 'POST', '/api/login', '/api/login', { calls: [call('auth.login')] }),
    'gateway.reindex': httpServer('gateway', 'POST', '/api/admin/catalog/reindex', '/api/admin/catalog/reindex', {
      calls: [RATE_LIMIT, AUTH, call('catalog.reindex')],
      okStatus: 202,
    }),

    'gateway.redis-rate-limit': redis('gateway', 'INCR', 'INCR ratelimit:?', { 'app.ratelimit.limit': 100, 'app.ratelimit.window_s': 60 }),

    // auth
    'auth.verify-token': grpcServer('auth', 'shop.auth.v1.AuthService', 'VerifyToken', {
      latency: [0.6, 8],
      calls: [call('auth.redis-get-session')],
    }),
    'auth.redis-get-session': redis('auth', 'GET', 'GET session:?', { 'app.cache.hit': { one_of: [true, false], weights: [19, 1] } }),
    'auth.login': httpServer('auth', 'POST', '/v1/login', '/v1/login', {
      latency: [2, 20],
      calls: [call('auth.select-user'), call('auth.check-password'), call('auth.redis-set-session')],
    }),
    'auth.select-user': postgres('auth', 'SELECT', 'users', 'SELECT id, password_hash, locked FROM users WHERE email = $1'),
    'auth.check-password': internal(
      'auth',
      'bcrypt.compare',
      'password.compare',
      {
        'app.hash.cost': 12,
        'app.hash.algorithm': 'bcrypt',
        'app.login.method': { one_of: ['password', 'sso'], weights: [4, 1] },
        'enduser.id': USER,
      },
      [40, 120],
    ),
    'auth.redis-set-session': redis('auth', 'SET', 'SET session:? ? EX 3600', { 'app.session.ttl_s': 3600 }),

    // catalog
    'catalog.get-product': httpServer(
      'catalog',
      'GET',
      '/v1/products/{id}',
      { template: '/v1/products/{n}', max: 20_000, skew: 2 },
      {
        calls: [
          call('catalog.redis-get-product'),
          call('catalog.select-product', { probability: 0.3 }),
          call('pricing.get-price', { parallel: true }),
          call('inventory.get-stock', { parallel: true }),
        ],
      },
    ),
    'catalog.redis-get-product': redis('catalog', 'GET', 'GET product:?', { 'app.cache.hit': { one_of: [true, false], weights: [7, 3] } }),
    'catalog.select-product': postgres(
      'catalog',
      'SELECT',
      'products',
      'SELECT id, title, description, images FROM products WHERE id = $1',
    ),
    'catalog.search': httpServer(
      'catalog',
      'GET',
      '/v1/search',
      { template: '/v1/search?q={n}', max: 5000, skew: 1 },
      {
        latency: [4, 80],
        calls: [call('catalog.search-products'), call('catalog.rank'), call('pricing.get-price', { parallel: true, repeat: [3, 8] })],
      },
    ),
    'catalog.search-products': postgres(
      'catalog',
      'SELECT',
      'products',
      'SELECT id, title FROM products WHERE search_vector @@ plainto_tsquery($1) LIMIT 24',
      [4, 90],
    ),
    'catalog.rank': internal(
      'catalog',
      'rank results',
      'ranking.rank',
      {
        'app.search.results': { int: [0, 24] },
        'app.search.model': 'bm25-v3',
        'app.search.personalised': { one_of: [true, false] },
        'enduser.id': USER,
      },
      [1, 12],
    ),
    'catalog.reindex': httpServer('catalog', 'POST', '/v1/admin/reindex', '/v1/admin/reindex', {
      latency: [10, 100],
      calls: [call('catalog.select-all-ids'), call('catalog.index-product', { repeat: [350, 500] }), call('catalog.publish-reindexed')],
      okStatus: 202,
    }),
    'catalog.select-all-ids': postgres('catalog', 'SELECT', 'products', 'SELECT id FROM products WHERE updated_at > $1', [20, 200]),
    'catalog.index-product': internal(
      'catalog',
      'index product',
      'indexer.index_product',
      { 'app.product.id': PRODUCT, 'app.index.name': 'products-v7', 'app.index.batch': { int: [1, 20] }, 'app.index.fields': 14 },
      [0.5, 6],
      [call('catalog.select-product'), call('catalog.redis-set-product')],
    ),
    'catalog.redis-set-product': redis('catalog', 'SET', 'SET product:? ? EX 86400', { 'app.cache.ttl_s': 86_400 }),
    'catalog.publish-reindexed': kafkaPublish('catalog', 'catalog.reindexed', 'notify.process-reindexed'),

    // pricing, inventory (gRPC)
    'pricing.get-price': grpcServer('pricing', 'shop.pricing.v1.PricingService', 'GetPrice', {
      calls: [call('pricing.redis-get-price')],
      extra: { 'app.product.id': PRODUCT },
    }),
    'pricing.redis-get-price': redis('pricing', 'HGET', 'HGET price:? ?', { 'app.cache.hit': { one_of: [true, false], weights: [9, 1] } }),
    'pricing.quote': grpcServer('pricing', 'shop.pricing.v1.PricingService', 'Quote', {
      latency: [2, 30],
      calls: [call('pricing.select-promotions'), call('pricing.redis-get-price', { repeat: [1, 5] })],
    }),
    'pricing.select-promotions': postgres(
      'pricing',
      'SELECT',
      'promotions',
      'SELECT code, percent_off FROM promotions WHERE active AND $1 = ANY(product_ids)',
    ),
    'inventory.get-stock': grpcServer('inventory', 'shop.inventory.v1.InventoryService', 'GetStock', {
      calls: [call('inventory.select-stock')],
      extra: { 'app.product.id': PRODUCT },
    }),
    'inventory.select-stock': postgres('inventory', 'SELECT', 'stock', 'SELECT warehouse_id, quantity FROM stock WHERE product_id = $1'),
    'inventory.reserve': grpcServer('inventory', 'shop.inventory.v1.InventoryService', 'Reserve', {
      latency: [2, 40],
      calls: [call('inventory.begin'), call('inventory.update-stock', { repeat: [1, 5] }), call('inventory.commit')],
    }),
    'inventory.begin': postgres('inventory', 'BEGIN', 'stock', 'BEGIN', [0.2, 3]),
    'inventory.update-stock': postgres(
      'inventory',
      'UPDATE',
      'stock',
      'UPDATE stock SET quantity = quantity - $1 WHERE product_id = $2 AND quantity >= $1',
    ),
    'inventory.commit': postgres('inventory', 'COMMIT', 'stock', 'COMMIT', [0.5, 8]),

    // cart
    'cart.get-cart': httpServer(
      'cart',
      'GET',
      '/v1/carts/{userId}',
      { template: '/v1/carts/user-{n}', max: 50_000, skew: 1.5 },
      {
        calls: [call('cart.redis-get-cart'), call('catalog.get-product', { repeat: [1, 3] })],
      },
    ),
    'cart.redis-get-cart': redis('cart', 'HGETALL', 'HGETALL cart:?', { 'app.cache.hit': true }),
    'cart.add-item': httpServer(
      'cart',
      'POST',
      '/v1/carts/{userId}/items',
      { template: '/v1/carts/user-{n}/items', max: 50_000, skew: 1.5 },
      {
        okStatus: 201,
        calls: [call('inventory.get-stock'), call('cart.redis-add-item'), call('cart.publish-cart-updated', { probability: 0.7 })],
      },
    ),
    'cart.redis-add-item': redis('cart', 'HSET', 'HSET cart:? ? ?', { 'app.cart.items': { int: [1, 12] } }),
    'cart.publish-cart-updated': kafkaPublish('cart', 'cart.updated', 'notify.process-cart-updated'),
    'cart.checkout': httpServer(
      'cart',
      'POST',
      '/v1/carts/{userId}/checkout',
      { template: '/v1/carts/user-{n}/checkout', max: 50_000, skew: 1.5 },
      {
        latency: [3, 60],
        calls: [
          call('cart.redis-get-cart'),
          call('inventory.reserve'),
          call('pricing.quote'),
          call('payment.charge'),
          call('cart.insert-order'),
          call('cart.publish-order-created'),
        ],
      },
    ),
    'cart.insert-order': postgres(
      'cart',
      'INSERT',
      'orders',
      'INSERT INTO orders (id, user_id, total_cents, status) VALUES ($1, $2, $3, $4)',
    ),
    'cart.publish-order-created': kafkaPublish('cart', 'order.created', 'notify.process-order-created'),

    // payment, fraud
    'payment.charge': httpServer('payment', 'POST', '/v1/charges', '/v1/charges', {
      latency: [20, 400],
      okStatus: 201,
      extra: {
        'app.payment.method': { one_of: ['card', 'paypal', 'apple_pay'], weights: [7, 2, 1] },
        'app.payment.currency': { one_of: ['EUR', 'USD', 'GBP'] },
      },
      calls: [call('fraud.score'), call('payment.insert-payment'), call('payment.publish-completed')],
    }),
    'payment.insert-payment': postgres(
      'payment',
      'INSERT',
      'payments',
      'INSERT INTO payments (id, order_id, amount_cents, provider_ref) VALUES ($1, $2, $3, $4)',
    ),
    'payment.publish-completed': kafkaPublish('payment', 'payment.completed', 'notify.process-payment-completed'),
    'fraud.score': grpcServer('fraud', 'shop.fraud.v1.FraudService', 'Score', {
      latency: [3, 50],
      calls: [call('fraud.redis-get-features'), call('fraud.select-history'), call('fraud.evaluate-model')],
    }),
    'fraud.redis-get-features': redis('fraud', 'MGET', 'MGET features:? features:?', {
      'app.cache.hit': { one_of: [true, false], weights: [4, 1] },
    }),
    'fraud.select-history': postgres(
      'fraud',
      'SELECT',
      'payments',
      'SELECT amount_cents, created_at FROM payments WHERE user_id = $1 ORDER BY created_at DESC LIMIT 50',
      [2, 40],
    ),
    'fraud.evaluate-model': internal(
      'fraud',
      'evaluate model',
      'model.evaluate',
      {
        'app.model.name': 'gbdt-fraud',
        'app.model.version': '2026.10.2',
        'app.fraud.score': { double: [0, 1] },
        'app.fraud.decision': { one_of: ['allow', 'review', 'deny'], weights: [95, 4, 1] },
      },
      [4, 30],
    ),

    // notify: queue consumers
    'notify.process-payment-completed': kafkaProcess('notify', 'payment.completed', [
      call('notify.select-template'),
      call('notify.render-email'),
      call('notify.send-email'),
    ]),
    'notify.process-order-created': kafkaProcess('notify', 'order.created', [call('notify.select-template'), call('notify.render-email')]),
    'notify.process-cart-updated': kafkaProcess('notify', 'cart.updated', [call('notify.redis-set-reminder')]),
    'notify.process-reindexed': kafkaProcess('notify', 'catalog.reindexed', []),
    'notify.select-template': postgres(
      'notify',
      'SELECT',
      'templates',
      'SELECT subject, body FROM templates WHERE name = $1 AND locale = $2',
    ),
    'notify.render-email': internal(
      'notify',
      'render email',
      'templates.render',
      {
        'app.template.name': { one_of: ['order-confirmation', 'payment-receipt'] },
        'app.template.locale': { one_of: ['en', 'de', 'fr', 'nl'] },
        'app.email.size_bytes': { int: [2000, 40_000] },
        'enduser.id': USER,
      },
      [1, 10],
    ),
    'notify.send-email': {
      ...internal(
        'notify',
        'send email',
        'mailer.send',
        { 'app.email.provider': 'ses', 'app.email.recipients': 1, 'app.email.kind': 'transactional', 'enduser.id': USER },
        [30, 400],
      ),
      events: [{ name: 'email.queued', attributes: { 'app.email.provider': 'ses' } }],
    },
    'notify.redis-set-reminder': redis('notify', 'ZADD', 'ZADD cart-reminders ? ?', { 'app.reminder.delay_s': 86_400 }),
  },
  roots: [
    { operation: 'gateway.get-product', weight: 30 },
    { operation: 'gateway.search', weight: 25 },
    { operation: 'gateway.get-cart', weight: 15 },
    { operation: 'gateway.add-item', weight: 12 },
    { operation: 'gateway.checkout', weight: 8 },
    { operation: 'gateway.login', weight: 5 },
    { operation: 'gateway.reindex', weight: 1, large: true },
  ],
};

let cached: Topology | undefined;

/** The built-in e-commerce topology, validated (so defaults are filled in like a loaded file's). */
export function defaultTopology(): Topology {
  return (cached ??= validateTopology(DEFAULT_TOPOLOGY_INPUT, 'the built-in topology'));
}
