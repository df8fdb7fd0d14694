import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Actor, systemActor } from '../auth/actor.js';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor;
  }
}

const LOOPBACK_ACTOR = systemActor('loopback');

/**
 * Resolves who sent each request. Until sign-in exists the API listens on loopback only and every
 * caller there acts as a local administrator.
 */
export function installActorResolution(app: FastifyInstance): void {
  app.decorateRequest('actor', null as unknown as Actor);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    request.actor = LOOPBACK_ACTOR;
  });
}
