export { addBytes, CID, cidFromBytes, cidOf, parseCid, unixfsOptions } from './cid.js';
export { fetchContent, type FetchContentOptions } from './fetch.js';
export { createGatewayApp, listen, startGateway, type GatewayOptions, type RunningGateway } from './gateway.js';
export { openContentStore, verifyingStorage, type ContentStore } from './store.js';
