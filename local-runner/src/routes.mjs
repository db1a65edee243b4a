// What the runner's HTTP front routes to which function.
//
// durable: the answer waits until the run's events are on disk (events-log.mjs, durable()).
// A postback's or a status change's event is the reports' only record of it, so it is not
// acknowledged before it could survive a power cut; the ledger's own writes are synced by the
// function itself. A click answers at once: its signed ID attributes the conversion even if
// its record and event are lost (docs/data-directory.md).

const CLICK = { fn: 'click', methods: ['GET', 'HEAD'], durable: false };
const POSTBACK = { fn: 'postback', methods: ['GET', 'POST'], durable: true };

export const ROUTES = new Map([
  ['/click', CLICK],
  ['/aff_c', CLICK],
  ['/postback', POSTBACK],
  ['/aff_lsr', POSTBACK],
]);

// The operator's status API: the library checks the token, the id and the body.
const STATUS_API = { prefix: '/api/conversions/', route: { fn: 'postback', methods: ['POST'], durable: true } };

export function routeFor(path) {
  return ROUTES.get(path) ?? (path.startsWith(STATUS_API.prefix) ? STATUS_API.route : undefined);
}
