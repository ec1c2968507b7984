// What a tenant's app sees through the PocketBase JS SDK when the gateway refuses its request.
// Inputs (environment): PICOBASE_URL (http://<subdomain>.localhost:<gateway port>), PICOBASE_KEY (a key
// that is not valid for that instance). Prints `status=<n>` and `message=<ClientResponseError.message>`.
import { Agent, setGlobalDispatcher } from 'undici';
import PocketBase from 'pocketbase';

setGlobalDispatcher(new Agent({
    connect: {
        lookup(hostname, options, callback) {
            if (typeof options === 'function') {
                callback = options;
                options = {};
            }
            if (options && options.all) {
                callback(null, [{ address: '127.0.0.1', family: 4 }]);
            } else {
                callback(null, '127.0.0.1', 4);
            }
        },
    },
}));

const pb = new PocketBase(process.env.PICOBASE_URL);
pb.beforeSend = function (url, options) {
    options.headers = Object.assign({}, options.headers, { apikey: process.env.PICOBASE_KEY });
    return { url, options };
};
try {
    await pb.collection('posts').getList(1, 10);
    console.log('unexpected success');
    process.exit(1);
} catch (err) {
    console.log(`status=${err.status}`);
    console.log(`message=${err.message}`);
}
