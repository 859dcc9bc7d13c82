import type { FastifyInstance, FastifyRequest } from 'fastify';
import { OPEN_OWNER } from '../api-keys.js';
import { readCookie, SESSION_COOKIE, type Sessions } from '../sessions.js';

const sessionView = {
  type: 'object',
  properties: {
    mode: { type: 'string', enum: ['open', 'key'] },
    expiresAt: { type: 'string' },
  },
} as const;

/**
 * Browser login: POST /v1/session with the API key in `Authorization: Bearer` answers with an
 * HttpOnly, SameSite=Strict cookie that stands for the key until it expires, the key is revoked,
 * or DELETE /v1/session.
 */
export function registerSessionRoutes(app: FastifyInstance, sessions: Sessions): void {
  app.post(
    '/v1/session',
    {
      schema: {
        summary: 'Log a browser in: the API key in Authorization becomes a session cookie',
        response: { 200: sessionView },
      },
    },
    async (request, reply) => {
      if (request.owner === OPEN_OWNER) return { mode: 'open' };
      const { id, expiresAt } = sessions.create(request.owner);
      void reply.header(
        'set-cookie',
        cookie(request, id, Math.floor((expiresAt - Date.now()) / 1000)),
      );
      return { mode: 'key', expiresAt: new Date(expiresAt).toISOString() };
    },
  );

  app.get(
    '/v1/session',
    { schema: { summary: 'Whether this browser is logged in', response: { 200: sessionView } } },
    async (request) => ({ mode: request.owner === OPEN_OWNER ? 'open' : 'key' }),
  );

  app.delete(
    '/v1/session',
    { schema: { summary: 'Log a browser out: ends its session', security: [] } },
    async (request, reply) => {
      const id = readCookie(request.headers.cookie, SESSION_COOKIE);
      if (id) sessions.delete(id);
      return reply
        .header('set-cookie', cookie(request, '', 0))
        .status(204)
        .send();
    },
  );
}

function cookie(request: FastifyRequest, value: string, maxAgeSeconds: number): string {
  const secure = request.protocol === 'https' ? '; Secure' : '';
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}
