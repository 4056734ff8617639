// Preloaded with `node --require` into a process under test: reports every attempt to open a
// network connection or resolve a host name on stderr, as `[netspy] <what> <where>` lines.
'use strict';
const net = require('node:net');
const dns = require('node:dns');
const dgram = require('node:dgram');
const tls = require('node:tls');

function report(what, args) {
  let where;
  try {
    where = JSON.stringify(args.filter((a) => typeof a !== 'function'));
  } catch {
    where = String(args[0]);
  }
  process.stderr.write(`[netspy] ${what} ${where}\n`);
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  report('connect', args);
  return connect.apply(this, args);
};
for (const name of ['lookup', 'resolve', 'resolve4', 'resolve6']) {
  const original = dns[name];
  dns[name] = function (...args) {
    report(`dns.${name}`, args);
    return original.apply(this, args);
  };
  const promised = dns.promises[name];
  dns.promises[name] = function (...args) {
    report(`dns.promises.${name}`, args);
    return promised.apply(this, args);
  };
}
const tlsConnect = tls.connect;
tls.connect = function (...args) {
  report('tls.connect', args);
  return tlsConnect.apply(this, args);
};
const createSocket = dgram.createSocket;
dgram.createSocket = function (...args) {
  report('dgram.createSocket', args);
  return createSocket.apply(this, args);
};
