/**
 * @module discovery
 * Public surface of `src/discovery`: the backend's mDNS advertiser, the fronts' browser and
 * `resolveBackend` (config address first, else mDNS). mDNS is a hint only; the mTLS check decides.
 * See each module's header for details.
 */
export { advertiseBackend, BackendBrowser, browseBackends, findBackend } from './mdns.js';
export type { AdvertiseOptions, BackendAdvertiser, BrowseOptions, BrowserEvents, FindOptions, MdnsSocketOptions, MdnsTransport } from './mdns.js';
export { resolveBackend } from './resolve.js';
export type { ResolveBackendConfig, ResolvedBackend, ResolveOptions } from './resolve.js';
export { BackendCollector, SERVICE_FQDN, answerQuery, serviceRecords } from './records.js';
export type { DiscoveredBackend, ServiceRecords } from './records.js';
export { DiscoveryError } from './errors.js';
export type { DiscoveryErrorCode } from './errors.js';
