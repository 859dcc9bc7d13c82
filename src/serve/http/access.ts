import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { FilterlabError } from '../../core/errors.js';
import { isLoopback, openMode } from '../config.js';
import { OPEN_OWNER, RateLimiter, type ApiKeys, type KeyEntry } from './api-keys.js';
import type { ServerDeps } from './deps.js';
import { readCookie, SESSION_COOKIE, type Sessions } from './sessions.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The key id the request is made with (OPEN_OWNER in open mode); '' on public routes. */
    owner: string;
  }
  interface FastifyContextConfig {
    /**
     * false: not counted against the rate limit. For cheap reads a gallery makes many of, and for
     * the follow-up requests of a job already counted at its upload (events, result, delete): the
     * web app previews every filter on a new photo, which is one counted request per filter.
     */
    rateLimit?: boolean;
  }
}

type RouteSchema = { security?: readonly unknown[] } | undefined;

/**
 * A route is public when its OpenAPI operation says so (`security: []`); every other route needs
 * a key. The decision is made on the route the router matched, never on the URL text: the router
 * decodes and normalises paths that a prefix test on the raw URL would miss.
 */
export function isPublicRoute(route: { schema?: unknown }): boolean {
  const security = (route.schema as RouteSchema)?.security;
  return Array.isArray(security) && security.length === 0;
}

/** Marks every route registered from here on in `scope` public (the static web app files). */
export function makeRoutesPublic(scope: FastifyInstance): void {
  scope.addHook('onRoute', (route: RouteOptions) => {
    route.schema = { ...route.schema, security: [] };
  });
}

/**
 * Authentication, CSRF check and rate limit, run on every request that matched a non-public
 * route. A request that matched no route gets the 404 answer and reaches no handler.
 */
export function installAccessGuard(
  app: FastifyInstance,
  deps: ServerDeps,
  sessions: Sessions,
): void {
  const { config, keys } = deps;
  const open = openMode(config);
  if (open && !isLoopback(config.host))
    deps.logger.warn(
      { host: config.host },
      'open mode on a non-loopback address (--open-public): anyone who reaches it can upload photos and read lab reports without an API key',
    );
  const limiter = new RateLimiter();
  app.decorateRequest('owner', '');
  app.addHook('onRequest', async (request, reply) => {
    const route = request.routeOptions;
    if (route.url === undefined || isPublicRoute(route)) return;
    const { owner, entry } = authenticate(request, keys, sessions, open);
    request.owner = owner;
    if (route.config.rateLimit === false) return;
    // in open mode every visitor is "open": give each address its own bucket
    const bucket = owner === OPEN_OWNER ? `${OPEN_OWNER}:${request.ip}` : owner;
    const perMinute = entry?.rateLimitPerMinute ?? config.rateLimitPerMinute;
    const wait = limiter.take(bucket, perMinute);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      throw new FilterlabError(
        'FL_ERR_RATE_LIMITED',
        `Expected at most ${perMinute} requests per minute; retry in ${wait} s`,
      );
    }
  });
}

/** The API key a request presents: `Authorization: Bearer`, `X-API-Key`, or a session cookie. */
function authenticate(
  request: FastifyRequest,
  keys: ApiKeys,
  sessions: Sessions,
  open: boolean,
): { owner: string; entry?: KeyEntry } {
  const header = request.headers.authorization;
  const presented = header?.startsWith('Bearer ')
    ? header.slice(7).trim()
    : request.headers['x-api-key'];
  if (typeof presented === 'string' && presented) {
    const entry = keys.find(presented);
    if (entry) return { owner: entry.id, entry };
    throw new FilterlabError(
      'FL_ERR_UNAUTHORIZED',
      'Expected a valid API key but the one presented is unknown or revoked',
    );
  }
  const sessionId = readCookie(request.headers.cookie, SESSION_COOKIE);
  const sessionOwner = sessionId ? sessions.owner(sessionId) : undefined;
  // a revoked key ends its sessions too
  const entry = sessionOwner ? keys.get(sessionOwner) : undefined;
  if (entry) {
    checkSameOrigin(request);
    return { owner: entry.id, entry };
  }
  if (open) return { owner: OPEN_OWNER };
  throw new FilterlabError(
    'FL_ERR_UNAUTHORIZED',
    sessionId
      ? 'Expected a live session but the session cookie is expired or its key revoked; log in again with an API key'
      : 'Expected an API key in "Authorization: Bearer <key>", "X-API-Key" or a session cookie (POST /v1/session) but received none',
  );
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Cookies ride along on requests that other sites make the browser send; a state-changing
 * request on a cookie must come from this origin: its Origin header names this host, or it
 * carries X-Requested-With, which a cross-site form cannot set.
 */
function checkSameOrigin(request: FastifyRequest): void {
  if (SAFE_METHODS.has(request.method) || request.headers['x-requested-with']) return;
  const origin = request.headers.origin;
  let originHost: string | undefined;
  try {
    originHost = origin ? new URL(origin).host : undefined;
  } catch {
    originHost = undefined;
  }
  if (originHost && originHost === request.headers.host) return;
  throw new FilterlabError(
    'FL_ERR_UNAUTHORIZED',
    `Expected a same-origin request (Origin matching ${request.headers.host ?? 'this host'} or X-Requested-With) for ${request.method} with a session cookie but received Origin ${origin ?? 'none'}`,
  );
}
