// A tenant's journey with the official PocketBase JS SDK (0.21.5), through the PicoBase gateway.
//
// Run by SdkJourney (PocketBaseSdkThroughGatewayTest on one node; ThreeNodesBehindNginxTest through a
// node that forwards every request to the instance's owner) with the working directory set to a directory where
// `pocketbase`, `eventsource` and `undici` are installed. Inputs (environment):
//   PICOBASE_URL  http://<subdomain>.localhost:<gateway port>
//   PICOBASE_KEY  an API key for that instance
// Prints one line per step; exits 1 on the first failed step with what went wrong.
//
// Why the plumbing below: `*.localhost` does not resolve through glibc here, and Node's fetch
// (undici) does not consult dns.lookup, so every connection is routed to 127.0.0.1 by a global
// undici dispatcher while URLs (and therefore the Host header) keep the tenant's subdomain.
// The SDK sends the key as a header on REST calls (beforeSend); EventSource cannot send custom
// headers in a browser, so realtime carries the key as the `apikey` query parameter, as a web
// page would.
import { createHash } from 'node:crypto';
import { Agent, setGlobalDispatcher } from 'undici';
import { EventSource } from 'eventsource';
import PocketBase from 'pocketbase';

const BASE = mustEnv('PICOBASE_URL');
const KEY = mustEnv('PICOBASE_KEY');

setGlobalDispatcher(new Agent({
    connect: {
        lookup(hostname, options, callback) {
            if (typeof options === 'function') {
                callback = options;
                options = {};
            }
            // Node's net.connect asks with {all: true} (happy eyeballs) and expects an array.
            if (options && options.all) {
                callback(null, [{ address: '127.0.0.1', family: 4 }]);
            } else {
                callback(null, '127.0.0.1', 4);
            }
        },
    },
}));

class KeyedEventSource extends EventSource {
    constructor(url, init) {
        const withKey = new URL(url);
        withKey.searchParams.set('apikey', KEY);
        super(withKey.toString(), init);
    }
}
globalThis.EventSource = KeyedEventSource;

const ADMIN_EMAIL = 'admin@example.com';
const ADMIN_PASSWORD = 'admin-password-123';
const USER_EMAIL = 'reader@example.com';
const USER_PASSWORD = 'reader-password-123';
const FILE_SIZE = 5 * 1024 * 1024;

const pb = new PocketBase(BASE);
pb.autoCancellation(false);
pb.beforeSend = function (url, options) {
    options.headers = Object.assign({}, options.headers, { apikey: KEY });
    return { url, options };
};

let stepNumber = 0;
async function step(name, body) {
    stepNumber += 1;
    try {
        const detail = await body();
        console.log(`ok ${stepNumber} ${name}${detail ? ' — ' + detail : ''}`);
    } catch (e) {
        console.log(`FAILED ${stepNumber} ${name}: ${describe(e)}`);
        process.exit(1);
    }
}

function check(condition, message) {
    if (!condition) {
        throw new Error(message);
    }
}

function describe(e) {
    if (e && e.status !== undefined && e.response !== undefined) {
        return `HTTP ${e.status} ${JSON.stringify(e.response)} (${e.url}) ${e.originalError ? describe(e.originalError) : ''}`;
    }
    const cause = e && e.cause ? ` (cause: ${describe(e.cause)})` : '';
    return `${e && e.stack ? e.stack : e}${cause}`;
}

function mustEnv(name) {
    const value = process.env[name];
    if (!value) {
        console.log(`FAILED: environment variable ${name} is not set`);
        process.exit(1);
    }
    return value;
}

/** Deterministic pseudo-random bytes: SHA-256 in counter mode over a fixed seed. */
function deterministicBytes(size) {
    const out = Buffer.alloc(size);
    for (let offset = 0, counter = 0; offset < size; counter++) {
        const block = createHash('sha256').update(`picobase-e2e-${counter}`).digest();
        offset += block.copy(out, offset, 0, Math.min(block.length, size - offset));
    }
    return out;
}

function sha256(buffer) {
    return createHash('sha256').update(buffer).digest('hex');
}

await step('the gateway refuses a request without a key', async () => {
    const res = await fetch(`${BASE}/api/health`);
    check(res.status === 401, `expected 401, got ${res.status} ${await res.text()}`);
    return '401';
});

await step('a refused request shows the gateway\'s message in the SDK\'s error', async () => {
    // The SDK reads `message` at the top of an error body; the gateway puts PocketBase's fields there.
    const wrong = new PocketBase(BASE);
    wrong.beforeSend = function (url, options) {
        options.headers = Object.assign({}, options.headers, { apikey: KEY.slice(0, -4) + 'AAAA' });
        return { url, options };
    };
    try {
        await wrong.collection('posts').getList(1, 1);
    } catch (e) {
        check(e.status === 401, `expected 401, got ${e.status}`);
        check(e.message === 'the API key is not valid for this instance', `the SDK showed '${e.message}'`);
        return e.message;
    }
    throw new Error('a wrong key was accepted');
});

await step('health through the gateway with the key', async () => {
    const health = await pb.health.check();
    check(health.code === 200, `unexpected health ${JSON.stringify(health)}`);
});

await step('create the first admin', async () => {
    const admin = await pb.admins.create({
        email: ADMIN_EMAIL, password: ADMIN_PASSWORD, passwordConfirm: ADMIN_PASSWORD,
    });
    check(admin.email === ADMIN_EMAIL, `admin email is ${admin.email}`);
});

await step('admin signs in', async () => {
    const auth = await pb.admins.authWithPassword(ADMIN_EMAIL, ADMIN_PASSWORD);
    check(auth.token && pb.authStore.isValid && pb.authStore.isAdmin, 'no valid admin token');
});

await step('create the posts collection', async () => {
    const collection = await pb.collections.create({
        name: 'posts',
        type: 'base',
        listRule: '',
        viewRule: '',
        createRule: '@request.auth.id != ""',
        updateRule: '@request.auth.id != ""',
        deleteRule: '@request.auth.id != ""',
        schema: [
            { name: 'title', type: 'text', required: true },
            { name: 'body', type: 'text' },
            { name: 'attachment', type: 'file', options: { maxSelect: 1, maxSize: 20 * 1024 * 1024 } },
        ],
    });
    check(collection.name === 'posts', `collection is ${collection.name}`);
    const fields = collection.schema.map((f) => f.name).sort().join(',');
    check(fields === 'attachment,body,title', `fields are ${fields}`);
    const users = await pb.collections.getOne('users');
    check(users.type === 'auth', `users collection type is ${users.type}`);
});

const posts = pb.collection('posts');
await step('create, list, update and delete records', async () => {
    const first = await posts.create({ title: 'first', body: 'hello' });
    const second = await posts.create({ title: 'second', body: 'world' });
    check(first.id && second.id && first.id !== second.id, 'records have no distinct ids');

    const list = await posts.getList(1, 50, { sort: 'title' });
    check(list.totalItems === 2, `expected 2 records, listed ${list.totalItems}`);
    check(list.items.map((r) => r.title).join(',') === 'first,second', 'unexpected titles');

    const updated = await posts.update(first.id, { body: 'hello again' });
    check(updated.body === 'hello again', `update returned body ${updated.body}`);
    check((await posts.getOne(first.id)).body === 'hello again', 'update was not stored');

    await posts.delete(second.id);
    const left = await posts.getFullList();
    check(left.length === 1 && left[0].id === first.id, `after delete: ${JSON.stringify(left)}`);
    return `${first.id} kept, ${second.id} deleted`;
});

await step('create a user in the users auth collection', async () => {
    const user = await pb.collection('users').create({
        email: USER_EMAIL, password: USER_PASSWORD, passwordConfirm: USER_PASSWORD, name: 'Reader',
    });
    check(user.id, 'no user id');
});

await step('sign in as that user', async () => {
    const auth = await pb.collection('users').authWithPassword(USER_EMAIL, USER_PASSWORD);
    check(auth.record.email === USER_EMAIL, `signed in as ${auth.record.email}`);
    check(pb.authStore.isValid && pb.authStore.isAuthRecord, 'no user token');
    const mine = await pb.collection('users').authRefresh();
    check(mine.record.id === auth.record.id, 'auth refresh returned another user');
});

let uploaded;
const content = deterministicBytes(FILE_SIZE);
await step(`upload a ${FILE_SIZE} byte file with a record`, async () => {
    const form = new FormData();
    form.append('title', 'with attachment');
    form.append('attachment', new Blob([content], { type: 'application/octet-stream' }), 'payload.bin');
    uploaded = await posts.create(form);
    check(typeof uploaded.attachment === 'string' && uploaded.attachment.startsWith('payload'),
        `attachment field is ${JSON.stringify(uploaded.attachment)}`);
    return uploaded.attachment;
});

await step('download the file and compare SHA-256', async () => {
    const url = pb.files.getUrl(uploaded, uploaded.attachment);
    check(url.startsWith(BASE), `file URL ${url} is not on ${BASE}`);
    const res = await fetch(url, { headers: { apikey: KEY } });
    check(res.status === 200, `GET ${url} answered ${res.status}`);
    const body = Buffer.from(await res.arrayBuffer());
    check(body.length === FILE_SIZE, `downloaded ${body.length} bytes, expected ${FILE_SIZE}`);
    check(sha256(body) === sha256(content), 'downloaded bytes differ from the uploaded ones');
    return sha256(body).slice(0, 16);
});

await step('realtime: a created record arrives as an event', async () => {
    let resolveEvent;
    const arrived = new Promise((resolve) => { resolveEvent = resolve; });
    const events = [];
    const unsubscribe = await posts.subscribe('*', (e) => {
        events.push(e);
        if (e.action === 'create') {
            resolveEvent(e);
        }
    });
    check(pb.realtime.isConnected, 'realtime is not connected after subscribe');
    const created = await posts.create({ title: 'live', body: 'over SSE' });
    let timer;
    const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no event within 10 s (got ${JSON.stringify(events)})`)), 10_000);
    });
    const event = await Promise.race([arrived, timeout]);
    clearTimeout(timer);
    check(event.record.id === created.id, `event for ${event.record.id}, created ${created.id}`);
    check(event.record.title === 'live', `event title ${event.record.title}`);
    await unsubscribe();
    check(!pb.realtime.isConnected, 'realtime still connected after the last unsubscribe');
    return `event for ${created.id}`;
});

console.log('journey complete');
process.exit(0);
