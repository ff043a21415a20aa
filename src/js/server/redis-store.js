// RedisStore: sessions kept in Redis, through the application's connected client of the
// `redis` package (node-redis, v5), shared by every server on the same Redis, resocket-axum's
// included: the keys and the message encoding are resocket-axum's RedisStore's
// (adapters/axum/src/redis_store.rs) and the Lua scripts its very files
// (adapters/axum/redis/*.lua), so a session started on one resumes on the other.
//
// Each session is three keys under the store's prefix: a hash `PREFIX session:ID` (`key`,
// `owner`, `term`, `acked`, `handled`), the list of its unacknowledged messages (`:out`) and
// the list of the client's messages not yet handled (`:in`), each message kept as `t` then
// its UTF-8 text or `b` then its bytes. Every change is one script, checked against the
// session's term, so a server that lost the session cannot change it, and a write is whole
// or absent. All three keys expire together, a lifetime after the last write. The store's
// epoch is `PREFIX epoch`, set by the first server to ask.

import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * One of resocket-axum's scripts (adapters/axum/redis/, copied into the package's
 * server/redis/): the same files, so both adapters change a session alike.
 */
function script(name) {
  return readFileSync(new URL(`./redis/${name}.lua`, import.meta.url), 'utf8');
}

const CREATE = script('create');
const CLAIM = script('claim');
const WRITE = script('write');

/**
 * KEYS: the hash, :out, :in. Returns the hash's fields (nil where missing), then both lists:
 * read at once, as resocket-axum reads them in one transaction.
 */
const LOAD = `
return {
  redis.call('HMGET', KEYS[1], 'key', 'owner', 'term', 'acked', 'handled'),
  redis.call('LRANGE', KEYS[2], 0, -1),
  redis.call('LRANGE', KEYS[3], 0, -1)
}
`;

const REMOVE = script('remove');

/** RESP's bulk strings (`$`), read as Buffers: kept messages may be binary. */
const BULK_STRING = 36;
const AS_BUFFERS = { typeMapping: { [BULK_STRING]: Buffer } };

const TEXT_TAG = 0x74; // t
const BINARY_TAG = 0x62; // b

/** A script, run by its hash; Redis loads it when it lacks it (after a restart, say). */
class Script {
  constructor(source) {
    this.source = source;
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client, keys, args, options) {
    const tail = [String(keys.length), ...keys, ...args];
    try {
      return await client.sendCommand(['EVALSHA', this.sha, ...tail], options);
    } catch (error) {
      if (!String(error?.message).startsWith('NOSCRIPT')) throw error;
      return client.sendCommand(['EVAL', this.source, ...tail], options);
    }
  }
}

const SCRIPTS = {
  create: new Script(CREATE),
  load: new Script(LOAD),
  claim: new Script(CLAIM),
  write: new Script(WRITE),
  remove: new Script(REMOVE),
};

/**
 * Sessions kept in Redis, for `new SessionServer({ store })`: `client` is the application's
 * client of the `redis` package (`createClient(...)`, connected), `prefix` starts every key of
 * the store (default `'resocket:'`). Every server given a RedisStore on the same Redis and
 * prefix, resocket-axum's RedisStore among them, resumes the others' sessions.
 */
export class RedisStore {
  #client;
  #prefix;

  constructor(client, { prefix = 'resocket:' } = {}) {
    if (typeof client?.sendCommand !== 'function' || typeof client.multi !== 'function') {
      throw new TypeError('RedisStore takes a client of the redis package (createClient())');
    }
    if (typeof prefix !== 'string') throw new TypeError('prefix must be a string');
    this.#client = client;
    this.#prefix = prefix;
  }

  #keys(id) {
    const session = `${this.#prefix}session:${id}`;
    return [session, `${session}:out`, `${session}:in`];
  }

  /** The store's incarnation, the same for every server on it: the first to ask sets it. */
  async epoch() {
    const key = `${this.#prefix}epoch`;
    const fresh = randomBytes(16).toString('hex');
    const [, epoch] = await this.#client.multi()
      .addCommand(['SET', key, fresh, 'NX'])
      .addCommand(['GET', key])
      .exec();
    return String(epoch);
  }

  /** Keeps a new session (term 0, nothing sent or received), for `lifetimeMs` without writes. */
  async create({ id, key, owner }, lifetimeMs) {
    await SCRIPTS.create.run(this.#client, this.#keys(id), [key, owner, millis(lifetimeMs)]);
  }

  /**
   * The session named `id`, or undefined: `{ key, owner, term, acknowledged, unacknowledged,
   * handled, inbox }`, its messages strings and Buffers.
   */
  async load(id) {
    const [fields, sent, received] = await SCRIPTS.load.run(this.#client, this.#keys(id), [], AS_BUFFERS);
    if (!Array.isArray(fields) || fields.some((field) => field === null || field === undefined)) return undefined;
    const [key, owner, ...counts] = fields.map(String);
    const [term, acknowledged, handled] = counts.map(count);
    return {
      key,
      owner,
      term,
      acknowledged,
      unacknowledged: sent.map(decode),
      handled,
      inbox: received.map(decode),
    };
  }

  /** Takes the session over: true, its term now `term + 1`, if its term was still `term`. */
  async claim(id, term) {
    return Number(await SCRIPTS.claim.run(this.#client, this.#keys(id), [String(term)])) === 1;
  }

  /**
   * Applies `changes` (`{ received, sent, acknowledged, handled }`: messages received, then
   * sent, then the counts if they changed) and keeps the session `lifetimeMs` from now, if its
   * term is still `term`; false otherwise, with nothing changed.
   */
  async write(id, term, { received = [], sent = [], acknowledged, handled }, lifetimeMs) {
    const args = [
      String(term),
      millis(lifetimeMs),
      String(received.length),
      String(sent.length),
      acknowledged === undefined ? '' : String(acknowledged),
      handled === undefined ? '' : String(handled),
      ...received.map(encode),
      ...sent.map(encode),
    ];
    return Number(await SCRIPTS.write.run(this.#client, this.#keys(id), args)) === 1;
  }

  /** Forgets the session, if its term is still `term`. */
  async remove(id, term) {
    await SCRIPTS.remove.run(this.#client, this.#keys(id), [String(term)]);
  }
}

function millis(lifetimeMs) {
  return String(Math.max(1, Math.ceil(lifetimeMs)));
}

function count(text) {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`session store: a count that is not one (${text})`);
  return value;
}

/** The bytes a message is kept as: `t` or `b`, then the message. */
export function encode(message) {
  if (typeof message === 'string') return Buffer.concat([Buffer.of(TEXT_TAG), Buffer.from(message)]);
  return Buffer.concat([Buffer.of(BINARY_TAG), message]);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A kept message: a string, or a Buffer. */
export function decode(kept) {
  const bytes = Buffer.isBuffer(kept) ? kept : Buffer.from(String(kept));
  const body = bytes.subarray(1);
  if (bytes[0] === TEXT_TAG) {
    try {
      return strictUtf8.decode(body);
    } catch {
      throw new Error('session store: a kept text message that is not UTF-8');
    }
  }
  if (bytes[0] === BINARY_TAG) return Buffer.from(body);
  throw new Error('session store: a kept message of no known kind');
}
