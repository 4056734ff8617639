// @ts-check
// Preloaded with `node --require` into a process under test: reports every attempt to open a
// network connection or resolve a host name on stderr, as `[netspy] <what> <where>` lines.
'use strict';
const net = require('node:net');
const dns = require('node:dns');
const dgram = require('node:dgram');
const tls = require('node:tls');

/**
 * The functions patched here have many overloads; the wrappers pass their arguments through as
 * they came, so they see them as a plain list.
 * @typedef {(this: unknown, ...args: unknown[]) => unknown} Passthrough
 */

/** @param {string} what @param {unknown[]} args */
function report(what, args) {
  let where;
  try {
    where = JSON.stringify(args.filter((a) => typeof a !== 'function'));
  } catch {
    where = String(args[0]);
  }
  process.stderr.write(`[netspy] ${what} ${where}\n`);
}

// `apply` is typed with a function's last overload only; the wrappers pass on whatever arguments
// they were given, for any overload.
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (/** @type {unknown[]} */ ...args) {
  report('connect', args);
  return connect.apply(this, /** @type {Parameters<typeof connect>} */ (args));
};
for (const name of /** @type {const} */ (['lookup', 'resolve', 'resolve4', 'resolve6'])) {
  const original = /** @type {Record<typeof name, Passthrough>} */ (dns)[name];
  /** @type {Record<typeof name, Passthrough>} */ (dns)[name] = function (...args) {
    report(`dns.${name}`, args);
    return original.apply(this, args);
  };
  const promised = /** @type {Record<typeof name, Passthrough>} */ (dns.promises)[name];
  /** @type {Record<typeof name, Passthrough>} */ (dns.promises)[name] = function (...args) {
    report(`dns.promises.${name}`, args);
    return promised.apply(this, args);
  };
}
const tlsConnect = tls.connect;
tls.connect = function (...args) {
  report('tls.connect', args);
  return tlsConnect.apply(this, /** @type {Parameters<typeof tlsConnect>} */ (args));
};
const createSocket = dgram.createSocket;
dgram.createSocket = function (...args) {
  report('dgram.createSocket', args);
  return createSocket.apply(this, /** @type {Parameters<typeof createSocket>} */ (args));
};
